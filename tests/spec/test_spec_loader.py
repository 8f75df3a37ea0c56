"""Loading valid specs, the resolved view, and the errors hand-written mistakes produce."""

from __future__ import annotations

import textwrap
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from opsgen.spec.errors import SpecError, SpecErrors
from opsgen.spec.loader import load_specs
from opsgen.spec.model import FieldSpec
from opsgen.spec.resolved import InlineEnum, KeyPlaceholder, ListType, MapType, ScalarType, SharedTypeRef

TYPES = """
kind: types
types:
  Money:
    type: decimal
    ge: 0
    decimal_places: 2
  Card:
    fields:
      number: {type: str, sensitive: true}
      holder: str
  Status:
    enum: [open, closed, on-hold]
  Secret:
    type: str
    sensitive: true
"""

CREDIT = """
# yaml-language-server: $schema=../spec.schema.json
name: billing.credit_account
description: Add money to an account.
version: 2
input:
  account_id: uuid
  amount: {type: Money, description: Amount to credit}
  currency:
    enum: [EUR, USD]
    default: EUR
  note: {type: str, optional: true, max_length: 200}
  cards: list[Card]
  labels: map[list[str]]
  token: Secret
  status: {type: Status, default: on-hold}
  since: {type: date, default: "2024-01-31"}
  ref: {type: uuid, default: "12345678-1234-5678-1234-567812345678"}
  fee: {type: decimal, default: "1.50", ge: 0}
output:
  balance: Money
errors:
  account_closed:
    message: The account is closed.
    http_status: 409
    details:
      closed_on: date
context:
  requires: [actor, organization, tenant_id]
transaction: {isolation: serializable}
locks:
  - key: "account:{account_id}"
  - key: "tenant:{tenant_id}"
singleton: true
side_effects:
  send_receipt:
    kind: email
    durable: true
    payload:
      to: str
progress: true
audit:
  changes: [Account]
"""


def write_specs(root: Path, files: dict[str, str]) -> Path:
    specs = root / "specs"
    for name, text in files.items():
        target = specs / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    specs.mkdir(exist_ok=True)
    return specs


def load_errors(root: Path, files: dict[str, str]) -> list[SpecError]:
    with pytest.raises(SpecErrors) as caught:
        load_specs(write_specs(root, files))
    return caught.value.errors


def messages(errors: list[SpecError]) -> str:
    return "\n".join(f"{e.line}:{e.column}: {e.message} | {e.hint}" for e in errors)


def test_valid_specs_load(tmp_path: Path) -> None:
    specs = load_specs(write_specs(tmp_path, {"types.yaml": TYPES, "billing/credit_account.yaml": CREDIT}))

    assert [op.name for op in specs.operations] == ["billing.credit_account"]
    assert sorted(specs.types) == ["Card", "Money", "Secret", "Status"]
    operation = specs.operations[0]
    assert operation.segments == ("billing", "credit_account")
    assert operation.class_stem == "CreditAccount"
    assert operation.module_path == Path("billing/credit_account.py")
    assert operation.module_name == "billing.credit_account"
    assert operation.spec.version == 2
    assert operation.transaction is not None and operation.transaction.isolation is not None
    assert operation.singleton is not None


def test_shorthand_expands_to_field_spec(tmp_path: Path) -> None:
    specs = load_specs(write_specs(tmp_path, {"types.yaml": TYPES, "billing/credit_account.yaml": CREDIT}))

    raw = specs.operations[0].spec.input["account_id"]
    assert isinstance(raw, FieldSpec)
    assert raw.type == "uuid"


