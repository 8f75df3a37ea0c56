"""Validate one parsed spec document against the format models and explain each failure.

pydantic reports failures by ``loc``, a path of keys, list indexes and, inside a union,
the name of the union member that was tried. This module maps each failure back to the
YAML position of the key or value at fault. It keeps only the union member that matches
the value the author wrote: a mapping is a ``FieldSpec``, a string is a type expression.
Each problem gets a hint, such as the nearest valid key for an unknown key, the nearest
allowed value for a misspelt choice, or quoting advice for a value YAML read as a number.
"""

from __future__ import annotations

import copy
import difflib
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Union

from pydantic import BaseModel, ValidationError

from opsgen.spec.constraint_values import CONSTRAINT_KEYS, describe_constraint_value
from opsgen.spec.model import OperationSpec, TypesSpec
from opsgen.spec.yamlsafe import ParsedDocument, Path

#: Sections whose values are fields, where ``amount: decimal`` is shorthand for
#: ``amount: {type: decimal}``; ``*`` matches any key.
_FIELD_SECTIONS: dict[str, tuple[tuple[str, ...], ...]] = {
    "operation": (("input",), ("output",), ("errors", "*", "details"), ("side_effects", "*", "payload")),
    "types": (("types", "*", "fields"),),
}

_KIND_WORDS = {
    "str": "a string",
    "constrained-str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "none": "null",
    "decimal": "a number",
}


#: Keys from JSON Schema, OpenAPI and other habits, with the spec key that means the same.
_KEY_SYNONYMS = {
    "minimum": "ge",
    "min": "ge",
    "maximum": "le",
    "max": "le",
    "exclusiveMinimum": "gt",
    "exclusive_minimum": "gt",
    "exclusiveMaximum": "lt",
    "exclusive_maximum": "lt",
    "minLength": "min_length",
    "maxLength": "max_length",
    "regex": "pattern",
    "required": "optional",
    "nullable": "optional",
    "values": "enum",
    "choices": "enum",
    "desc": "description",
    "doc": "description",
    "secret": "sensitive",
    "redact": "sensitive",
    "status": "http_status",
}

_KEY_MEANINGS = {
    "ge": "minimum, inclusive",
    "gt": "minimum, exclusive",
    "le": "maximum, inclusive",
    "lt": "maximum, exclusive",
    "optional": "fields are required unless `optional: true`",
}


@dataclass(frozen=True)
class Problem:
    """A failure located in the document: the path and whether the key itself is at fault."""

    path: tuple[str | int, ...]
    message: str
    hint: str | None = None
    at_key: bool = False


@dataclass
class _Failure:
    real_path: tuple[str | int, ...]
    tags: list[tuple[int, str]]
    error: dict[str, Any]
    missing_key: str | None = None
    loc: tuple[str | int, ...] = field(default_factory=tuple)


def expand_shorthand(data: dict[str, Any], kind: str) -> None:
    """Replace bare type expressions in field sections with ``{"type": expression}``, in place."""
    for pattern in _FIELD_SECTIONS[kind]:
        for fields in _walk(data, pattern):
            if isinstance(fields, dict):
                for name, value in fields.items():
                    if isinstance(value, str):
                        fields[name] = {"type": value}


def _walk(node: Any, pattern: tuple[str, ...]) -> Iterator[Any]:
    if not pattern:
        yield node
        return
    if not isinstance(node, dict):
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        for value in node.values():
            yield from _walk(value, rest)
    elif head in node:
        yield from _walk(node[head], rest)


def validate_document(document: ParsedDocument) -> tuple[OperationSpec | TypesSpec | None, list[Problem]]:
    """Validate the document's data; return the model, or ``None`` with every problem found."""
    data = document.data
    if not isinstance(data, dict):
        return None, [
            Problem(
                (),
                f"a spec must be a mapping of keys, but this file holds {_describe(data)}",
                "start the file with `name: domain.operation`, or `kind: types` for shared types",
            )
        ]

    kind = data.get("kind", "operation")
    model_class: type[OperationSpec] | type[TypesSpec]
    if kind == "types":
        model_class = TypesSpec
    elif kind == "operation":
        model_class = OperationSpec
    else:
        close = difflib.get_close_matches(str(kind), ["operation", "types"], n=1)
        hint = f"did you mean {close[0]!r}?" if close else "write `kind: operation` (the default) or `kind: types`"
        return None, [Problem(("kind",), f"unknown kind {kind!r}", hint)]

    expand_shorthand(data, str(kind))
    try:
        return model_class.model_validate(data), []
    except ValidationError as exc:
        return None, explain(exc, data, model_class)


