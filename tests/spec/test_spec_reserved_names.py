"""Field, error and effect names that would hide a name the generated code uses.

A field becomes a model class attribute and a keyword parameter of generated methods,
so a field named ``Field``, ``super`` or ``Money`` hides that name from the generated
code after it. The loader rejects such names at the key. The last test renders every
template feature and checks that the loader reserves every name the output reads.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from opsgen.codegen.config import load_config
from opsgen.codegen.generator import generate
from opsgen.spec import names
from opsgen.spec.errors import SpecError, SpecErrors
from opsgen.spec.loader import SpecSet, load_specs


TYPES = "kind: types\ntypes:\n  Money: {type: decimal}\n  Address:\n    fields:\n      street: str\n"

#: Names from each source of the reserved set: imports, the module constant and builtins.
STATIC_NAMES = ["Field", "Literal", "Any", "super", "OperationFailed", "DECLARATION", "NotImplementedError", "frozenset"]


def load_errors(tmp_path: Path, operation: str, types: str = TYPES) -> list[SpecError]:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "types.yaml").write_text(types, encoding="utf-8")
    (specs / "op.yaml").write_text(operation, encoding="utf-8")
    with pytest.raises(SpecErrors) as caught:
        load_specs(specs)
    return caught.value.errors


def load_operation(tmp_path: Path, operation: str, types: str = TYPES) -> SpecSet:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "types.yaml").write_text(types, encoding="utf-8")
    (specs / "op.yaml").write_text(operation, encoding="utf-8")
    return load_specs(specs)


@pytest.mark.parametrize("name", STATIC_NAMES + ["json", "copy", "schema", "date", "self", "ctx"])
@pytest.mark.parametrize(
    "section",
    [
        "input:\n  {name}: {{type: int, default: 1}}\n",
        "output:\n  {name}: str\n",
        "errors:\n  failed:\n    message: m\n    details: {{{name}: str}}\n",
        "side_effects:\n  notify:\n    kind: custom\n    payload: {{{name}: str}}\n",
    ],
    ids=["input", "output", "details", "payload"],
)
def test_generated_code_name_aliased(tmp_path: Path, name: str, section: str) -> None:
    loaded = load_operation(tmp_path, "name: n.op\n" + section.format(name=name))
    operation = loaded.operation("n.op")
    sections = [operation.inputs, operation.outputs, *(e.details for e in operation.errors), *(e.payload for e in operation.effects)]
    field_names = [field.name for fields in sections for field in fields]

    assert field_names == [name]
    assert names.python_field_name(name) == f"{name}_"


@pytest.mark.parametrize("name", ["Literal", "super", "json"])
def test_generated_code_name_aliased_in_shared_object(tmp_path: Path, name: str) -> None:
    types = f"kind: types\ntypes:\n  Address:\n    fields:\n      {name}: str\n"
    loaded = load_operation(tmp_path, "name: n.op\n", types)

    assert [field.name for field in loaded.types["Address"].fields] == [name]


@pytest.mark.parametrize(
    "fields, line, column, later, earlier",
    [
        ("{json: str, json_: str}", 2, 20, "json_", "json"),
        ("{json_: str, json: str}", 2, 21, "json", "json_"),
    ],
)
def test_python_name_collision_rejected(
    tmp_path: Path, fields: str, line: int, column: int, later: str, earlier: str
) -> None:
    errors = load_errors(tmp_path, f"name: n.op\ninput: {fields}\n")

    assert [(error.line, error.column) for error in errors] == [(line, column)]
    assert errors[0].message == (
        f"the field name {later!r} and the field {earlier!r} would both become the Python name 'json_' "
        "in the generated model"
    )
    assert errors[0].hint is not None
    assert errors[0].hint.startswith("rename one of them: 'json' gets a trailing underscore in Python")


def test_python_name_collision_rejected_in_shared_object(tmp_path: Path) -> None:
    types = "kind: types\ntypes:\n  Address:\n    fields:\n      self: str\n      self_: str\n"
    errors = load_errors(tmp_path, "name: n.op\n", types)

    assert [(error.path.name, error.line, error.column) for error in errors] == [("types.yaml", 6, 7)]
    assert "would both become the Python name 'self_'" in errors[0].message


def test_payload_class_name_rejected(tmp_path: Path) -> None:
    operation = "name: n.op\nside_effects:\n  notify:\n    kind: custom\n    payload: {OpNotifyPayload: str}\n"
    errors = load_errors(tmp_path, operation)

    assert len(errors) == 1
    assert (errors[0].line, errors[0].column) == (5, 15)
    assert errors[0].message == "the field name 'OpNotifyPayload' would hide the class 'OpNotifyPayload' that the module of 'n.op' defines"
    assert errors[0].hint == (
        "rename the field, such as `op_notify_payload`. To keep 'OpNotifyPayload' as the JSON key, "
        "rename the side effect 'notify', which gives its payload class this name"
    )


@pytest.mark.parametrize("name", ["OpInput", "OpOutput", "OpErrors", "OpBase", "OpHandle", "Op"])
def test_module_class_name_rejected_as_input(tmp_path: Path, name: str) -> None:
    errors = load_errors(tmp_path, f"name: n.op\ninput:\n  {name}: str\n")

    assert len(errors) == 1
    assert f"would hide the class {name!r}" in errors[0].message
    assert errors[0].hint is not None
    assert errors[0].hint.endswith(
        f"To keep {name!r} as the JSON key, rename the operation, whose last segment 'op' gives the module's "
        "classes the prefix 'Op'"
    )


def test_inline_enum_class_name_rejected_as_field(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, "name: n.op\ninput:\n  status: {enum: [open, closed]}\noutput:\n  OpStatus: str\n")

    assert len(errors) == 1
    assert (errors[0].line, errors[0].column) == (5, 3)
    assert errors[0].message == "the field name 'OpStatus' would hide the class 'OpStatus' that the module of 'n.op' defines"
    assert errors[0].hint == (
        "rename the field, such as `op_status`. To keep 'OpStatus' as the JSON key, rename the field 'status', "
        "which gives its inline enum this class name, or declare the enum as a shared type"
    )


def test_shared_type_name_rejected_as_input(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, "name: n.op\ninput:\n  Money: {type: int, default: 1}\n  price: Money\n")

    assert len(errors) == 1
    assert (errors[0].path.name, errors[0].line, errors[0].column) == ("op.yaml", 3, 3)
    assert errors[0].message.startswith("the field name 'Money' would hide the shared type 'Money' (declared in ")
    assert "types.yaml:3:3" in errors[0].message
    assert errors[0].hint == (
        "rename the field, such as `money`. To keep 'Money' as the JSON key, rename the shared type instead, "
        "such as `MoneyType`"
    )


def test_shared_type_name_rejected_in_shared_object(tmp_path: Path) -> None:
    types = "kind: types\ntypes:\n  Money: {type: decimal}\n  Order:\n    fields:\n      Money: int\n"
    errors = load_errors(tmp_path, "name: n.op\n", types)

    assert [(error.line, error.column) for error in errors] == [(6, 7)]
    assert "would hide the shared type 'Money'" in errors[0].message


@pytest.mark.parametrize(
    "section, message",
    [
        ("errors:\n  int: {message: m}\n", "the error code 'int' would become a method"),
        ("side_effects:\n  str: {kind: custom}\n", "the side effect name 'str' would become a method"),
    ],
)
def test_method_name_hiding_builtin_rejected(tmp_path: Path, section: str, message: str) -> None:
    errors = load_errors(tmp_path, "name: n.op\n" + section)

    assert len(errors) == 1
    assert errors[0].message.startswith(message)


def test_ordinary_names_still_accepted(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "types.yaml").write_text(TYPES, encoding="utf-8")
    fields = "{id: int, type: str, format: str, annotations: str, payload: str, money: Money, print: str}"
    (specs / "op.yaml").write_text(f"name: n.op\ninput: {fields}\n", encoding="utf-8")

    loaded = load_specs(specs)

    assert [field.name for field in loaded.operations[0].inputs] == ["id", "type", "format", "annotations", "payload", "money", "print"]


#: A project that uses every template feature: each scalar, shared alias, enum and
#: object types, defaults of every kind, bounds, errors with details, effects, locks,
#: a singleton and a transaction.
RICH_TYPES = """\
kind: types
types:
  Money: {type: decimal, ge: 0, max_digits: 12, decimal_places: 2}
  Code: {type: str, pattern: '^[A-Z]{3}$'}
  Color: {enum: [red, green]}
  Secret: {type: str, sensitive: true}
  Address:
    fields:
      street: str
      zip: {type: str, max_length: 10}
      since: {type: date, default: "2024-01-01"}
      tint: {enum: [a, b], default: a}