def test_resolved_field_types(tmp_path: Path) -> None:
    specs = load_specs(write_specs(tmp_path, {"types.yaml": TYPES, "billing/credit_account.yaml": CREDIT}))
    fields = {f.name: f for f in specs.operations[0].inputs}

    assert fields["account_id"].type == ScalarType("uuid")
    assert fields["amount"].type == SharedTypeRef("Money", "alias")
    assert fields["cards"].type == ListType(SharedTypeRef("Card", "object"))
    assert fields["labels"].type == MapType(ListType(ScalarType("str")))
    assert fields["labels"].type.python_annotation == "dict[str, list[str]]"
    currency = fields["currency"].type
    assert isinstance(currency, InlineEnum)
    assert currency.class_name == "CreditAccountCurrency"
    assert [m.name for m in currency.members] == ["EUR", "USD"]
    assert fields["note"].optional and not fields["note"].has_default
    assert fields["note"].constraints.max_length == 200
    assert fields["amount"].description == "Amount to credit"


def test_defaults_convert_to_python_values(tmp_path: Path) -> None:
    specs = load_specs(write_specs(tmp_path, {"types.yaml": TYPES, "billing/credit_account.yaml": CREDIT}))
    fields = {f.name: f for f in specs.operations[0].inputs}

    assert fields["currency"].default == "EUR"
    assert fields["status"].default == "on-hold"
    assert fields["since"].default == date(2024, 1, 31)
    assert fields["ref"].default == UUID("12345678-1234-5678-1234-567812345678")
    assert fields["fee"].default == Decimal("1.50")
    assert str(fields["fee"].default) == "1.50"
    assert fields["fee"].optional and fields["fee"].has_default


def test_shared_enum_members(tmp_path: Path) -> None:
    specs = load_specs(write_specs(tmp_path, {"types.yaml": TYPES, "billing/credit_account.yaml": CREDIT}))

    members = specs.types["Status"].members
    assert [(m.name, m.value) for m in members] == [("OPEN", "open"), ("CLOSED", "closed"), ("ON_HOLD", "on-hold")]


def test_sensitive_fields_through_types(tmp_path: Path) -> None:
    specs = load_specs(write_specs(tmp_path, {"types.yaml": TYPES, "billing/credit_account.yaml": CREDIT}))
    operation = specs.operations[0]

    assert operation.sensitive_paths == frozenset({"cards.*.number", "token"})
    assert operation.sensitive_fields == frozenset({"number", "token"})


def test_lock_and_singleton_keys(tmp_path: Path) -> None:
    specs = load_specs(write_specs(tmp_path, {"types.yaml": TYPES, "billing/credit_account.yaml": CREDIT}))
    operation = specs.operations[0]

    first, second = operation.lock_keys
    assert first.parts == ("account:", KeyPlaceholder("account_id", "input"))
    assert second.placeholders == (KeyPlaceholder("tenant_id", "context"),)
    assert operation.singleton_key is not None
    assert operation.singleton_key.template == "billing.credit_account"


def test_errors_and_effects_resolved(tmp_path: Path) -> None:
    specs = load_specs(write_specs(tmp_path, {"types.yaml": TYPES, "billing/credit_account.yaml": CREDIT}))
    operation = specs.operations[0]

    assert operation.errors[0].code == "account_closed"
    assert operation.errors[0].http_status == 409
    assert operation.errors[0].details[0].type == ScalarType("date")
    assert operation.effects[0].name == "send_receipt"
    assert operation.effects[0].durable
    assert operation.context_requires == ("actor", "organization", "tenant_id")


def test_operations_sorted_and_yml_found(tmp_path: Path) -> None:
    files = {
        "z/b.yaml": "name: zeta.run_b\n",
        "a.yml": "name: alpha.run_a\n",
        "nested/deeper/c.yaml": "name: beta.run_c\n",
        "notes.txt": "name: ignored\n",
    }
    specs = load_specs(write_specs(tmp_path, files))

    assert [op.name for op in specs.operations] == ["alpha.run_a", "beta.run_c", "zeta.run_b"]


def test_types_in_dependency_order(tmp_path: Path) -> None:
    types = """
    kind: types
    types:
      Order: {fields: {lines: 'list[Line]', total: Amount}}
      Line: {fields: {amount: Amount}}
      Amount: {type: decimal}
    """
    specs = load_specs(write_specs(tmp_path, {"types.yaml": types}))

    assert [t.name for t in specs.types_in_dependency_order()] == ["Amount", "Line", "Order"]


