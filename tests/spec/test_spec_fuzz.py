"""Property-based tests: random and mutated specs never crash the loader.

Whatever the input, ``load_specs`` either returns a spec set whose every generated name
is a safe Python identifier, or raises ``SpecErrors`` whose every error is located and
renders. Any other exception is a bug.
"""

from __future__ import annotations

import keyword
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsgen.spec.errors import SpecErrors
from opsgen.spec.loader import load_specs
from opsgen.spec.resolved import InlineEnum, TypeRef
from opsgen.spec.specset import SpecSet

VALID_SPEC = """\
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
errors:
  account_closed:
    message: The account is closed.
    details:
      closed_on: date
context:
  requires: [actor, tenant_id]
transaction: {isolation: serializable}
locks:
  - key: "account:{account_id}"
singleton: {key: "tenant:{tenant_id}", on_conflict: wait}
side_effects:
  send_receipt:
    kind: email
    payload:
      to: str
"""

VALID_TYPES = """\
kind: types
types:
  Money: {type: decimal, ge: 0}
  Card:
    fields:
      number: {type: str, sensitive: true}
  Status: {enum: [open, closed]}
"""

FUZZ_SETTINGS = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def specs_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "specs"
        path.mkdir()
        yield path


def write(specs_dir: Path, files: dict[str, str | bytes]) -> None:
    for old in specs_dir.glob("*"):
        old.unlink()
    for name, content in files.items():
        target = specs_dir / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")


def check_outcome(specs_dir: Path) -> SpecSet | None:
    """Load and assert the outcome is a safe spec set or well-formed errors."""
    try:
        specs = load_specs(specs_dir)
    except SpecErrors as errors:
        assert errors.errors
        for error in errors.errors:
            assert error.message
            assert error.hint, error.format()
            assert error.line >= 1
            assert error.column >= 1
            assert error.format().startswith(f"{error.path}:{error.line}:{error.column}: ")
        return None
    assert_safe_names(specs)
    return specs


def is_safe_identifier(name: str) -> bool:
    return name.isidentifier() and name.isascii() and not keyword.iskeyword(name) and not name.startswith("_")


def assert_safe_type(type_ref: TypeRef) -> None:
    if isinstance(type_ref, InlineEnum):
        assert is_safe_identifier(type_ref.class_name)
        for member in type_ref.members:
            assert is_safe_identifier(member.name), member


def assert_safe_names(specs: SpecSet) -> None:
    for name, loaded in specs.types.items():
        assert is_safe_identifier(name)
        for member in loaded.members:
            assert is_safe_identifier(member.name)
        for field in loaded.fields:
            assert is_safe_identifier(field.name)
            assert_safe_type(field.type)
    for operation in specs.operations:
        assert all(is_safe_identifier(segment) for segment in operation.segments)
        assert is_safe_identifier(operation.class_stem)
        for field in operation.inputs + operation.outputs:
            assert is_safe_identifier(field.name)
            assert_safe_type(field.type)
        for error in operation.errors:
            assert is_safe_identifier(error.code)
        for effect in operation.effects:
            assert is_safe_identifier(effect.name)
        for template in operation.lock_keys:
            for placeholder in template.placeholders:
                assert is_safe_identifier(placeholder.name)


def test_valid_fixture_loads(specs_dir: Path) -> None:
    write(specs_dir, {"op.yaml": VALID_SPEC, "types.yaml": VALID_TYPES})

    assert check_outcome(specs_dir) is not None


# Random text


@FUZZ_SETTINGS
@given(text=st.text(max_size=400))
def test_random_text(specs_dir: Path, text: str) -> None:
    write(specs_dir, {"random.yaml": text})
    check_outcome(specs_dir)


@FUZZ_SETTINGS
@given(content=st.binary(max_size=300))
def test_random_bytes(specs_dir: Path, content: bytes) -> None:
    write(specs_dir, {"random.yaml": content})
    check_outcome(specs_dir)


# Mutations of a valid spec

YAML_PIECES = [":", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "!!str ", "!x ", "'", '"', "#", "\n", "  ", "\t", "---\n", "? ", "|", ">", "%", "@", "`", "<<: ", "~", "\\"]


@st.composite
def mutated(draw: st.DrawFn, source: str) -> str:
    text = source
    for _ in range(draw(st.integers(1, 4))):
        operation = draw(st.sampled_from(["insert", "delete", "replace", "swap_lines", "indent"]))
        position = draw(st.integers(0, len(text)))
        if operation == "insert":
            piece = draw(st.one_of(st.sampled_from(YAML_PIECES), st.text(max_size=5)))
            text = text[:position] + piece + text[position:]
        elif operation == "delete":
            length = draw(st.integers(1, 12))
            text = text[:position] + text[position + length :]
        elif operation == "replace":
            piece = draw(st.sampled_from(YAML_PIECES + ["x", "0", "true", "null", "__init__", "class", "Money"]))
            text = text[:position] + piece + text[position + 1 :]
        else:
            lines = text.split("\n")
            first = draw(st.integers(0, max(0, len(lines) - 1)))
            second = draw(st.integers(0, max(0, len(lines) - 1)))
            if operation == "swap_lines":
                lines[first], lines[second] = lines[second], lines[first]
            else:
                lines[first] = "  " + lines[first]
            text = "\n".join(lines)
    return text