"""

RICH_OPERATION = """\
name: shop.place
input:
  order_id: uuid
  amount: Money
  code: {type: Code, default: ABC}
  color: {type: Color, default: red}
  at: {type: datetime, default: "2024-01-01T00:00:00+00:00"}
  day: {type: date, optional: true}
  ident: {type: uuid, default: "12345678-1234-5678-1234-567812345678"}
  price: {type: decimal, default: "1.50", ge: "0.01"}
  ratio: {type: float, default: 0.5, le: 1}
  count: {type: int, default: 1, ge: 1, lt: 100}
  tags: {type: "list[str]", optional: true}
  extra: {type: "map[int]", optional: true}
  addr: {type: Address, optional: true}
  note: {type: str, optional: true, sensitive: true}
  speed: {enum: [fast, slow], default: fast}
  flag: {type: bool, default: false}
  pw: Secret
output:
  total: Money
  items: "list[Address]"
  mode: {enum: [x, y]}
errors:
  out_of_stock:
    message: No stock.
    http_status: 409
    details: {sku: str, left: int, when: date, cost: Money}
side_effects:
  notify:
    kind: custom
    payload: {order_id: uuid, cost: Money, level: {enum: [a, b]}}
  send_mail:
    kind: custom
    durable: true
    payload: {to: str}