def test_error_format_shows_position_line_caret_hint(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, {"op.yaml": "name: billing.pay\ninput:\n  amount: {type: int, minimun: 3}\n"})

    assert len(errors) == 1
    rendered = errors[0].format()
    lines = rendered.splitlines()
    assert lines[0].endswith("op.yaml:3:23: unknown key 'minimun' in input.amount")
    assert lines[1] == "      amount: {type: int, minimun: 3}"
    assert lines[2] == "    " + " " * 22 + "^"
    assert lines[3] == "  hint: did you mean 'ge'? (minimum, inclusive)"


def test_unknown_key_hint_is_nearest_valid_key(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, {"op.yaml": "name: billing.pay\ndescripton: x\ntransaction: {isolaton: serializable}\n"})

    assert [e.hint for e in errors] == ["did you mean 'description'?", "did you mean 'isolation'?"]
    assert [(e.line, e.column) for e in errors] == [(2, 1), (3, 15)]


def test_every_error_of_every_file_reported(tmp_path: Path) -> None:
    files = {
        "a.yaml": "name: billing.a\nversion: 0\nprogress: maybe\n",
        "b.yaml": "name: billing.b\ninput:\n  x: {type: str}\n  x: int\n",
        "c.yaml": "name: billing.c\ninput:\n  class: str\n  y: Mony\n",
    }
    errors = load_errors(tmp_path, files)

    assert [e.path.name for e in errors] == ["a.yaml", "a.yaml", "b.yaml", "c.yaml", "c.yaml"]
    assert "duplicate key 'x'" in errors[2].message
    assert "Python keyword" in errors[3].message
    assert "unknown type 'Mony'" in errors[4].message


def test_values_yaml_reads_as_numbers_get_quoting_hint(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, {"op.yaml": "name: billing.pay\ndescription: 1.0\n"})

    assert "put it in quotes" in (errors[0].hint or "")


def test_yes_and_no_stay_strings(tmp_path: Path) -> None:
    spec = "name: billing.vote\ninput:\n  answer: {enum: [yes, no, on, off]}\n"
    specs = load_specs(write_specs(tmp_path, {"op.yaml": spec}))

    answer = specs.operations[0].inputs[0].type
    assert isinstance(answer, InlineEnum)
    assert [m.value for m in answer.members] == ["yes", "no", "on", "off"]


def test_duplicate_operation_across_files(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, {"a.yaml": "name: billing.pay\n", "b.yaml": "name: billing.pay\n"})

    assert len(errors) == 1
    assert errors[0].path.name == "b.yaml"
    assert "already declared in" in errors[0].message
    assert "a.yaml" in errors[0].message


def test_duplicate_type_across_files(tmp_path: Path) -> None:
    types = "kind: types\ntypes:\n  Money: {type: decimal}\n"
    errors = load_errors(tmp_path, {"a.yaml": types, "b.yaml": types})

    assert len(errors) == 1
    assert "'Money' is already declared" in errors[0].message


def test_unknown_type_reference_suggests_nearest(tmp_path: Path) -> None:
    files = {"types.yaml": "kind: types\ntypes:\n  Money: {type: decimal}\n", "op.yaml": "name: billing.pay\ninput:\n  amount: list[Mony]\n"}
    errors = load_errors(tmp_path, files)

    assert errors[0].message == "unknown type 'Mony' in 'list[Mony]'"
    assert errors[0].hint == "did you mean 'Money'?"
    assert (errors[0].line, errors[0].column) == (3, 16)


def test_broken_types_file_does_not_cascade(tmp_path: Path) -> None:
    files = {
        "types.yaml": "kind: types\ntypes:\n  Money: {type: decimal, bogus: 1}\n",
        "op.yaml": "name: billing.pay\ninput:\n  amount: Money\n",
    }
    errors = load_errors(tmp_path, files)

    assert [e.path.name for e in errors] == ["types.yaml"]


