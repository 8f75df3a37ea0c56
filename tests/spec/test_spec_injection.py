"""Injection attempts: spec text that tries to become Python code.

Names are the only spec text generated code uses as code, so every hostile name must be
rejected. Everything else (descriptions, messages, defaults, patterns, enum values) is
data: it must load unchanged, so that the generator can print it as an escaped literal.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from opsgen.spec.errors import SpecErrors
from opsgen.spec.loader import load_specs
from opsgen.spec.resolved import InlineEnum

PAYLOADS = [
    '"""; import os; os.system("touch pwned"); """',
    "'''\nimport os\n'''",
    "\\'); __import__('os').system('id'); ('",
    "{__import__('os').system('id')}",
    "${{ 7*7 }} {{ config }} {% raw %}",
    "line one\nline two\r\nline three",
    "\u202e reversed \u2066 isolate",
    "tab\there and a NUL escape",
    "# not a comment",
]


def write_specs(root: Path, files: dict[str, str]) -> Path:
    specs = root / "specs"
    specs.mkdir(exist_ok=True)
    for name, text in files.items():
        (specs / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return specs


def yaml_string(value: str) -> str:
    """Quote ``value`` as a YAML double-quoted scalar."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f'"{escaped}"'


def literal_round_trips(value: object) -> bool:
    return bool(ast.literal_eval(repr(value)) == value)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_strings_load_verbatim(tmp_path: Path, payload: str) -> None:
    text = f"""
    name: billing.pay
    description: {yaml_string(payload)}
    input:
      note:
        type: str
        description: {yaml_string(payload)}
        default: {yaml_string(payload)}
      kind_of:
        enum: [plain, {yaml_string(payload)}]
    errors:
      failed:
        message: {yaml_string(payload)}
    """
    specs = load_specs(write_specs(tmp_path, {"op.yaml": text}))
    operation = specs.operations[0]
    note, kind_of = operation.inputs

    assert operation.spec.description == payload
    assert note.description == payload
    assert note.default == payload
    assert operation.errors[0].message == payload
    assert isinstance(kind_of.type, InlineEnum)
    assert kind_of.type.members[1].value == payload
    assert kind_of.type.members[1].name.isidentifier()
    assert literal_round_trips(payload)


@pytest.mark.parametrize(
    "name",
    [
        "billing.x; import os",
        "billing.x\nimport os",
        "billing.__import__",
        "os.system('id')",
        "billing.x#",
        "../../etc.passwd",
        "billing/x",
        "billing.x y",
        "billing.ｘ",
    ],
)
def test_hostile_operation_names_rejected(tmp_path: Path, name: str) -> None:
    with pytest.raises(SpecErrors) as caught:
        load_specs(write_specs(tmp_path, {"op.yaml": f"name: {yaml_string(name)}\n"}))

    assert "operation name" in caught.value.errors[0].message or "segment" in caught.value.errors[0].message


@pytest.mark.parametrize(
    "field",
    [
        "x: int = __import__('os').system('id')",
        "x=1",
        "__builtins__",
        "__class__",
        "x)\nimport os\n(",
        "exec",
        "eval",
        "ｅｘｅｃ",
    ],
)
def test_hostile_field_names_rejected(tmp_path: Path, field: str) -> None:
    if field in ("exec", "eval"):
        # Builtins that generated code never calls are legal field names.
        specs = load_specs(write_specs(tmp_path, {"op.yaml": f"name: billing.pay\ninput:\n  {field}: str\n"}))
        assert specs.operations[0].inputs[0].name == field
        return
    with pytest.raises(SpecErrors) as caught:
        load_specs(write_specs(tmp_path, {"op.yaml": f"name: billing.pay\ninput:\n  {yaml_string(field)}: str\n"}))

    assert "field name" in caught.value.errors[0].message


@pytest.mark.parametrize(
    "type_text",
    ["__import__('os').system('id')", "list[str]; import os", "Money.__class__", "map[eval('1')]", "list[str] # x", "str\nimport os"],
)
def test_hostile_type_expressions_rejected(tmp_path: Path, type_text: str) -> None:
    files = {"op.yaml": f"name: billing.pay\ninput:\n  x: {yaml_string(type_text)}\n"}
    with pytest.raises(SpecErrors) as caught:
        load_specs(write_specs(tmp_path, files))

    assert "invalid type" in caught.value.errors[0].message


@pytest.mark.parametrize(
    "section",
    [
        "errors:\n  \"x(): pass\\nimport os\": {message: m}\n",
        "side_effects:\n  \"__init__\": {kind: email}\n",
        "context:\n  requires: [\"a.b\"]\n",
        "locks:\n  - key: \"{x.__globals__}\"\n",
        "locks:\n  - key: \"{x[0]}\"\n",
        "locks:\n  - key: \"{x!a}\"\n",
    ],
)
def test_hostile_names_in_other_sections_rejected(tmp_path: Path, section: str) -> None:
    with pytest.raises(SpecErrors):
        load_specs(write_specs(tmp_path, {"op.yaml": "name: billing.pay\ninput:\n  x: str\n" + section}))


def test_hostile_type_names_rejected(tmp_path: Path) -> None:
    types = 'kind: types\ntypes:\n  "Money(BaseModel): pass\\nimport os": {type: str}\n  "__Money__": {type: str}\n'
    with pytest.raises(SpecErrors) as caught:
        load_specs(write_specs(tmp_path, {"types.yaml": types}))

    assert len(caught.value.errors) == 2
