"""Run a rule's ``VALID``/``INVALID`` examples as a small project in a folder.

The examples are documentation first; this module turns them into checks. An invalid
example marks each line that must get a finding with a trailing ``# OPSnnn`` comment.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from opsgen.lint.config import config_from_mapping, load_config
from opsgen.lint.engine import check_module
from opsgen.lint.index import ProjectIndex
from opsgen.lint.rule import Example, Finding, Rule


def as_example(example: Example | str) -> Example:
    return example if isinstance(example, Example) else Example(example)


def expected_lines(example: Example, code: str) -> list[int]:
    """Return the 1-based lines of ``example.code`` that end with a ``# <code>`` comment."""
    marker = re.compile(rf"#\s*{re.escape(code)}\b")
    return [number for number, line in enumerate(example.code.splitlines(), start=1) if marker.search(line)]


def write_example(example: Example, directory: Path) -> Path:
    """Write the example's files under ``directory``; return the path of its main file."""
    for relative, source in {**example.files, example.path: example.code}.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return directory / example.path


def lint_example(example: Example | str, rules: Sequence[type[Rule]], directory: Path) -> list[Finding]:
    """Lint the example's main file with ``rules``; ``directory`` must be empty."""
    example = as_example(example)
    main = write_example(example, directory)
    if "pyproject.toml" in example.files:
        config = load_config(directory.resolve())
    else:
        config = config_from_mapping(example.config, directory.resolve())
    index = ProjectIndex.build(config, [directory.resolve()], use_cache=False)
    summary = index.modules[str(main.resolve())]
    return check_module(index, summary, rules)
