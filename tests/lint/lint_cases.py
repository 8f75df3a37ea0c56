"""Read the expectation markers of a lint case file and check findings against them.

A case file starts with ``# expect: <kind>`` (``none`` for a fixed file) and ends each
faulty line with ``# expect-line``. The kind names a rule family by its ``name``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding

CASES = Path(__file__).parent / "cases"
MORE_CASES = Path(__file__).parent / "more_cases"
UNSEEN_LOCK_AND_SERVICE_CASES = Path(__file__).parent / "unseen_cases_locks_interfaces"
ROUND4_CASES = Path(__file__).parent / "unseen_cases_round4"
_EXPECT = re.compile(r"^# expect: ([a-z-]+)")


@dataclass(frozen=True)
class Case:
    path: Path
    kind: str
    lines: tuple[int, ...]


def read_case(path: Path) -> Case:
    source = path.read_text(encoding="utf-8")
    header = _EXPECT.match(source)
    assert header, f"{path.name}: the first line must be '# expect: <kind>'"
    lines = tuple(n for n, text in enumerate(source.splitlines(), start=1) if "# expect-line" in text)
    return Case(path, header.group(1), lines)


def cases_of(kinds: set[str]) -> list[Case]:
    """Return the faulty and fixed cases of ``kinds`` from the case folders, by file name."""
    found = []
    for folder in (CASES, MORE_CASES, UNSEEN_LOCK_AND_SERVICE_CASES, ROUND4_CASES):
        for path in sorted(folder.glob("*.py")):
            case = read_case(path)
            fixed_of_kind = case.kind == "none" and read_case(path.with_name(path.name.replace("_fixed", ""))).kind in kinds
            if case.kind in kinds or (path.stem.endswith("_fixed") and fixed_of_kind):
                found.append(case)
    return found


def lint_case(case: Case, directory: Path) -> list[Finding]:
    """Lint the case file alone, as ``example.py`` of an otherwise empty project, with every rule."""
    return lint_example(Example(case.path.read_text(encoding="utf-8")), load_rules(), directory)


def kind_of(code: str) -> str:
    return next(rule.name for rule in load_rules() if rule.code == code)
