"""What a generated operation declares, in the form the runtime reads.

Generated modules build one :class:`OperationDeclaration` per operation from its spec.
These are plain frozen dataclasses so that importing a generated module costs little and
pulls in nothing from the spec loader or the generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel

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
    """Everything the pipeline needs to know about one operation."""

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

    def error(self, code: str) -> ErrorDeclaration:
        """Return the declared error ``code``; raise ``KeyError`` naming the known codes."""
        for declared in self.errors:
            if declared.code == code:
                return declared
        known = ", ".join(e.code for e in self.errors) or "none"
        raise KeyError(f"{self.name} declares no error {code!r} (declared: {known})")
