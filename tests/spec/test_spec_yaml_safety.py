"""Hostile YAML: bombs, deep nesting, huge documents, custom tags and silent-overwrite traps.

Each case must fail with a located spec error, quickly, and without constructing anything.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from opsgen.spec import yamlsafe
from opsgen.spec.errors import SpecError, SpecErrors
from opsgen.spec.loader import load_specs
from opsgen.spec.yamlsafe import YamlProblem, parse_document

#: Generous bound on how long a rejected hostile document may take to load.
FAST_SECONDS = 2.0


def load_one(tmp_path: Path, content: str | bytes) -> list[SpecError]:
    specs = tmp_path / "specs"
    specs.mkdir(exist_ok=True)
    target = specs / "hostile.yaml"
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content, encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(SpecErrors) as caught:
        load_specs(specs)
    assert time.perf_counter() - started < FAST_SECONDS
    return caught.value.errors


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    lines = ['a0: &a0 "lol"']
    for level in range(1, levels + 1):
        refs = ", ".join(f"*a{level - 1}" for _ in range(width))
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_rejected(tmp_path: Path) -> None:
    errors = load_one(tmp_path, billion_laughs())

    assert len(errors) == 1
    assert "aliases" in errors[0].message or "expands to more than" in errors[0].message


def test_doubling_alias_chain_within_alias_budget_rejected(tmp_path: Path) -> None:
    # 2 aliases a level stays under the alias cap but doubles the expanded size each level.
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x]"]
    lines += [f"l{i}: &l{i} [*l{i - 1}, *l{i - 1}]" for i in range(1, 24)]
    errors = load_one(tmp_path, "\n".join(lines) + "\n")

    assert "expands to more than" in errors[0].message


def test_alias_count_capped(tmp_path: Path) -> None:
    text = "a: &x 1\nb: [" + ", ".join(["*x"] * (yamlsafe.MAX_ALIASES + 1)) + "]\n"
    errors = load_one(tmp_path, text)

    assert f"more than {yamlsafe.MAX_ALIASES} aliases" in errors[0].message
    assert errors[0].line == 2


def test_few_aliases_allowed() -> None:
    document = parse_document("a: &x {type: str}\nb: *x\n")

    assert document.data == {"a": {"type": "str"}, "b": {"type": "str"}}


@pytest.mark.parametrize("style", ["flow", "block"])
def test_deep_nesting_rejected(tmp_path: Path, style: str) -> None:
    depth = 100_000 if style == "flow" else 200
    if style == "flow":
        text = "a: " + "[" * depth + "1" + "]" * depth + "\n"
    else:
        text = "".join("  " * level + f"k{level}:\n" for level in range(depth)) + "  " * depth + "end\n"
    errors = load_one(tmp_path, text)

    # libyaml stops a flow sequence this deep in its own scanner, before any event.
    assert f"deeper than {yamlsafe.MAX_DEPTH}" in errors[0].message or "maximum nesting depth" in errors[0].message
    assert errors[0].line == (1 if style == "flow" else yamlsafe.MAX_DEPTH + 1)


def test_huge_document_rejected_before_parsing(tmp_path: Path) -> None:
    text = "name: billing.big\ndescription: '" + "x" * (yamlsafe.MAX_DOCUMENT_CHARS + 10) + "'\n"
    errors = load_one(tmp_path, text)

    assert "more than the limit" in errors[0].message


def test_huge_file_rejected_by_size(tmp_path: Path) -> None:
    errors = load_one(tmp_path, b"a: b\n" * (yamlsafe.MAX_DOCUMENT_CHARS))

    assert "bytes" in errors[0].message


@pytest.mark.parametrize(
    "tagged",
    [
        "!!python/object:os.system {}",
        '!!python/object/apply:os.system ["echo pwned"]',
        "!!python/name:os.system",
        "!!python/module:os",
        "!!binary aGVsbG8=",
        "!!set {a, b}",
        "!!omap [a: 1]",
        "!custom value",
        "!<tag:example.com,2024:thing> value",
    ],
)
def test_custom_tags_rejected(tmp_path: Path, tagged: str) -> None:
    errors = load_one(tmp_path, f"name: billing.pay\ndescription: {tagged}\n")

    assert "is not allowed in a spec" in errors[0].message
    assert (errors[0].line, errors[0].column) == (2, 14)


def test_standard_tags_accepted() -> None:
    document = parse_document("a: !!str 10\nb: !!int '7'\nc: ! plain\n")

    assert document.data == {"a": "10", "b": 7, "c": "plain"}


def test_tag_that_does_not_fit_value_rejected() -> None:
    with pytest.raises(YamlProblem) as caught:
        parse_document("a: !!int ten\n")

    assert "does not match its tag" in caught.value.message


def test_duplicate_key_rejected(tmp_path: Path) -> None:
    errors = load_one(tmp_path, "name: billing.pay\ninput:\n  amount: int\n  amount: str\n")

    assert errors[0].message == "duplicate key 'amount' (first at line 3)"
    assert (errors[0].line, errors[0].column) == (4, 3)
    assert "silently keep only the last value" in (errors[0].hint or "")


def test_merge_key_rejected(tmp_path: Path) -> None:
    errors = load_one(tmp_path, "base: &b {type: str}\nname: billing.pay\ninput:\n  x:\n    <<: *b\n")

    assert "merge keys" in errors[0].message


def test_complex_key_rejected(tmp_path: Path) -> None:
    errors = load_one(tmp_path, "? [a, b]\n: 1\n")

    assert "mapping key must be a plain string" in errors[0].message


def test_second_document_rejected(tmp_path: Path) -> None:
    errors = load_one(tmp_path, "name: billing.a\n---\nname: billing.b\n")

    assert "more than one YAML document" in errors[0].message
    assert errors[0].line == 2


def test_recursive_alias_rejected(tmp_path: Path) -> None:
    errors = load_one(tmp_path, "a: &a [1, *a]\n")

    assert "refers to no complete anchor" in errors[0].message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"# only a comment\n", "empty"),
        (b"name: billing.pay\ndescription: caf\xe9\n", "not valid UTF-8"),
        (b"name: billing.pay\ndescription: \"a\\0b\"\n", "unknown"),
        (b"name: billing.pay\x00\n", "NUL"),
        (b"- a\n- b\n", "must be a mapping"),
        (b"just text\n", "must be a mapping"),
        (b"name: [unclosed\n", "invalid YAML"),
    ],
)
def test_malformed_files(tmp_path: Path, content: bytes, expected: str) -> None:
    if expected == "unknown":
        # A NUL escape inside a quoted string is data, not a parse problem: it loads as text.
        specs = tmp_path / "specs"
        specs.mkdir()
        (specs / "ok.yaml").write_bytes(content)
        assert load_specs(specs).operations[0].spec.description == "a\x00b"
        return
    errors = load_one(tmp_path, content)

    assert expected in errors[0].message
    assert errors[0].line >= 1


def test_core_schema_scalars() -> None:
    document = parse_document("a: yes\nb: on\nc: 0x1F\nd: 1e3\ne: ~\nf: 2024-01-31\ng: .inf\nh: TRUE\n")

    assert document.data == {"a": "yes", "b": "on", "c": 31, "d": 1000.0, "e": None, "f": "2024-01-31", "g": float("inf"), "h": True}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (billion_laughs(), "expands to more than"),
        ("a: " + "[" * 50_000 + "]" * 50_000 + "\n", "deeper than"),
        ("a: !!python/object:os.system {}\n", "not allowed"),
        ("a: 1\na: 2\n", "duplicate key"),
    ],
)
def test_pure_python_parser_enforces_limits(monkeypatch: pytest.MonkeyPatch, text: str, expected: str) -> None:
    monkeypatch.setattr("yaml.__with_libyaml__", False)
    started = time.perf_counter()

    with pytest.raises(YamlProblem) as caught:
        parse_document(text)

    assert expected in caught.value.message
    assert time.perf_counter() - started < FAST_SECONDS


def test_pure_python_parser_reads_same_data(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "name: billing.pay\ninput:\n  a: {type: int, ge: 1}\n  b: 'list[str]'\nlocks:\n  - key: x\n"
    with_libyaml = parse_document(text)
    monkeypatch.setattr("yaml.__with_libyaml__", False)

    pure = parse_document(text)

    assert pure.data == with_libyaml.data
    assert pure.value_positions == with_libyaml.value_positions
    assert pure.key_positions == with_libyaml.key_positions