context:
  requires: [actor, tenant_id]
transaction: {isolation: serializable, nested: savepoint}
locks:
  - key: "order:{order_id}"
singleton: {key: "place:{code}"}
"""

#: Local variables of generated function bodies, which no field reaches.
GENERATED_LOCALS = frozenset({"self", "ctx", "data", "payload"})


def test_reserved_names_cover_rendered_code(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.opsgen]\nspecs = "specs"\npackage = "generated"\nimplementations = "operations"\n', encoding="utf-8"
    )
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "types.yaml").write_text(RICH_TYPES, encoding="utf-8")
    (specs / "place.yaml").write_text(RICH_OPERATION, encoding="utf-8")
    generate(load_config(tmp_path))
    loaded = load_specs(specs)
    operation = loaded.operation("shop.place")
    field_names = {
        field.name
        for fields in [operation.inputs, operation.outputs, *(e.details for e in operation.errors), *(e.payload for e in operation.effects)]
        for field in fields
    } | {field.name for shared in loaded.types.values() for field in shared.fields}
    per_spec_names = set(operation.generated_class_names) | set(loaded.types)

    rendered = [
        tmp_path / "generated" / "shop" / "place.py",
        tmp_path / "generated" / "shop" / "place.pyi",
        tmp_path / "generated" / "shared_types.py",
        tmp_path / "generated" / "shared_types.pyi",
        tmp_path / "operations" / "shop" / "place.py",
    ]
    read: set[str] = set()
    for path in rendered:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        read |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}

    unreserved = sorted(
        name
        for name in read - field_names - GENERATED_LOCALS - per_spec_names
        if names.check_field_name(name) is None and names.python_field_name(name) == name
    )
    assert unreserved == []
    assert {"Field", "super", "OperationFailed", "NotImplementedError"} <= read
