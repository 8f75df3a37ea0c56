"""Sensitive paths: the matcher, the redaction of records and the declaration's sections."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from opsgen.runtime.declarations import OperationDeclaration
from opsgen.runtime.redaction import SensitivePaths, redact, sensitive_values


def compiled(*paths: str) -> SensitivePaths:
    state = SensitivePaths.compile(paths)
    assert state is not None
    return state


def test_matcher_exact_path_only() -> None:
    value = {"card": {"number": "4111111111111111", "holder": "Ada"}, "number": "T-1"}

    redacted = redact(value, compiled("card.number"))

    assert redacted == {"card": {"number": "***", "holder": "Ada"}, "number": "T-1"}


def test_matcher_star_in_lists_and_maps() -> None:
    state = compiled("cards.*.number", "wallets.*.cards.*.number")
    value = {
        "cards": [{"number": "1111", "holder": "A"}, {"number": "2222", "holder": "B"}],
        "wallets": {"home": {"cards": [{"number": "3333"}], "number": 7}},
        "number": "T-1",
    }

    redacted = redact(value, state)

    assert redacted["cards"] == [{"number": "***", "holder": "A"}, {"number": "***", "holder": "B"}]
    assert redacted["wallets"] == {"home": {"cards": [{"number": "***"}], "number": 7}}
    assert redacted["number"] == "T-1"


def test_matcher_any_depth_segment() -> None:
    state = compiled("tree.**.secret")
    value = {"tree": {"secret": "a", "kids": [{"secret": "b", "kids": {"x": {"secret": "c"}}}]}, "secret": "top"}

    redacted = redact(value, state)

    assert redacted["tree"]["secret"] == "***"
    assert redacted["tree"]["kids"][0]["secret"] == "***"
    assert redacted["tree"]["kids"][0]["kids"]["x"]["secret"] == "***"
    assert redacted["secret"] == "top"


def test_matcher_literal_and_star_keys() -> None:
    state = compiled("a.*.b", "a.x.c")
    value = {"a": {"x": {"b": 1, "c": 2, "d": 3}, "y": {"b": 4, "c": 5}}}

    assert redact(value, state) == {"a": {"x": {"b": "***", "c": "***", "d": 3}, "y": {"b": "***", "c": 5}}}


def test_matcher_redacts_whole_list() -> None:
    value = {"tokens": ["abcd", "efgh"], "items": ["keep"]}

    assert redact(value, compiled("tokens")) == {"tokens": "***", "items": ["keep"]}
    assert redact(value, compiled("tokens.*")) == {"tokens": ["***", "***"], "items": ["keep"]}


def test_matcher_shares_untouched_branches() -> None:
    untouched = {"deep": [1, 2, 3]}
    value = {"card": {"number": "4111"}, "other": untouched}

    redacted = redact(value, compiled("card.number"))

    assert redacted["other"] is untouched
    assert value["card"] == {"number": "4111"}


def test_matcher_plain_names_any_depth() -> None:
    value = {"password": "p1", "nested": [{"password": "p2", "name": "n"}]}

    redacted = redact(value, frozenset({"password"}))

    assert redacted == {"password": "***", "nested": [{"password": "***", "name": "n"}]}


def test_matcher_rejects_empty_segment() -> None:
    with pytest.raises(ValueError, match="a..b"):
        SensitivePaths.compile(["a..b"])


def test_matcher_compiles_nothing_to_none() -> None:
    assert SensitivePaths.compile([]) is None
    assert redact({"a": 1}, None) == {"a": 1}


def test_sensitive_values_at_paths_only() -> None:
    value = {"card": {"number": "4111111111111111", "holder": "Ada Lovelace"}, "number": "T-100001"}

    assert sensitive_values(value, compiled("card.number")) == ("4111111111111111",)
    assert sensitive_values(value, compiled("card")) == ("4111111111111111", "Ada Lovelace")


class _Model(BaseModel):
    pass


def declaration(**kwargs: Any) -> OperationDeclaration:
    return OperationDeclaration(name="shop.pay", version=1, description="", input_model=_Model, output_model=_Model, **kwargs)


def test_declaration_sections_apart() -> None:
    declared = declaration(sensitive_paths=frozenset({"input.card.number", "errors.declined.details.pan"}))
    record = {"card": {"number": "4111"}, "number": "T-1", "pan": "4111"}

    assert redact(record, declared.sensitive_under("input")) == {"card": {"number": "***"}, "number": "T-1", "pan": "4111"}
    assert redact(record, declared.sensitive_under("output")) == record
    assert redact(record, declared.sensitive_under("errors", "declined", "details"))["pan"] == "***"
    assert declared.sensitive_under("errors", "other", "details") is None
    assert declared.sensitive_fields == frozenset({"number", "pan"})


def test_declaration_plain_names_everywhere() -> None:
    declared = declaration(sensitive_fields=frozenset({"password"}))

    assert redact({"user": {"password": "p"}}, declared.sensitive_under("input")) == {"user": {"password": "***"}}
    assert redact({"password": "p"}, declared.sensitive_under("output")) == {"password": "***"}
    assert redact({"password": "p"}, declared.sensitive_under("errors", "any", "details")) == {"password": "***"}
