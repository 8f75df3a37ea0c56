"""The generator derives each operation's sensitive paths from its spec's types."""

from __future__ import annotations

from typing import Any

from opsgen.codegen.sensitive import operation_sensitive_paths
from opsgen.runtime.redaction import SensitivePaths, redact
from opsgen.spec.model import OperationSpec, SharedTypeSpec

TYPES = {
    "Card": {"fields": {"number": {"type": "str", "sensitive": True}, "holder": "str"}},
    "Wallet": {"fields": {"owner": "str", "cards": "list[Card]", "backup": "Card"}},
    "Token": {"type": "str", "sensitive": True},
    "Secret": {"type": "Token"},
    "Line": {"fields": {"number": "int"}},
    "Node": {"fields": {"secret": {"type": "str", "sensitive": True}, "children": "list[Node]", "line": "Line"}},
    "Ping": {"fields": {"pong": "Pong", "key": {"type": "str", "sensitive": True}}},
    "Pong": {"fields": {"ping": "Ping", "pin": {"type": "str", "sensitive": True}}},
}


def paths_of(operation: dict[str, Any]) -> list[str]:
    spec = OperationSpec.model_validate({"name": "shop.pay", **operation})
    types = {name: SharedTypeSpec.model_validate(raw) for name, raw in TYPES.items()}
    return operation_sensitive_paths(spec, types)


def test_paths_follow_nested_types() -> None:
    paths = paths_of({"input": {"card": "Card", "wallet": "Wallet"}, "output": {"number": "str", "lines": "list[Line]"}})

    assert paths == [
        "input.card.number",
        "input.wallet.backup.number",
        "input.wallet.cards.*.number",
    ]


def test_paths_through_lists_and_maps() -> None:
    paths = paths_of({"input": {"cards": "list[map[Card]]", "wallets": "map[Wallet]"}})

    assert paths == [
        "input.cards.*.*.number",
        "input.wallets.*.backup.number",
        "input.wallets.*.cards.*.number",
    ]


def test_paths_of_sensitive_fields_and_types() -> None:
    paths = paths_of(
        {
            "input": {"password": {"type": "str", "sensitive": True}, "tokens": "list[Token]", "secret": "Secret"},
            "output": {"session": "Token"},
        }
    )

    assert paths == ["input.password", "input.secret", "input.tokens", "output.session"]


def test_paths_of_error_details_and_payloads() -> None:
    paths = paths_of(
        {
            "errors": {"declined": {"message": "Declined.", "details": {"card": "Card", "reason": "str"}}},
            "side_effects": {"notify": {"kind": "email", "payload": {"phone": {"type": "str", "sensitive": True}}}},
        }
    )

    assert paths == ["errors.declined.details.card.number", "side_effects.notify.payload.phone"]


def test_paths_of_recursive_type_cover_depth() -> None:
    paths = paths_of({"input": {"tree": "Node"}})
    compiled = SensitivePaths.compile(paths)
    deep = {"secret": "s0", "line": {"number": 1}, "children": [{"secret": "s1", "children": [{"secret": "s2"}]}]}

    redacted = redact({"input": {"tree": deep}}, compiled)["input"]["tree"]

    assert paths == ["input.tree.**.secret", "input.tree.secret"]
    assert redacted["secret"] == "***"
    assert redacted["children"][0]["secret"] == "***"
    assert redacted["children"][0]["children"][0]["secret"] == "***"
    assert redacted["line"] == {"number": 1}


def test_paths_of_mutual_recursion() -> None:
    paths = paths_of({"input": {"ping": "Ping"}})
    compiled = SensitivePaths.compile(paths)
    chain = {"key": "k0", "pong": {"pin": "p0", "ping": {"key": "k1", "pong": {"pin": "p1"}}}}

    redacted = redact({"input": {"ping": chain}}, compiled)["input"]["ping"]

    assert redacted == {"key": "***", "pong": {"pin": "***", "ping": {"key": "***", "pong": {"pin": "***"}}}}


def test_paths_empty_without_sensitive_fields() -> None:
    assert paths_of({"input": {"line": "Line"}, "output": {"number": "str"}}) == []