#: Top-level sections whose entries can be dropped one by one when they are invalid.
_ENTRY_SECTIONS = frozenset({"input", "output", "errors", "side_effects", "locks", "types"})
#: Top-level keys without which a document cannot be checked further.
_ESSENTIAL_KEYS = frozenset({"name", "kind"})


def validate_pruned(
    data: dict[str, Any], problems: list[Problem]
) -> tuple[OperationSpec | TypesSpec, frozenset[str]] | None:
    """Validate a copy of ``data`` without the parts that have problems.

    This lets the later checks (names, type references, key templates) run on the rest
    of a document that failed validation. A bad setting inside a lock, the singleton or
    another settings mapping drops only that setting, so a lock with a bad ``timeout``
    still has its key checked, and a bad constraint of a field drops only that
    constraint. When the rest still fails, the whole entry or section is dropped instead. Returns the model and the dropped names: input field names as
    ``input.NAME``, the context keys written under an invalid ``context`` as
    ``context.NAME``, and dropped top-level keys as themselves. Returns ``None`` when a
    problem sits where nothing can be dropped.
    """
    if any(not problem.path or problem.path[0] in _ESSENTIAL_KEYS for problem in problems):
        return None
    dropped = _dropped_names(data, problems)
    model_class: type[OperationSpec] | type[TypesSpec] = TypesSpec if data.get("kind") == "types" else OperationSpec
    for fine in (True, False):
        removals = {_removal(problem.path, fine=fine) for problem in problems}
        try:
            return model_class.model_validate(_without(data, removals)), dropped
        except ValidationError:
            continue
    return None


#: Top-level settings mappings whose keys can be dropped one by one.
_SETTINGS_SECTIONS = frozenset({"transaction", "singleton", "context", "audit", "retry"})


def _removal(path: tuple[str | int, ...], *, fine: bool) -> tuple[str | int, ...]:
    """Return the part of the document to drop for a problem at ``path``."""
    head = path[0]
    if fine and head in _ENTRY_SECTIONS and len(path) >= 3 and path[-1] in CONSTRAINT_KEYS:
        # A bad constraint of a field or shared type drops only that constraint, so the
        # checks of its other constraints still run: `{type: int, ge: 1.5, le: abc}`
        # reports both bounds.
        return path
    if fine and head == "locks" and len(path) >= 3 and path[2] != "key":
        return path[:3]
    if fine and head in _SETTINGS_SECTIONS and len(path) >= 2 and path[1] != "key":
        return path[:2]
    if head in _ENTRY_SECTIONS and len(path) >= 2:
        return path[:2]
    return path[:1]


def _dropped_names(data: dict[str, Any], problems: list[Problem]) -> frozenset[str]:
    dropped: set[str] = set()
    for problem in problems:
        path = problem.path
        if path[0] in _ENTRY_SECTIONS and len(path) >= 2:
            dropped.add(f"{path[0]}.{path[1]}")
        else:
            dropped.add(str(path[0]))
    if "context" in dropped:
        # A placeholder naming one of these keys is not reported again: the author
        # meant it as a context key, and the context section has its own error.
        context = data.get("context")
        requires = context.get("requires") if isinstance(context, dict) else context
        written: list[Any] | dict[Any, Any] = []
        if isinstance(requires, str):
            written = [requires]
        elif isinstance(requires, (list, dict)):
            written = requires
        dropped |= {f"context.{key}" for key in written if isinstance(key, str)}
    return frozenset(dropped)


