"""YAML problems that do not stop the reading are all reported in one run, with the other checks.

A disallowed or mismatched tag, a duplicate key, a merge key, an alias without an anchor
and a second document leave their value out and let the reader go on. A syntax error
stops its file, but what was read before it still declares shared types.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.spec.errors import SpecError, SpecErrors
from opsgen.spec.loader import load_specs
from opsgen.spec.yamlsafe import YamlProblem, parse_document

MANY_PROBLEMS = """\
name: shop.pay
description: !!python/object:os.system ls
input:
  amount: int
  amount: str
  base:
    <<: {type: str}
  other: *missing
output:
  ok: !!int yes
---
name: shop.again
"""


def write_specs(tmp_path: Path, files: dict[str, str]) -> Path:
    specs = tmp_path / "specs"
    for name, text in files.items():
        path = specs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return specs


def load_errors(specs: Path) -> list[SpecError]:
    with pytest.raises(SpecErrors) as caught:
        load_specs(specs)
    return caught.value.errors


def located(errors: list[SpecError]) -> list[tuple[str, int, int]]:
    return [(error.path.name, error.line, error.column) for error in errors]


def test_every_yaml_problem_of_a_file_reported(tmp_path: Path) -> None:
    errors = load_errors(write_specs(tmp_path, {"pay.yaml": MANY_PROBLEMS}))

    messages = [error.message for error in errors]
    assert located(errors) == [
        ("pay.yaml", 2, 14),
        ("pay.yaml", 5, 3),
        ("pay.yaml", 7, 5),
        ("pay.yaml", 8, 10),
        ("pay.yaml", 10, 7),
        ("pay.yaml", 11, 1),
    ]
    assert "the YAML tag '!!python/object:os.system' is not allowed" in messages[0]
    assert messages[1] == "duplicate key 'amount' (first at line 4)"
    assert "merge keys" in messages[2]
    assert "refers to no complete anchor" in messages[3]
    assert "does not match its tag" in messages[4]
    assert "more than one YAML document" in messages[5]
    assert errors[1].source_line == "  amount: str"


def test_yaml_problems_of_all_files_reported_together(tmp_path: Path) -> None:
    specs = write_specs(
        tmp_path,
        {
            "a.yaml": "name: shop.a\ninput:\n  x: !!python/object:os.system ls\noutput:\n  ok: bool\n",
            "b.yaml": "name: shop.b\ninput:\n  x: int\n  x: str\noutput:\n  ok: bool\n",
            "c.yaml": "name: shop.c\ninput: [unclosed\n",
            "d.yaml": "name: shop.d\ninput:\n  x: intt\noutput:\n  ok: bool\n",
        },
    )

    errors = load_errors(specs)

    assert [path for path, _, _ in located(errors)] == ["a.yaml", "b.yaml", "c.yaml", "d.yaml"]
    assert "not allowed in a spec" in errors[0].message
    assert "duplicate key 'x'" in errors[1].message
    assert errors[2].message.startswith("invalid YAML")
    assert errors[3].message == "unknown type 'intt'"


def test_file_with_yaml_problem_still_checks_types(tmp_path: Path) -> None:
    specs = write_specs(tmp_path, {"pay.yaml": "name: shop.pay\ninput:\n  a: int\n  a: str\n  b: intt\noutput:\n  ok: bool\n"})

    errors = load_errors(specs)

    assert [error.message for error in errors] == ["duplicate key 'a' (first at line 3)", "unknown type 'intt'"]
    assert errors[1].hint == "did you mean 'int'?"


def test_types_file_with_yaml_problem_declares_types(tmp_path: Path) -> None:
    specs = write_specs(
        tmp_path,
        {
            "types.yaml": "kind: types\ntypes:\n  Money: {type: decimal}\n  Money: {type: int}\n  Currency: {enum: [EUR, USD]}\n",
            "pay.yaml": "name: shop.pay\ninput:\n  amount: Money\n  currency: Currency\noutput:\n  ok: bool\n",
        },
    )

    errors = load_errors(specs)

    assert located(errors) == [("types.yaml", 4, 3)]


def test_syntax_error_keeps_types_read_before_it(tmp_path: Path) -> None:
    specs = write_specs(
        tmp_path,
        {
            "types.yaml": "kind: types\ntypes:\n  Money: {type: decimal}\n  Currency: {enum: [EUR, USD]\n  Rate: decimal\n",
            "pay.yaml": "name: shop.pay\ninput:\n  amount: Money\n  currency: Currency\n  rate: Rate\noutput:\n  ok: bool\n",
        },
    )

    errors = load_errors(specs)

    assert located(errors) == [("pay.yaml", 5, 9), ("types.yaml", 4, 13)]
    assert errors[0].message == "unknown type 'Rate'"
    assert "fix the YAML error in" in (errors[0].hint or "")
    assert "types.yaml" in (errors[0].hint or "")
    assert errors[1].message.startswith("invalid YAML")


def test_first_problem_carries_the_rest() -> None:
    with pytest.raises(YamlProblem) as caught:
        parse_document("a: 1\na: 2\nb: !custom x\nc: [1, !!python/name:os.system x, 3]\nd: 4\n")

    problem = caught.value
    assert [(found.line, found.column) for found in problem.found] == [(2, 1), (3, 4), (4, 8)]
    assert problem.found[0] is problem
    assert problem.complete
    assert problem.document is not None
    assert problem.document.data == {"a": 1, "c": [1, 3], "d": 4}


def test_dropped_collection_left_out() -> None:
    with pytest.raises(YamlProblem) as caught:
        parse_document("a: !!set {x, y}\nb: !!map [1, 2]\nc: {k: v}\n")

    document = caught.value.document
    assert document is not None
    assert document.data == {"c": {"k": "v"}}
    assert len(caught.value.found) == 2


def test_syntax_error_returns_partial_data() -> None:
    with pytest.raises(YamlProblem) as caught:
        parse_document("kind: types\ntypes:\n  A: {type: str}\n  B: {enum: [x, y]\n  C: int\n")

    problem = caught.value
    assert not problem.complete
    assert problem.document is not None
    assert not problem.document.has_data
    assert problem.document.data == {"kind": "types", "types": {"A": {"type": "str"}, "B": {"enum": ["x", "y"]}}}


def test_pure_python_parser_recovers_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(YamlProblem) as with_libyaml:
        parse_document(MANY_PROBLEMS)
    monkeypatch.setattr("yaml.__with_libyaml__", False)

    with pytest.raises(YamlProblem) as pure:
        parse_document(MANY_PROBLEMS)

    assert [(p.line, p.column, p.message) for p in pure.value.found] == [
        (p.line, p.column, p.message) for p in with_libyaml.value.found
    ]
    assert pure.value.document is not None
    assert with_libyaml.value.document is not None
    assert pure.value.document.data == with_libyaml.value.document.data
