"""Messages for YAML the parsers reject at the character level, and for follow-on errors.

Each error must point at the character or key at fault and name the problem, not a
byte offset or a hint about indentation.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.spec.errors import SpecError, SpecErrors
from opsgen.spec.loader import load_specs
from opsgen.spec.yamlsafe import GENERAL_HINT, MAX_DEPTH, MAX_YAML_KEY_CHARS


def load_errors(tmp_path: Path, files: dict[str, str]) -> list[SpecError]:
    specs = tmp_path / "specs"
    specs.mkdir()
    for name, text in files.items():
        (specs / name).write_text(text, encoding="utf-8")
    with pytest.raises(SpecErrors) as caught:
        load_specs(specs)
    return caught.value.errors


@pytest.fixture(params=["libyaml", "pure"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "pure":
        monkeypatch.setattr("yaml.__with_libyaml__", False)
    else:
        pytest.importorskip("yaml.cyaml")
    return str(request.param)


@pytest.mark.parametrize(
    "line, column",
    [
        ("description: x\x1by", 15),
        ('description: "é x\x1by"', 18),
        ("description: x\x9by", 15),
    ],
)
def test_control_character_located(tmp_path: Path, parser: str, line: str, column: int) -> None:
    errors = load_errors(tmp_path, {"op.yaml": f"name: a.b\n{line}\n"})

    assert len(errors) == 1
    assert (errors[0].line, errors[0].column) == (2, column)
    assert "control character U+00" in errors[0].message
    assert "position" not in errors[0].message
    assert errors[0].hint is not None and "delete the character" in errors[0].hint


def test_surrogate_escape_hint(tmp_path: Path, parser: str) -> None:
    errors = load_errors(tmp_path, {"op.yaml": 'name: a.b\ndescription: "\\ud800"\n'})

    assert len(errors) == 1
    assert errors[0].line == 2
    assert errors[0].hint is not None and "surrogate" in errors[0].hint
    assert errors[0].hint != GENERAL_HINT


def test_deep_flow_nesting_names_limit(tmp_path: Path, parser: str) -> None:
    errors = load_errors(tmp_path, {"op.yaml": "name: a.b\nx: " + "[" * 2000 + "]" * 2000 + "\n"})

    assert len(errors) == 1
    assert errors[0].message == f"the document nests deeper than {MAX_DEPTH} levels"
    assert errors[0].hint is not None and "flatten" in errors[0].hint


def test_long_key_named_as_too_long(tmp_path: Path, parser: str) -> None:
    key = "k" * (MAX_YAML_KEY_CHARS + 100)
    errors = load_errors(tmp_path, {"op.yaml": f"name: a.b\n{key}: 1\n"})

    assert len(errors) == 1
    assert (errors[0].line, errors[0].column) == (2, 1)
    assert f"has {len(key)} characters, more than the {MAX_YAML_KEY_CHARS} YAML allows" in errors[0].message
    assert errors[0].hint is not None and "shorten the key" in errors[0].hint


def test_missing_colon_keeps_its_hint(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, {"op.yaml": "name: a.b\ninput:\n  amount\n  other: str\n"})

    assert all("characters, more than" not in error.message for error in errors)


def test_default_of_broken_shared_enum_not_reported(tmp_path: Path) -> None:
    errors = load_errors(
        tmp_path,
        {
            "types.yaml": "kind: types\ntypes:\n  Color: {enum: [red, red]}\n",
            "op.yaml": "name: a.b\ninput:\n  c: {type: Color, default: red}\n",
        },
    )

    assert [(error.path.name, error.message) for error in errors] == [("types.yaml", "the enum value 'red' is listed twice")]