def _without(data: dict[str, Any], removals: set[tuple[str | int, ...]]) -> dict[str, Any]:
    """Return a copy of ``data`` without the parts at ``removals``."""
    pruned = copy.deepcopy(data)
    for path in sorted(removals, key=lambda p: (len(p), [str(x) for x in p]), reverse=True):
        container: Any = pruned
        for item in path[:-1]:
            if isinstance(container, dict):
                container = container.get(item)
            elif isinstance(container, list) and isinstance(item, int) and item < len(container):
                container = container[item]
            else:
                container = None
        if isinstance(container, dict):
            container.pop(path[-1], None)
        elif isinstance(container, list) and isinstance(path[-1], int) and path[-1] < len(container):
            container[path[-1]] = None

    if isinstance(pruned.get("locks"), list):
        pruned["locks"] = [item for item in pruned["locks"] if item is not None]
    return pruned


def explain(exc: ValidationError, data: Any, model_class: type[BaseModel]) -> list[Problem]:
    """Turn pydantic's errors into located problems, one per fault the author made."""
    failures = [_locate(dict(error), data) for error in exc.errors()]
    problems: list[Problem] = []
    for failure in _select_union_members(failures, data):
        problems.append(_describe_failure(failure, model_class, data))
    return problems


def _locate(error: dict[str, Any], data: Any) -> _Failure:
    loc = tuple(error["loc"])
    missing_key = None
    if error["type"] == "missing" and loc:
        missing_key = str(loc[-1])
        loc = loc[:-1]

    real: list[str | int] = []
    tags: list[tuple[int, str]] = []
    node = data
    for item in loc:
        if isinstance(node, dict) and item in node:
            real.append(item)
            node = node[item]
        elif isinstance(node, list) and isinstance(item, int) and 0 <= item < len(node):
            real.append(item)
            node = node[item]
        else:
            tags.append((len(real), str(item)))
    return _Failure(tuple(real), tags, error, missing_key, tuple(error["loc"]))


def _select_union_members(failures: list[_Failure], data: Any) -> list[_Failure]:
    """Keep the failures of the union member that fits the written value, or merge them into one."""
    plain = [f for f in failures if not f.tags]
    groups: dict[tuple[str | int, ...], list[_Failure]] = {}
    for failure in failures:
        if failure.tags:
            depth = failure.tags[0][0]
            groups.setdefault(failure.real_path[:depth], []).append(failure)

    result = list(plain)
    for prefix, group in groups.items():
        value = _value_at(data, prefix)
        model_members = [f for f in group if f.tags[0][1][:1].isupper()]
        if isinstance(value, dict) and model_members:
            for failure in model_members:
                failure.tags = failure.tags[1:]
            result.extend(_select_union_members(model_members, data))
            continue
        result.append(_merge_union(prefix, group, value))
    return result


def _merge_union(prefix: tuple[str | int, ...], group: list[_Failure], value: Any) -> _Failure:
    wanted: list[str] = []
    for failure in group:
        tag = failure.tags[0][1]
        word = "a mapping" if tag[:1].isupper() else _KIND_WORDS.get(tag, tag)
        if word not in wanted:
            wanted.append(word)
    message = f"expected {' or '.join(wanted)}, got {_describe(value)}"
    error = {"type": "union", "msg": message, "input": value, "ctx": {"wanted": wanted}}
    return _Failure(prefix, [], error)


def _value_at(data: Any, path: tuple[str | int, ...]) -> Any:
    node = data
    for item in path:
        node = node[item]
    return node


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"the string {shown!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def dotted(path: tuple[str | int, ...]) -> str:
    """Render a path as ``input.amount`` or ``locks[0].key``."""
    text = ""
    for item in path:
        if isinstance(item, int):
            text += f"[{item}]"
        else:
            text += f".{item}" if text else str(item)
    return text or "the document"


