"""What a generated operation declares, in the form the runtime reads.

Generated modules build one :class:`OperationDeclaration` per operation from its spec.
These are plain frozen dataclasses so that importing a generated module costs little and
pulls in nothing from the spec loader or the generator.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel

from opsgen.runtime.redaction import ANY_DEPTH, ANY_KEY, SensitivePaths

ConflictPolicy = Literal["reject", "wait", "skip"]
NestingPolicy = Literal["join", "savepoint"]
EffectKind = Literal["email", "http", "task", "publish", "custom"]


@dataclass(frozen=True)
class ErrorDeclaration:
    code: str
    message: str
    http_status: int = 422


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    backoff: float = 1.0
    multiplier: float = 2.0
    max_delay: float = 300.0

    def delay(self, attempt: int) -> float:
        """Return the seconds to wait before retry number ``attempt`` (1 for the first retry)."""
        return float(min(self.max_delay, self.backoff * self.multiplier ** max(0, attempt - 1)))


@dataclass(frozen=True)
class TransactionDeclaration:
    isolation: str | None = None
    nested: NestingPolicy = "join"


@dataclass(frozen=True)
class LockDeclaration:
    key: str
    timeout: float = 10.0
    lease: float = 30.0


@dataclass(frozen=True)
class SingletonDeclaration:
    key: str
    on_conflict: ConflictPolicy = "reject"
    timeout: float = 30.0
    lease: float = 60.0


@dataclass(frozen=True)
class EffectDeclaration:
    name: str
    kind: EffectKind
    durable: bool = False
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass(frozen=True)
class OperationDeclaration:
    """Everything the pipeline needs to know about one operation.

    ``sensitive_paths`` contains the dotted paths of the values to redact, each starting
    with the spec section it is in: ``input.card.number``, ``output.token``,
    ``errors.card_declined.details.number``, ``side_effects.notify.payload.phone``.
    ``*`` matches any list item or map key and ``**`` any number of keys (see
    :mod:`opsgen.runtime.redaction`). ``sensitive_fields`` contains key names that are
    redacted at any depth of every section. Generated code from before sensitive paths
    passes only ``sensitive_fields``. Newer code passes only ``sensitive_paths``, and
    ``sensitive_fields`` then contains the last key of each path, for readers that
    list the names, such as an application's own log filter.
    """

    name: str
    version: int
    description: str
    input_model: type[BaseModel]
    output_model: type[BaseModel]
    errors: tuple[ErrorDeclaration, ...] = ()
    context_requires: tuple[str, ...] = ()
    transaction: TransactionDeclaration | None = None
    locks: tuple[LockDeclaration, ...] = ()
    singleton: SingletonDeclaration | None = None
    effects: tuple[EffectDeclaration, ...] = ()
    progress: bool = False
    audit_changes: tuple[str, ...] = ()
    sensitive_fields: frozenset[str] = frozenset()
    queue: str = "default"
    retry: RetryPolicy | None = None
    sensitive_paths: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.sensitive_paths and not self.sensitive_fields:
            names = {path.rsplit(".", 1)[-1] for path in self.sensitive_paths}
            object.__setattr__(self, "sensitive_fields", frozenset(names - {ANY_KEY, ANY_DEPTH}))

    @functools.cached_property
    def redaction(self) -> SensitivePaths | None:
        """The compiled sensitive paths, or ``None`` when the operation has none."""
        if self.sensitive_paths:
            return SensitivePaths.compile(self.sensitive_paths)
        return SensitivePaths.compile(f"{ANY_DEPTH}.{name}" for name in self.sensitive_fields)

    @functools.cached_property
    def renamed_inputs(self) -> dict[str, str]:
        """The Python name of each input whose spec name it differs from, by spec name: ``{"date": "date_"}``.

        The generator gives such a field a Python name with a trailing underscore and
        keeps the spec name as its pydantic alias.
        """
        fields = self.input_model.model_fields
        return {field.alias: name for name, field in fields.items() if field.alias is not None and field.alias != name}

    def sensitive_under(self, *section: str) -> SensitivePaths | None:
        """Return the compiled paths below ``section``, such as ``("errors", code, "details")``.

        The result goes to :func:`opsgen.runtime.redaction.redact`. ``None`` means
        nothing in that section is sensitive.
        """
        compiled = self.redaction
        return compiled.below(*section) if compiled is not None else None

    def error(self, code: str) -> ErrorDeclaration:
        """Return the declared error ``code``; raise ``KeyError`` naming the known codes."""
        for declared in self.errors:
            if declared.code == code:
                return declared
        known = ", ".join(e.code for e in self.errors) or "none"
        raise KeyError(f"{self.name} declares no error {code!r} (declared: {known})")