def test_map_with_key_type_explains_string_keys(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, {"op.yaml": "name: billing.pay\ninput:\n  m: 'map[str, int]'\n"})

    assert "map keys are always strings" in (errors[0].hint or "")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("billing.class", "Python keyword"),
        ("billing", "has no domain"),
        ("billing.Credit", "not a lowercase identifier"),
        ("billing.credit-account", "not a lowercase identifier"),
        ("billing.__init__", "not a lowercase identifier"),
        ("billing.credit__account", "not a lowercase identifier"),
        ("registry.run", "module of the generated package"),
        ("billing..pay", "not a lowercase identifier"),
    ],
)
def test_operation_name_rules(tmp_path: Path, name: str, expected: str) -> None:
    errors = load_errors(tmp_path, {"op.yaml": f"name: '{name}'\n"})

    assert expected in errors[0].message


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("class", "Python keyword"),
        ("__class__", "dunder"),
        ("_private", "underscore"),
        ("model_config", "prefix pydantic reserves"),
        ("données", "non-ASCII"),
        ("a-b", "not a Python identifier"),
        ("1st", "not a Python identifier"),
    ],
)
def test_field_name_rules(tmp_path: Path, field: str, expected: str) -> None:
    errors = load_errors(tmp_path, {"op.yaml": f"name: billing.pay\ninput:\n  '{field}': str\n"})

    assert expected in errors[0].message
    assert errors[0].hint


def test_soft_keywords_allowed_as_field_names(tmp_path: Path) -> None:
    spec = "name: billing.pay\ninput:\n  match: str\n  case: str\n  type: str\n"
    specs = load_specs(write_specs(tmp_path, {"op.yaml": spec}))

    assert [f.name for f in specs.operations[0].inputs] == ["match", "case", "type"]


def test_fields_differing_only_in_case(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, {"op.yaml": "name: billing.pay\ninput:\n  Amount: int\n  amount: int\n"})

    assert "only in case" in errors[0].message


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ("errors:\n  BadCode: {message: x}\n", "not a lowercase identifier"),
        ("errors:\n  invalid_input: {message: x}\n", "reserved"),
        ("side_effects:\n  run: {kind: email}\n", "replace the method"),
        ("side_effects:\n  amount: {kind: email}\n", "name of an input"),
        ("context:\n  requires: [tenant_id, request_ip]\n", "already"),
        ("context:\n  requires: [actor, actor]\n", "listed twice"),
        ("context:\n  requires: [Tenant]\n", "not a lowercase identifier"),
    ],
)
def test_other_name_rules(tmp_path: Path, section: str, expected: str) -> None:
    spec = "name: billing.pay\ninput:\n  amount: int\n" + section
    if expected == "already":
        specs = load_specs(write_specs(tmp_path, {"op.yaml": spec}))
        assert specs.operations[0].context_requires == ("tenant_id", "request_ip")
        return
    errors = load_errors(tmp_path, {"op.yaml": spec})

    assert expected in errors[0].message


@pytest.mark.parametrize(
    ("key", "builtin"),
    [
        ("organisation", "organization"),
        ("organizaton", "organization"),
        ("actr", "actor"),
        ("acotr", "actor"),
        ("reqest_id", "request_id"),
        ("reqeust_id", "request_id"),
        ("corelation_id", "correlation_id"),
        ("correlationid", "correlation_id"),
    ],
)
def test_context_key_near_builtin_rejected(tmp_path: Path, key: str, builtin: str) -> None:
    spec = f"name: billing.pay\ninput:\n  amount: int\ncontext:\n  requires: [actor_id, {key}]\n"
    errors = load_errors(tmp_path, {"op.yaml": spec})

    assert len(errors) == 1
    assert (errors[0].line, errors[0].column) == (5, 24)
    assert errors[0].message == f"the custom context key {key!r} is a near miss of the built-in context key {builtin!r}"
    assert errors[0].hint == (
        f"did you mean {builtin!r}? A custom key this close to a built-in one is rejected as a likely typo; "
        f"to keep a custom key, add a word to its name, such as 'app_{key}'"
    )