def _describe_failure(failure: _Failure, model_class: type[BaseModel], data: Any) -> Problem:
    error = failure.error
    kind = error["type"]
    where = dotted(failure.real_path)
    value = error.get("input")

    if kind == "missing" and failure.missing_key is not None:
        key = failure.missing_key
        return Problem(
            failure.real_path,
            f"missing required key {key!r} in {where}",
            f"add `{key}: ...` to {where}",
        )

    if kind == "extra_forbidden":
        key = str(failure.real_path[-1])
        parent = dotted(failure.real_path[:-1])
        valid = _valid_keys(model_class, failure.loc[:-1])
        where = f"in {parent}" if failure.real_path[:-1] else "at the top level"
        return Problem(failure.real_path, f"unknown key {key!r} {where}", _nearest_key_hint(key, valid), at_key=True)

    if kind == "union":
        return Problem(failure.real_path, f"invalid value for {where}: {error['msg']}", _union_hint(error["ctx"]["wanted"], value))

    constraint = _constraint_value_problem(failure.real_path, data, value)
    if constraint is not None:
        return constraint

    if kind in ("dict_type", "model_type", "model_attributes_type"):
        message = f"invalid value for {where}: expected a mapping, got {_describe(value)}"
    elif kind == "list_type":
        message = f"invalid value for {where}: expected a list, got {_describe(value)}"
    else:
        message = f"invalid value for {where}: {_lower_first(error['msg'])} (got {_describe(value)})"
    hint = _hint_for(kind, error, value, failure.real_path)
    path = failure.real_path
    if len(path) == 2 and path[0] == "errors" and isinstance(value, str):
        hint = f"write `{path[1]}: {{message: {value}}}`"
    elif len(path) == 2 and path[0] == "types" and isinstance(value, str):
        hint = f"a shared type is a mapping: write `{path[1]}: {{type: {_flow_scalar(value)}}}`"
    elif kind == "list_type" and isinstance(value, (str, int, float)):
        hint = f"write a list: [{value}]"
    return Problem(path, message, hint)


def _constraint_value_problem(path: tuple[str | int, ...], data: Any, value: Any) -> Problem | None:
    """Explain an invalid value of a constraint (``ge``, ``max_length`` ...) on a field or shared type."""
    if len(path) < 2 or path[-1] not in CONSTRAINT_KEYS:
        return None
    owner = _value_at(data, path[:-1])
    if not isinstance(owner, dict):
        return None
    shared_type = len(path) == 3 and path[0] == "types"
    owner_kind, owner_name = ("type", str(path[1])) if shared_type else ("field", dotted(path[:-1]))
    message, hint = describe_constraint_value(str(path[-1]), owner, owner_kind, owner_name, value, _describe(value))
    return Problem(path, message, hint)


def _flow_scalar(value: str) -> str:
    """Return ``value`` as YAML writes it inside ``{...}``: quoted when it contains a flow indicator."""
    if any(character in value for character in "[]{},:#'\"") or value != value.strip():
        return "'" + value.replace("'", "''") + "'"
    return value