@FUZZ_SETTINGS
@given(text=mutated(VALID_SPEC))
def test_mutated_operation_spec(specs_dir: Path, text: str) -> None:
    write(specs_dir, {"op.yaml": text, "types.yaml": VALID_TYPES})
    check_outcome(specs_dir)


@FUZZ_SETTINGS
@given(text=mutated(VALID_TYPES))
def test_mutated_types_spec(specs_dir: Path, text: str) -> None:
    write(specs_dir, {"op.yaml": VALID_SPEC, "types.yaml": text})
    check_outcome(specs_dir)


# Structured random specs: plausible keys with random values

KEYS = [
    "name", "description", "version", "input", "output", "errors", "context", "transaction",
    "locks", "singleton", "side_effects", "progress", "audit", "queue", "retry", "kind", "types",
    "type", "enum", "optional", "default", "sensitive", "ge", "gt", "le", "lt", "min_length",
    "max_length", "pattern", "max_digits", "decimal_places", "message", "http_status", "details",
    "requires", "isolation", "nested", "key", "timeout", "lease", "on_conflict", "durable", "payload",
    "changes", "fields", "descripton", "class", "__init__", "model_config", "json", "x", "Money",
]
TYPE_WORDS = ["str", "int", "decimal", "uuid", "date", "Money", "Card", "list[str]", "map[Money]", "list[", "Mony", "map[str, int]", "string"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(TYPE_WORDS + ["billing.pay", "account:{x}", "{", "serializable", "email", "join"]),
)
values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), children, max_size=5),
    ),
    max_leaves=25,
)


@st.composite
def operation_documents(draw: st.DrawFn) -> dict[str, Any]:
    document: dict[str, Any] = {"name": draw(st.sampled_from(["billing.pay", "billing.class", "x", "a.b.c", "billing.Pay"]))}
    document.update(draw(st.dictionaries(st.sampled_from(KEYS), values, max_size=6)))
    fields = draw(st.dictionaries(st.sampled_from(KEYS + ["amount", "account_id"]), st.one_of(st.sampled_from(TYPE_WORDS), values), max_size=4))
    document["input"] = fields
    return document


@FUZZ_SETTINGS
@given(document=operation_documents())
def test_structured_random_operation(specs_dir: Path, document: dict[str, Any]) -> None:
    write(specs_dir, {"op.yaml": yaml.safe_dump(document, allow_unicode=True), "types.yaml": VALID_TYPES})
    check_outcome(specs_dir)


@FUZZ_SETTINGS
@given(types=st.dictionaries(st.text(max_size=12), values, max_size=5))
def test_structured_random_types(specs_dir: Path, types: dict[str, Any]) -> None:
    write(specs_dir, {"types.yaml": yaml.safe_dump({"kind": "types", "types": types}, allow_unicode=True), "op.yaml": VALID_SPEC})
    check_outcome(specs_dir)


# Random graphs of shared types that refer to each other, cycles included

TYPE_NAMES = ["A", "B", "C", "D"]
TYPE_EXPRESSIONS = TYPE_NAMES + ["list[A]", "map[B]", "list[map[C]]", "str", "int", "decimal", "Nope"]


@st.composite
def type_graphs(draw: st.DrawFn) -> dict[str, Any]:
    types: dict[str, Any] = {}
    for name in draw(st.lists(st.sampled_from(TYPE_NAMES), unique=True, min_size=1)):
        shape = draw(st.sampled_from(["alias", "enum", "object"]))
        entry: dict[str, Any] = {"sensitive": draw(st.booleans())}
        if shape == "alias":
            entry["type"] = draw(st.sampled_from(TYPE_EXPRESSIONS))
        elif shape == "enum":
            entry["enum"] = draw(st.lists(st.sampled_from(["a", "b", "in-progress", "in_progress"]), min_size=1, max_size=3))
        else:
            entry["fields"] = draw(
                st.dictionaries(
                    st.sampled_from(["x", "y", "secret"]),
                    st.one_of(
                        st.sampled_from(TYPE_EXPRESSIONS),
                        st.fixed_dictionaries({"type": st.sampled_from(TYPE_EXPRESSIONS), "sensitive": st.booleans()}),
                    ),
                    max_size=3,
                )
            )
        types[name] = entry
    return types


@FUZZ_SETTINGS
@given(
    types=type_graphs(),
    inputs=st.dictionaries(
        st.sampled_from(["p", "q", "r"]),
        st.one_of(
            st.sampled_from(TYPE_EXPRESSIONS),
            st.fixed_dictionaries({"type": st.sampled_from(TYPE_EXPRESSIONS), "default": scalars}),
        ),
        max_size=3,
    ),
)
def test_random_type_graphs(specs_dir: Path, types: dict[str, Any], inputs: dict[str, Any]) -> None:
    operation = {"name": "billing.pay", "input": inputs, "locks": [{"key": "k:{p}"}]}
    write(
        specs_dir,
        {"types.yaml": yaml.safe_dump({"kind": "types", "types": types}), "op.yaml": yaml.safe_dump(operation)},
    )
    check_outcome(specs_dir)
