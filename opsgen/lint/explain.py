"""``opsgen lint --explain CODE``: print the documentation page of a code, offline.

The page of a rule is its file in ``docs/rules/``, generated from the rule's docstring and
examples, which the wheel carries as ``opsgen/_data/rule_docs``. The codes below OPS100
belong to no rule file, so their pages are written here.
"""

from __future__ import annotations

from opsgen._resources import data_dir

#: The pages of the codes that no rule of ``lint_rules/`` reports.
ENGINE_PAGES = {
    "OPS001": """\
# OPS001: InvalidConfiguration

Reported by the flake8 plugin, at line 1, column 1 of every file it checks, when
`[tool.opsgen.lint]` is invalid: an unknown key, a value of the wrong type, an entry of
`side-effects` (or another name setting) that names a function or class the project's
module does not define, or a `pyproject.toml` that is not valid TOML. The message is the
error that `opsgen lint` prints before it exits 2. Fix the setting the message names.
""",
    "OPS002": """\
# OPS002: FileNotChecked

Reported by the flake8 plugin, at line 1, column 1, for a file whose text is larger than
`max-file-size` bytes (in UTF-8). The plugin does not analyse it, because parsing can take
up to 400 bytes of memory a byte of source. `opsgen lint` names such a file as
`not checked` and exits 2. Exclude the file from flake8, or raise `max-file-size`.
""",
    "OPS003": """\
# OPS003: UnusedNoqa

Reports a `# noqa` code that suppresses no finding, at the start of the comment. Such a
comment is left after its finding was fixed, and hides the next finding of that code on
the line. It is off by default: name OPS003 in full in `select`, `extend-select` or
`--extend-select`. A code counts when it names, in full, a rule that ran on the file and
that `per-file-ignores` does not drop there. A bare `# noqa`, a prefix, another tool's
code and a comment that lists OPS003 itself are left alone. `--fix` removes the unused
codes, and the `# noqa` part with its reason when no code is left. `--add-noqa` leaves
them in place and adds no OPS003 to the comment. `opsgen lint` only.
""",
}


class UnknownCode(ValueError):
    """A code that names no rule and no page."""


def explain(code: str) -> str:
    """Return the Markdown page of ``code`` (any case); raise :class:`UnknownCode` when there is none."""
    code = code.strip().upper()
    if code in ENGINE_PAGES:
        return ENGINE_PAGES[code]
    folder = data_dir("rule_docs")
    page = folder / f"{code.lower()}.md"
    if not code.isalnum() or not page.is_file():
        known = sorted([*ENGINE_PAGES, *(path.stem.upper() for path in folder.glob("ops*.md"))])
        raise UnknownCode(f"no rule has the code {code!r}; the codes are {', '.join(known)}")
    text = page.read_text(encoding="utf-8")
    # The first line names the file that generates the page, for maintainers only.
    if text.startswith("<!--"):
        text = text.partition("\n")[2].lstrip("\n")
    return text
