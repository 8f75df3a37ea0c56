"""Keys of effect handlers: which keys exist, which one serves an effect, which match nothing.

An application registers a handler under one of three keys, from the most specific:

- ``operation.effect``, such as ``billing.credit_account.send_receipt``: that effect of
  one operation;
- the effect name as declared under ``side_effects`` in the spec, such as
  ``send_receipt``: that effect of every operation that declares it;
- an effect kind, such as ``email``: every effect of that kind.

:func:`lookup_keys` lists the keys of one effect in that order, and the runtime uses the
first one registered. Names in the ``opsgen.`` namespace (``opsgen.enqueue``) are the
effects that opsgen's own integrations request; they are looked up by name and kind only.

A key of another shape can never match an effect, so :func:`check_key_shape` rejects it.
A key of the right shape can still name an effect that no spec declares.
:func:`unmatched_keys` finds those among the operations this process knows. A generated
registry reports the effect names of all its operations through
:func:`remember_declared_effects` when it builds ``ops``, before any of its handles
exists, and every :class:`~opsgen.runtime.handle.OperationHandle` reports its
declaration through :func:`remember_operation` when it is created.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from typing import get_args

from opsgen.runtime.declarations import EffectKind, OperationDeclaration

#: The kinds a spec may give an effect.
EFFECT_KINDS = frozenset(get_args(EffectKind))

#: Prefix of the effects that opsgen's integrations request (``opsgen.enqueue``).
RUNTIME_NAMESPACE = "opsgen."

#: Lowercase snake case: the spec's rule for effect names and operation name segments
#: (docs/spec-format.md, "Name rules"). The runtime does not import the spec loader.
_SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")

#: An operation name has 2 to 6 segments, so ``operation.effect`` has 3 to 7.
MIN_QUALIFIED_SEGMENTS = 3
MAX_QUALIFIED_SEGMENTS = 7

_known: dict[str, set[str]] = {}
_known_declarations: dict[str, OperationDeclaration] = {}
_known_lock = threading.Lock()


def lookup_keys(name: str, kind: str, operation: str | None = None) -> tuple[str, ...]:
    """Return the handler keys of effect ``name`` of ``kind``, the most specific first.

    Without ``operation`` (an outbox row whose execution record is missing), the
    ``operation.effect`` key is left out.
    """
    if operation and not name.startswith(RUNTIME_NAMESPACE):
        return (f"{operation}.{name}", name, kind)
    return (name, kind)


def check_key_shape(key: str) -> None:
    """Raise ``ValueError`` when ``key`` cannot match any effect a spec can declare."""
    if key in EFFECT_KINDS or key.startswith(RUNTIME_NAMESPACE):
        return
    segments = key.split(".")
    if all(_SNAKE_CASE.fullmatch(segment) for segment in segments):
        if len(segments) == 1 or MIN_QUALIFIED_SEGMENTS <= len(segments) <= MAX_QUALIFIED_SEGMENTS:
            return
    # Suggest the key's own words, lowercased, where they fit; placeholders where not.
    lowered = [segment.lower() for segment in segments]
    effect = lowered[-1] if _SNAKE_CASE.fullmatch(lowered[-1]) else "<effect>"
    words = [segment if _SNAKE_CASE.fullmatch(segment) else "<word>" for segment in lowered[:-1]]
    if len(words) < 2:
        words = [*words, "<operation>"] if words else ["<app>", "<operation>"]
    operation = ".".join(words[:MAX_QUALIFIED_SEGMENTS - 1])
    raise ValueError(
        f"effect handler key {key!r} can never match an effect. A key is an effect kind "
        f"({', '.join(sorted(EFFECT_KINDS))}), an effect name as declared under side_effects "
        f"({effect!r}), or an operation name and an effect name joined by a dot "
        f"({operation + '.' + effect!r}); operation names have 2 to 6 segments"
    )


def remember_operation(declaration: OperationDeclaration) -> None:
    """Record the effects ``declaration`` declares, for :func:`unmatched_keys` and :func:`unserved_effects`."""
    with _known_lock:
        _known.setdefault(declaration.name, set()).update(effect.name for effect in declaration.effects)
        _known_declarations[declaration.name] = declaration


def remember_declared_effects(effects: Mapping[str, Iterable[str]]) -> None:
    """Record the effect names of every operation of a generated registry, by operation name.

    A generated registry calls it when it builds ``ops``, because its handles are created
    only when first read, and the first call of a process would otherwise check handler
    keys against the few operations it has used so far.
    """
    with _known_lock:
        for operation, names in effects.items():
            _known.setdefault(operation, set()).update(names)


def known_operations() -> dict[str, frozenset[str]]:
    """Return the effect names of every operation of an imported generated registry or a created handle."""
    with _known_lock:
        return {name: frozenset(names) for name, names in _known.items()}


def known_declarations() -> list[OperationDeclaration]:
    """Return the declaration of every operation whose handle this process created."""
    with _known_lock:
        return list(_known_declarations.values())


def unserved_effects(handlers: Iterable[str], declarations: Iterable[OperationDeclaration]) -> list[str]:
    """Return one message for each declared effect that no key in ``handlers`` serves.

    Effects in the ``opsgen.`` namespace are left out: the integration that uses them
    registers their handler.
    """
    registered = set(handlers)
    problems: list[str] = []
    for declaration in declarations:
        for effect in declaration.effects:
            if effect.name.startswith(RUNTIME_NAMESPACE):
                continue
            keys = lookup_keys(effect.name, effect.kind, declaration.name)
            if not registered.intersection(keys):
                options = " or ".join(repr(key) for key in keys)
                problems.append(
                    f"effect {effect.name!r} (kind {effect.kind!r}) of operation {declaration.name!r} has no "
                    f"handler; register one under {options}"
                )
    return problems


def declared_effects(declarations: Iterable[OperationDeclaration]) -> dict[str, frozenset[str]]:
    """Return the effect names of each of ``declarations``, by operation name."""
    found: dict[str, set[str]] = {}
    for declaration in declarations:
        found.setdefault(declaration.name, set()).update(effect.name for effect in declaration.effects)
    return {name: frozenset(names) for name, names in found.items()}


def unmatched_keys(keys: Iterable[str], operations: Mapping[str, frozenset[str]]) -> list[str]:
    """Return one message for each key that no effect of ``operations`` looks up.

    Kinds and ``opsgen.`` names are never reported: they serve effects that need no spec.
    """
    declared = set().union(*operations.values()) if operations else set()
    problems: list[str] = []
    for key in keys:
        if key in EFFECT_KINDS or key.startswith(RUNTIME_NAMESPACE):
            continue
        operation, _, effect = key.rpartition(".")
        if not operation:
            if key not in declared:
                problems.append(f"effect handler {key!r} matches no effect: no operation declares an effect named {key!r}")
        elif operation not in operations:
            problems.append(f"effect handler {key!r} matches no effect: no operation is named {operation!r}")
        elif effect not in operations[operation]:
            names = ", ".join(sorted(operations[operation])) or "none"
            problems.append(
                f"effect handler {key!r} matches no effect: operation {operation!r} declares no effect "
                f"{effect!r} (declared: {names})"
            )
    return problems
