"""Every case under tests/lint/cases (and any other tests/lint/*cases or unseen_cases_* folder) as a fixture test.

A case is a file, or a folder with a small project. Its first line is
``# expect: <kind>``. ``# expect-line`` ends the line that has the fault, and
``# via-indirection`` the line inside the transaction that leads to it. The faulty case
must get a finding of the kind's family on one of those lines, none elsewhere, and a
finding on a ``via-indirection`` line must carry its chain and name the call it leads to.
Each ``# expect-message: <text>`` line names text that the message of a finding on a
marked line must contain, such as the remedy. The ``_fixed`` twin must get no finding at all.

Configuration: a ``# lint-config: key = value`` line adds that TOML to
``[tool.opsgen.lint]``, and a comment saying the project's settings set
``ATOMIC_REQUESTS`` adds such a settings module, for the case and its fixed twin.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from opsgen.lint.config import LintConfig, load_config
from opsgen.lint.engine import lint_paths
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Finding

HERE = Path(__file__).parent
CASE_FOLDERS = sorted(
    p for p in HERE.iterdir() if p.is_dir() and (p.name.endswith("cases") or p.name.startswith("unseen_cases_"))
)

#: The code prefixes of each kind. OPS105 (a synchronous operation handle called inside
#: ``async def``) misuses an interface as OPS305-OPS307 do, so it shares their kind.
FAMILIES = {
    "side-effect-in-transaction": ("OPS1",),
    "forgotten-transaction": ("OPS1",),
    "missing-lock": ("OPS2",),
    "non-uniform-interface": ("OPS3", "OPS105"),
    "spec-contract": ("OPS4",),
}
MARKERS = ("# expect-line", "# via-indirection")


@dataclass
class Case:
    source: Path  # a file, or a folder that is a whole project

    @property
    def name(self) -> str:
        return f"{self.source.parent.name}/{self.source.stem if self.source.is_file() else self.source.name}"

    def files(self) -> list[Path]:
        return [self.source] if self.source.is_file() else sorted(self.source.rglob("*.py"))

    def kind(self) -> str:
        for path in self.files():
            first = path.read_text().splitlines()[:1]
            match = re.match(r"#\s*expect:\s*([\w-]+)", first[0]) if first else None
            if match:
                return match.group(1)
        raise AssertionError(f"{self.source} has no '# expect: <kind>' first line")

    def faulty_twin(self) -> Path:
        """The faulty case whose comments configure this one (itself unless a _fixed twin)."""
        stem = self.source.stem if self.source.is_file() else self.source.name
        if stem.endswith("_fixed"):
            twin_name = stem[: -len("_fixed")] + (".py" if self.source.is_file() else "")
            twin = self.source.with_name(twin_name)
            if twin.exists():
                return twin
        return self.source


def _collect() -> list[Case]:
    cases: list[Case] = []
    for folder in CASE_FOLDERS:
        for entry in sorted(folder.iterdir()):
            if (entry.is_file() and entry.suffix == ".py") or (entry.is_dir() and any(entry.rglob("*.py"))):
                cases.append(Case(entry))
    return cases


CASES = _collect()
RULE_CODES = [rule.code for rule in load_rules()]


def _configure(case: Case, root: Path) -> None:
    twin = Case(case.faulty_twin())
    text = "\n".join(path.read_text() for path in twin.files())
    toml = [m.group(1) for m in re.finditer(r"#\s*lint-config:\s*(.+)", text)]
    if toml and not (root / "pyproject.toml").exists():
        (root / "pyproject.toml").write_text("[tool.opsgen.lint]\n" + "\n".join(toml) + "\n")
    if re.search(r"#.*settings.*ATOMIC_REQUESTS", text) and not list(root.rglob("settings.py")):
        (root / "settings.py").write_text('DATABASES = {"default": {"ENGINE": "x", "ATOMIC_REQUESTS": True}}\n')


def _lint(case: Case, tmp_path: Path) -> tuple[list[Finding], Path]:
    root = tmp_path / "project"
    if case.source.is_file():
        root.mkdir()
        shutil.copy(case.source, root / case.source.name)
    else:
        shutil.copytree(case.source, root)
    _configure(case, root)
    config = load_config(root) if (root / "pyproject.toml").exists() else LintConfig(root=root)
    result = lint_paths([root], config, use_cache=False)
    assert not result.syntax_errors
    return result.findings, root


def _marked_lines(root: Path) -> dict[tuple[str, int], str]:
    marked: dict[tuple[str, int], str] = {}
    for path in sorted(root.rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for marker in MARKERS:
                if marker in line:
                    marked[(str(path), number)] = marker
    return marked


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_case(case: Case, tmp_path: Path) -> None:
    kind = case.kind()
    findings, root = _lint(case, tmp_path)
    shown = [f"{Path(f.path).name}:{f.line}: {f.message}" for f in findings]

    if kind == "none":
        assert shown == []
        return

    family = FAMILIES[kind]
    if not any(code.startswith(family) for code in RULE_CODES):
        pytest.xfail(f"no {' or '.join(family)} rule is loaded yet for kind {kind}")

    marked = _marked_lines(root)
    assert marked, f"{case.name} marks no line with {' or '.join(MARKERS)}"
    hits = [f for f in findings if (f.path, f.line) in marked and f.code.startswith(family)]
    assert hits, f"no {' or '.join(family)} finding on a marked line; findings: {shown}"

    stray = [f"{Path(f.path).name}:{f.line}: {f.message}" for f in findings if (f.path, f.line) not in marked]
    assert stray == []

    for expected in re.findall(r"#\s*expect-message:\s*(.+)", "\n".join(path.read_text() for path in case.files())):
        assert any(expected.strip() in finding.message for finding in hits), f"no message contains {expected.strip()!r}: {shown}"

    for finding in hits:
        if marked[(finding.path, finding.line)] == "# via-indirection":
            assert finding.via, f"indirect finding without its chain: {finding.message}"
            assert finding.via[-1].name in finding.message