@pytest.mark.parametrize(
    "key", ["factor", "tractor", "reactor", "author", "requester_id", "requestor_id", "correction_id", "request_ip"]
)
def test_custom_context_key_accepted(tmp_path: Path, key: str) -> None:
    spec = f"name: billing.pay\ninput:\n  amount: int\ncontext:\n  requires: [actor, {key}]\n"

    specs = load_specs(write_specs(tmp_path, {"op.yaml": spec}))

    assert specs.operations[0].context_requires == ("actor", key)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("money", "not CamelCase"), ("Decimal", "shadow"), ("Exception", "shadow"), ("My_Type", "not CamelCase")],
)
def test_type_name_rules(tmp_path: Path, name: str, expected: str) -> None:
    errors = load_errors(tmp_path, {"types.yaml": f"kind: types\ntypes:\n  {name}: {{type: str}}\n"})

    assert expected in errors[0].message


def test_generated_class_collision_with_shared_type(tmp_path: Path) -> None:
    files = {"types.yaml": "kind: types\ntypes:\n  PayInput: {type: str}\n", "op.yaml": "name: billing.pay\n"}
    errors = load_errors(tmp_path, files)

    assert "collides with the shared type 'PayInput'" in errors[0].message


def test_operation_that_is_also_a_package(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, {"a.yaml": "name: billing.pay\n", "b.yaml": "name: billing.pay.refund\n"})

    assert "also the package of" in errors[0].message


def test_segments_colliding_after_case_conversion(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, {"a.yaml": "name: billing.a_1b\n", "b.yaml": "name: billing.a1b\n"})

    assert "both become the class name 'A1b'" in errors[0].message


def test_unknown_lock_placeholder_suggests_input(tmp_path: Path) -> None:
    spec = "name: billing.pay\ninput:\n  account_id: uuid\nlocks:\n  - key: 'account:{acount_id}'\n"
    errors = load_errors(tmp_path, {"op.yaml": spec})

    assert errors[0].message == "the placeholder {acount_id} in 'account:{acount_id}' is not an input or a required context key"
    assert errors[0].hint == "did you mean {account_id}?"


@pytest.mark.parametrize(
    ("key", "inputs", "expected"),
    [
        ("a:{x.__class__}", "x: str", "not a plain name"),
        ("a:{x!r}", "x: str", "not a plain name"),
        ("a:{x:>10}", "x: str", "not a plain name"),
        ("a:{x", "x: str", "invalid key template"),
        ("a:{}", "x: str", "not a plain name"),
        ("a:{x}", "x: {type: str, sensitive: true}", "sensitive input"),
        ("a:{x}", "x: {type: str, optional: true}", "optional input without a default"),
        ("a:{x}", "x: list[str]", "not a single value"),
        ("a:{actor}", "x: str", "not an input or a required context key"),
    ],
)
def test_lock_key_template_rules(tmp_path: Path, key: str, inputs: str, expected: str) -> None:
    spec = f"name: billing.pay\ninput:\n  {inputs}\nlocks:\n  - key: '{key}'\n"
    errors = load_errors(tmp_path, {"op.yaml": spec})

    assert expected in errors[0].message


