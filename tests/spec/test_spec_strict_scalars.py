"""Booleans and numbers in specs must be real YAML booleans and numbers, not strings."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from opsgen.spec.errors import SpecError, SpecErrors
from opsgen.spec.loader import load_specs


def _write(tmp_path: Path, text: str) -> Path:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "op.yaml").write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return specs


def _errors(tmp_path: Path, text: str) -> list[SpecError]:
    with pytest.raises(SpecErrors) as caught:
        load_specs(_write(tmp_path, text))
    return caught.value.errors


@pytest.mark.parametrize(
    "spec, where",
    [
        ("name: a.b\ntransaction: yes\n", "transaction"),
        ("name: a.b\nprogress: on\n", "progress"),
        ("name: a.b\nsingleton: off\n", "singleton"),
        ("name: a.b\ninput:\n  x: {type: str, optional: 'yes'}\n", "input.x.optional"),
        ("name: a.b\ninput:\n  x: {type: str, sensitive: 1}\n", "input.x.sensitive"),
        ("name: a.b\nside_effects:\n  notify: {kind: email, durable: no}\n", "side_effects.notify.durable"),
        ("kind: types\ntypes:\n  Token: {type: str, sensitive: 'true'}\n", "types.Token.sensitive"),
    ],
)
def test_bool_fields_reject_strings_and_numbers(tmp_path: Path, spec: str, where: str) -> None:
    errors = _errors(tmp_path, spec)

    assert len(errors) == 1
    assert f"invalid value for {where}:" in errors[0].message
    assert "true or false" in (errors[0].hint or "")


def test_yes_gets_yaml_12_hint(tmp_path: Path) -> None:
    errors = _errors(tmp_path, "name: a.b\ntransaction: yes\nprogress: on\n")

    assert [e.hint for e in errors] == [
        "use true or false: 'yes' is a string in YAML 1.2, not a boolean",
        "use true or false: 'on' is a string in YAML 1.2, not a boolean",
    ]


@pytest.mark.parametrize(
    "spec, where, hint",
    [
        ("name: a.b\nlocks:\n  - key: k\n    timeout: '5'\n", "locks[0].timeout", "write a number"),
        ("name: a.b\nlocks:\n  - key: k\n    lease: true\n", "locks[0].lease", "write a number"),
        ("name: a.b\nsingleton: {timeout: '5'}\n", "singleton.timeout", "write a number"),
        ("name: a.b\nversion: '2'\n", "version", "whole number"),
        ("name: a.b\nversion: true\n", "version", "whole number"),
        ("name: a.b\nerrors:\n  gone: {message: m, http_status: 404.0}\n", "errors.gone.http_status", "whole number"),
        ("name: a.b\nside_effects:\n  go: {kind: task, retry: {max_attempts: '3'}}\n", "side_effects.go.retry.max_attempts", "whole number"),
        ("name: a.b\nside_effects:\n  go: {kind: task, retry: {backoff: 'fast'}}\n", "side_effects.go.retry.backoff", "write a number"),
    ],
)
def test_number_fields_reject_strings_and_booleans(tmp_path: Path, spec: str, where: str, hint: str) -> None:
    errors = _errors(tmp_path, spec)

    assert len(errors) == 1
    assert f"invalid value for {where}:" in errors[0].message
    assert hint in (errors[0].hint or "")


def test_real_booleans_and_numbers_load(tmp_path: Path) -> None:
    spec = """
    name: a.b
    input:
      x: {type: str, max_length: 9}
    transaction: true
    progress: false
    locks:
      - key: "k:{x}"
        timeout: 5
    """
    loaded = load_specs(_write(tmp_path, spec)).operations[0]

    assert loaded.spec.transaction is True
    assert loaded.spec.progress is False
    assert loaded.spec.locks[0].timeout == 5.0


def test_decimal_bounds_take_quoted_numbers(tmp_path: Path) -> None:
    # Quoted decimal bounds stay allowed, so a bound can be exact beyond float precision.
    spec = "name: a.b\ninput:\n  x: {type: decimal, le: '99999999999999999999.99', ge: 0}\n"
    loaded = load_specs(_write(tmp_path, spec)).operations[0]

    assert loaded.spec.input["x"].le == Decimal("99999999999999999999.99")  # type: ignore[union-attr]