def _nearest_key_hint(key: str, valid: list[str]) -> str:
    """Name the valid key closest to ``key``, also through spellings from other schema languages."""
    if not valid:
        return f"remove {key!r}, or check its spelling against docs/spec-format.md"
    synonyms = {word: target for word, target in _KEY_SYNONYMS.items() if target in valid}
    close = difflib.get_close_matches(key, valid + sorted(synonyms), n=1, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(key, valid, n=1, cutoff=0.4)
    if not close:
        return "valid keys here: " + ", ".join(valid)
    target = synonyms.get(close[0], close[0]) if close[0] not in valid else close[0]
    meaning = _KEY_MEANINGS.get(target)
    return f"did you mean {target!r}?" + (f" ({meaning})" if meaning and target != key else "")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _union_hint(wanted: list[str], value: Any) -> str:
    if "a mapping" in wanted and "a string" in wanted:
        return "write a type expression such as `decimal`, or a mapping such as `{type: decimal, ge: 0}`"
    if "true or false" in wanted and "a mapping" in wanted:
        return _bool_hint(value, "write true, false, or a mapping of settings")
    if "a string" in wanted and isinstance(value, (list, dict)):
        return "a default must be one value; lists and maps default to empty when `optional: true`"
    return f"write {' or '.join(wanted)}"


#: Words YAML 1.1 read as booleans; YAML 1.2, as the loader reads it, keeps them strings.
_YAML11_BOOLEANS = frozenset({"yes", "no", "on", "off", "y", "n"})


def _bool_hint(value: Any, hint: str = "write true or false") -> str:
    if isinstance(value, str) and value.lower() in _YAML11_BOOLEANS:
        return f"use true or false: {value!r} is a string in YAML 1.2, not a boolean"
    return hint


#: Hints for a string that does not match the pattern the format sets for its key.
_PATTERN_HINTS = {
    "queue": "use 1 to 100 letters, digits, '_', '.' or '-', such as `billing` or `emails.high`",
}


def _hint_for(kind: str, error: dict[str, Any], value: Any, path: tuple[str | int, ...]) -> str:
    if kind in ("enum", "literal_error"):
        return _choice_hint(error, value)
    if kind == "string_type" and isinstance(value, (bool, int, float)) or value is None and kind == "string_type":
        return "YAML read this as a non-string value; put it in quotes, such as \"yes\" or \"1.0\""
    if kind in ("bool_type", "bool_parsing"):
        return _bool_hint(value)
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "write a whole number without quotes"
    if kind in ("float_type", "float_parsing"):
        return "write a number without quotes, such as 5 or 2.5"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "write a mapping of `key: value` lines, indented under this key"
    if kind == "list_type":
        return "write a list: one `- item` line per entry, or [a, b]"
    if kind == "string_pattern_mismatch":
        key = path[-1] if path else None
        return _PATTERN_HINTS.get(str(key), f"write a value that matches the pattern {error.get('ctx', {}).get('pattern')!r}")
    limit = _limit_hint(kind, error.get("ctx", {}))
    if limit is not None:
        return limit
    return "check this value against the key's description in docs/spec-format.md"


def _choice_hint(error: dict[str, Any], value: Any) -> str:
    expected = str(error.get("ctx", {}).get("expected", ""))
    choices = [part.strip(" '") for part in expected.replace(" or ", ",").split(",") if part.strip(" '")]
    if isinstance(value, str):
        close = difflib.get_close_matches(value, choices, n=1, cutoff=0.5)
        if close:
            return f"did you mean {close[0]!r}?"
    if not choices:
        return "write one of the values the spec format lists for this key"
    return f"write one of: {', '.join(choices)}"


#: Hints for a value outside a limit of the format, by pydantic error type: the ``ctx``
#: key that contains the limit, the hint, and the noun the limit counts (None for a number).
_LIMIT_HINTS: dict[str, tuple[str, str, str | None]] = {
    "greater_than_equal": ("ge", "write a value of {limit} or more", None),
    "greater_than": ("gt", "write a value above {limit}", None),
    "less_than_equal": ("le", "write a value of {limit} or less", None),
    "less_than": ("lt", "write a value below {limit}", None),
    "string_too_short": ("min_length", "write at least {limit}", "character"),
    "string_too_long": ("max_length", "shorten it to at most {limit}", "character"),
    "too_short": ("min_length", "list at least {limit}", "item"),
    "too_long": ("max_length", "list at most {limit}", "item"),
}


def _limit_hint(kind: str, ctx: dict[str, Any]) -> str | None:
    """Return the hint for a value outside a limit of the format, naming the limit."""
    if kind not in _LIMIT_HINTS:
        return None
    ctx_key, template, noun = _LIMIT_HINTS[kind]
    limit = ctx.get(ctx_key)
    if isinstance(limit, float) and limit.is_integer():
        limit = int(limit)  # so a float limit such as gt=0.0 reads "above 0"
    return template.format(limit=_count(limit, noun) if noun else limit)


def _count(number: Any, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _valid_keys(model_class: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """Return the keys allowed at ``loc``, following the model annotations and union tags."""
    annotation: Any = model_class
    for item in loc:
        annotation = _step(annotation, item)
        if annotation is None:
            return []
    model = _as_model(annotation)
    return list(model.model_fields) if model is not None else []


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _union_members(annotation: Any) -> tuple[Any, ...]:
    origin = typing.get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        return tuple(_unwrap(member) for member in typing.get_args(annotation))
    return ()


def _as_model(annotation: Any) -> type[BaseModel] | None:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    models = [m for m in _union_members(annotation) if isinstance(m, type) and issubclass(m, BaseModel)]
    return models[0] if len(models) == 1 else None


def _step(annotation: Any, item: str | int) -> Any:
    annotation = _unwrap(annotation)
    members = _union_members(annotation)
    if members:
        for member in members:
            if getattr(member, "__name__", None) == item:
                return member
        model = _as_model(annotation)
        return _step(model, item) if model is not None else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        info = annotation.model_fields.get(str(item))
        return info.annotation if info is not None else None
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin is dict and len(arguments) == 2:
        return arguments[1]
    if origin is list and arguments:
        return arguments[0]
    return None