def test_missing_context_placeholder_hints_requires(tmp_path: Path) -> None:
    spec = "name: billing.pay\nsingleton: {key: 'org:{organization}'}\n"
    errors = load_errors(tmp_path, {"op.yaml": spec})

    assert errors[0].hint == "add 'organization' to context.requires"


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("{type: int, default: x}", "expected a whole number"),
        ("{type: int, default: true}", "expected a whole number"),
        ("{type: date, default: 2024-13-01}", "ISO date"),
        ("{type: uuid, default: nope}", "expected a UUID"),
        ("{type: decimal, default: abc}", "decimal"),
        ("{type: 'list[int]', default: 1}", "lists and maps take no default"),
        ("{enum: [a, b], default: c}", "not one of the enum values"),
        ("{type: int, default: 5, le: 3}", "above the maximum 3"),
        ("{type: str, default: abc, pattern: '^x'}", "does not match the pattern"),
        ("{type: str, default: abc, max_length: 2}", "longer than max_length"),
    ],
)
def test_default_rules(tmp_path: Path, field: str, expected: str) -> None:
    errors = load_errors(tmp_path, {"op.yaml": f"name: billing.pay\ninput:\n  x: {field}\n"})

    assert expected in errors[0].message


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("{type: str, ge: 1}", "'ge' does not apply to a str field"),
        ("{type: int, pattern: x}", "'pattern' does not apply to an int field"),
        ("{type: int, max_digits: 3}", "'max_digits' does not apply"),
        ("{type: int, ge: 5, le: 1}", "lower bound 5 is above the upper bound 1"),
        ("{type: str, min_length: 5, max_length: 1}", "min_length 5 is above max_length 1"),
        ("{type: int, ge: 1, gt: 1}", "both ge and gt"),
        ("{type: str, pattern: '(?<=a)b'}", "not supported by pydantic"),
        ("{type: str, pattern: '['}", "invalid regular expression"),
        ("{type: str, enum: [a]}", "both type and enum"),
        ("{description: x}", "has no type"),
        ("{enum: [a, a]}", "listed twice"),
        ("{enum: [in-progress, in_progress]}", "both become the Python member IN_PROGRESS"),
        ("{enum: ['---']}", "no letter or digit"),
    ],
)
def test_constraint_and_enum_rules(tmp_path: Path, field: str, expected: str) -> None:
    errors = load_errors(tmp_path, {"op.yaml": f"name: billing.pay\ninput:\n  x: {field}\n"})

    assert expected in errors[0].message


def test_alias_cycle_rejected(tmp_path: Path) -> None:
    types = "kind: types\ntypes:\n  A: {type: B}\n  B: {type: 'list[A]'}\n"
    errors = load_errors(tmp_path, {"types.yaml": types})

    assert any("refers to itself" in e.message for e in errors)


def test_self_referencing_object_allowed(tmp_path: Path) -> None:
    types = "kind: types\ntypes:\n  Node: {fields: {children: 'list[Node]'}}\n"
    specs = load_specs(write_specs(tmp_path, {"types.yaml": types}))

    assert specs.types["Node"].fields[0].type == ListType(SharedTypeRef("Node", "object"))


def test_shared_type_needs_exactly_one_shape(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, {"types.yaml": "kind: types\ntypes:\n  A: {type: str, enum: [a]}\n  B: {}\n"})

    assert "sets type and enum" in errors[0].message
    assert "sets none of type, enum and fields" in errors[1].message


@pytest.mark.parametrize("use", ["x: Money", "x: {type: Money, ge: 1}", "x: {type: Money, default: 1}"])
def test_shapeless_type_used_by_field(tmp_path: Path, use: str) -> None:
    files = {"types.yaml": "kind: types\ntypes:\n  Money: {type: , ge: 0}\n", "op.yaml": f"name: billing.pay\ninput:\n  {use}\n"}
    errors = load_errors(tmp_path, files)

    assert len(errors) == 1
    assert errors[0].path.name == "types.yaml"
    assert "the type 'Money' sets none of type, enum and fields" in errors[0].message


def test_unknown_kind_hint(tmp_path: Path) -> None:
    errors = load_errors(tmp_path, {"t.yaml": "kind: type\n"})

    assert errors[0].hint == "did you mean 'types'?"


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SpecErrors) as caught:
        load_specs(tmp_path / "nope")

    assert "does not exist" in caught.value.errors[0].message


def test_empty_folder_loads_nothing(tmp_path: Path) -> None:
    specs = load_specs(write_specs(tmp_path, {}))

    assert specs.operations == []
    assert specs.types == {}


def test_names_checked_in_structurally_invalid_file(tmp_path: Path) -> None:
    spec = "name: billing.class\nversion: 0\ninput:\n  model_json: {type: Mony}\nerrors:\n  BadCode: {mesage: x}\n"
    errors = load_errors(tmp_path, {"op.yaml": spec})
    found = messages(errors)

    assert "segment 'class' of 'billing.class' is a Python keyword" in found
    assert "invalid value for version" in found
    assert "field name 'model_json'" in found
    assert "unknown type 'Mony'" in found
    assert "error code 'BadCode'" in found
    assert "unknown key 'mesage' in errors.BadCode" in found


def test_documented_example_loads(tmp_path: Path) -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "spec-format.md").read_text(encoding="utf-8")
    blocks = page.split("```yaml\n")
    types_block = next(b for b in blocks if b.startswith("# yaml-language-server") and "kind: types" in b)
    operation_block = next(b for b in blocks if "name: billing.credit_account\ndescription" in b)
    files = {"types.yaml": types_block.split("```")[0], "billing/credit_account.yaml": operation_block.split("```")[0]}

    specs = load_specs(write_specs(tmp_path, files))

    operation = specs.operation("billing.credit_account")
    assert operation.singleton_key is not None
    assert operation.singleton_key.placeholders == (KeyPlaceholder("tenant_id", "context"),)
    assert operation.sensitive_paths == frozenset({"card.number"})


def test_later_checks_run_beside_structural_errors(tmp_path: Path) -> None:
    spec = """
    name: billing.pay
    input:
      account_id: uuid
      amount: {type: int, minimun: 0}
    context:
      requires: [actor]
    locks:
      - key: "account:{acount_id}"
      - key: "amount:{amount}"
    """
    errors = load_errors(tmp_path, {"op.yaml": spec})

    assert [e.message for e in errors] == [
        "unknown key 'minimun' in input.amount",
        "the placeholder {acount_id} in 'account:{acount_id}' is not an input or a required context key",
    ]
    assert errors[1].hint == "did you mean {account_id}?"


def test_invalid_operation_name_does_not_hide_other_errors(tmp_path: Path) -> None:
    spec = "name: billing.class\ninput:\n  x: str\nlocks:\n  - key: '{y}'\n"
    errors = load_errors(tmp_path, {"op.yaml": spec})

    assert len(errors) == 2
    assert "Python keyword" in errors[0].message
    assert "placeholder {y}" in errors[1].message


def test_alias_cycle_used_by_operation(tmp_path: Path) -> None:
    types = "kind: types\ntypes:\n  A: {type: B}\n  B: {type: A}\n"
    errors = load_errors(tmp_path, {"types.yaml": types, "op.yaml": "name: billing.pay\ninput:\n  x: A\n  y: {type: B, default: 1}\n"})

    assert [e.path.name for e in errors] == ["types.yaml", "types.yaml"]
    assert all("refers to itself" in e.message for e in errors)


def test_list_of_sensitive_type_is_sensitive(tmp_path: Path) -> None:
    types = "kind: types\ntypes:\n  Token: {type: str, sensitive: true}\n"
    spec = "name: billing.pay\ninput:\n  tokens: 'list[Token]'\n  vault: 'map[list[Token]]'\n"
    specs = load_specs(write_specs(tmp_path, {"types.yaml": types, "op.yaml": spec}))

    assert specs.operations[0].sensitive_paths == frozenset({"tokens", "vault"})


def test_example_specs_load() -> None:
    examples = Path(__file__).resolve().parents[2] / "specs"
    if not any(examples.rglob("*.yaml")):
        pytest.skip("the repository has no example specs")

    specs = load_specs(examples)

    assert specs.operations
    assert all(op.path.is_relative_to(examples) for op in specs.operations)
