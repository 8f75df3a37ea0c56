"""The spec format: pydantic models of one operation file and one shared-types file.

A spec file is YAML. Its top-level mapping is an :class:`OperationSpec` unless it says
``kind: types``, in which case it is a :class:`TypesSpec` that declares named types
other specs may reference. The loader (:mod:`opsgen.spec.loader`) parses YAML with node
positions and validates the result against these models, so every field here is also
what the JSON Schema (``opsgen schema``) publishes to editors.

Every model forbids unknown keys: a misspelt key is an error with a hint, never a
silently ignored setting.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, Strict

#: A field type: a scalar (``str``, ``int``, ``float``, ``bool``, ``decimal``, ``date``,
#: ``datetime``, ``uuid``), a shared type name (``Money``), ``list[T]`` or ``map[T]``
#: (string keys), nested as deep as needed: ``map[list[Money]]``.
TypeExpression = Annotated[str, Field(min_length=1, max_length=200)]

#: Settings take only real YAML booleans and numbers. pydantic's lax mode would read the
#: strings "yes", "on" and "5" (and ``true`` as the number 1), which hides a misread spec:
#: YAML 1.2, as the loader reads it, keeps ``yes``/``no``/``on``/``off`` as strings.
#: A float setting still takes a whole number, such as ``timeout: 5``.
SpecBool = Annotated[bool, Strict()]
SpecInt = Annotated[int, Strict()]
SpecFloat = Annotated[float, Strict()]

#: A scalar default; lists and maps default to empty through ``optional``.
DefaultValue = Union[str, int, float, bool, None]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Strict):
    """One input, output, payload or shared-object field.

    In YAML a field may also be written as a bare type expression
    (``amount: decimal``); the loader expands that to ``{type: decimal}``.
    """

    type: TypeExpression | None = Field(
        default=None, description="Type expression; omit it when `enum` is given."
    )
    enum: list[str] | None = Field(
        default=None,
        min_length=1,
        description="Inline enumeration: the allowed string values.",
    )
    description: str | None = Field(default=None, max_length=2000)
    optional: SpecBool = Field(
        default=False,
        description="The field may be absent; it defaults to `default`, or null when no default is set.",
    )
    default: DefaultValue = Field(
        default=None, description="Default value; setting it makes the field optional."
    )
    sensitive: SpecBool = Field(
        default=False,
        description="Redact the value in logs, execution records, audit rows and errors.",
    )
    ge: Decimal | None = Field(default=None, description="Minimum, inclusive (numbers).")
    gt: Decimal | None = Field(default=None, description="Minimum, exclusive (numbers).")
    le: Decimal | None = Field(default=None, description="Maximum, inclusive (numbers).")
    lt: Decimal | None = Field(default=None, description="Maximum, exclusive (numbers).")
    min_length: SpecInt | None = Field(
        default=None, ge=0, description="Minimum length (strings, lists, maps)."
    )
    max_length: SpecInt | None = Field(
        default=None, ge=0, description="Maximum length (strings, lists, maps)."
    )
    pattern: str | None = Field(
        default=None, max_length=500, description="Regular expression a string must match."
    )
    max_digits: SpecInt | None = Field(default=None, ge=1, le=100, description="Decimals only.")
    decimal_places: SpecInt | None = Field(default=None, ge=0, le=100, description="Decimals only.")


class ErrorSpec(_Strict):
    """A declared failure: the code is the mapping key, the message is shown to callers."""

    message: str = Field(max_length=2000)
    http_status: SpecInt = Field(
        default=422, ge=400, le=599, description="Status used when a web handler maps this failure."
    )
    details: dict[str, FieldSpec | TypeExpression] = Field(
        default_factory=dict, description="Typed details carried by the failure."
    )


class ContextKey(str, Enum):
    """Context keys opsgen knows; any other identifier is a custom key."""

    actor = "actor"
    organization = "organization"
    request_id = "request_id"
    correlation_id = "correlation_id"


class ContextSpec(_Strict):
    """The context keys a caller must provide; a call without them fails with `missing_context`."""

    requires: list[str] = Field(
        default_factory=list,
        description="Context keys the operation needs: actor, organization, request_id, correlation_id, or a custom identifier.",
    )


class Isolation(str, Enum):
    """Transaction isolation level."""

    read_committed = "read_committed"
    repeatable_read = "repeatable_read"
    serializable = "serializable"


class TransactionSpec(_Strict):
    """Run the operation in a database transaction; `transaction: true` takes these defaults."""

    isolation: Isolation | None = Field(
        default=None, description="Isolation level of an outermost transaction; the engine default when unset."
    )
    nested: Literal["join", "savepoint"] = Field(
        default="join",
        description="When called inside another operation's transaction: join it, or take a savepoint so a failure here rolls back only this operation's writes.",
    )


class LockSpec(_Strict):
    """A named lock held for the whole execution; locks are taken in one global order."""

    key: str = Field(
        min_length=1,
        max_length=300,
        description='Key template built from inputs and context, such as "account:{account_id}".',
    )
    timeout: SpecFloat = Field(default=10.0, gt=0, le=86400, description="Seconds to wait for the lock.")
    lease: SpecFloat = Field(
        default=30.0, gt=0, le=86400, description="Seconds a lock outlives a holder that stopped renewing it."
    )


class SingletonSpec(_Strict):
    """At most one execution per key runs at a time; `singleton: true` takes these defaults."""

    key: str | None = Field(
        default=None,
        max_length=300,
        description="Key template; the operation name when unset, so at most one execution runs at a time.",
    )
    on_conflict: Literal["reject", "wait", "skip"] = Field(
        default="reject",
        description="When another execution holds the key: fail (reject), wait up to `timeout`, or finish as skipped.",
    )
    timeout: SpecFloat = Field(default=30.0, gt=0, le=86400, description="Seconds to wait with on_conflict: wait.")
    lease: SpecFloat = Field(default=60.0, gt=0, le=86400, description="Seconds the claim outlives a dead holder.")


class RetrySpec(_Strict):
    """Retry policy with exponential backoff."""

    max_attempts: SpecInt = Field(default=3, ge=1, le=100, description="Attempts in total, the first one included.")
    backoff: SpecFloat = Field(default=1.0, ge=0, le=3600, description="Seconds before the first retry.")
    multiplier: SpecFloat = Field(default=2.0, ge=1, le=10, description="Factor applied to the delay after each retry.")
    max_delay: SpecFloat = Field(default=300.0, gt=0, le=86400, description="Longest delay between retries, in seconds.")


class EffectKind(str, Enum):
    """What a side effect does; `custom` for anything else."""

    email = "email"
    http = "http"
    task = "task"
    publish = "publish"
    custom = "custom"


class EffectSpec(_Strict):
    """A side effect the operation may request; it runs after the outermost commit."""

    kind: EffectKind
    description: str | None = Field(default=None, max_length=2000)
    durable: SpecBool = Field(
        default=False,
        description="Write the effect to the outbox in the operation's transaction and deliver it at least once.",
    )
    retry: RetrySpec = Field(default_factory=RetrySpec)
    payload: dict[str, FieldSpec | TypeExpression] = Field(
        default_factory=dict, description="Typed arguments of the generated effect method."
    )


class AuditSpec(_Strict):
    """Audit expectations of the operation."""

    changes: list[str] = Field(
        default_factory=list,
        description="Audited entities this operation is expected to change; a change to any other is reported.",
    )


class OperationSpec(_Strict):
    """One business operation: its name, typed input and output, failures and runtime behaviour."""

    kind: Literal["operation"] = Field(default="operation", description="Omit it, or write `operation`.")
    name: str = Field(
        min_length=1,
        max_length=200,
        description="Dotted name: lowercase identifiers joined by dots, such as billing.credit_account.",
    )
    version: SpecInt = Field(default=1, ge=1, description="Version of the operation's contract; raise it on incompatible changes.")
    description: str = Field(default="", max_length=5000, description="What the operation does, for docs and generated docstrings.")
    input: dict[str, FieldSpec | TypeExpression] = Field(
        default_factory=dict, description="Input fields by name: a type expression, or a mapping of field settings."
    )
    output: dict[str, FieldSpec | TypeExpression] = Field(
        default_factory=dict, description="Output fields by name: a type expression, or a mapping of field settings."
    )
    errors: dict[str, ErrorSpec] = Field(
        default_factory=dict, description="Declared failures by code (a lowercase identifier such as insufficient_funds)."
    )
    context: ContextSpec = Field(default_factory=ContextSpec, description="Context the operation requires.")
    transaction: SpecBool | TransactionSpec = Field(
        default=False, description="Run in a database transaction: true, false, or settings."
    )
    locks: list[LockSpec] = Field(default_factory=list, description="Locks held while the operation runs.")
    singleton: SpecBool | SingletonSpec = Field(
        default=False, description="Allow at most one running execution: true, false, or settings."
    )
    side_effects: dict[str, EffectSpec] = Field(
        default_factory=dict, description="Side effects by name; each runs after the outermost commit."
    )
    progress: SpecBool = Field(default=False, description="The operation reports progress.")
    audit: AuditSpec | None = Field(default=None, description="Audit expectations.")
    queue: str = Field(
        default="default", pattern=r"^[A-Za-z0-9_.\-]{1,100}$", description="Celery queue for background runs."
    )
    retry: RetrySpec | None = Field(default=None, description="Retry policy for background runs.")


class SharedTypeSpec(_Strict):
    """A named type in a ``kind: types`` file: an alias, an enum or an object."""

    description: str | None = Field(default=None, max_length=2000)
    type: TypeExpression | None = Field(default=None, description="Aliased type expression, with constraints below.")
    enum: list[str] | None = Field(default=None, min_length=1, description="The allowed string values; makes this type an enum.")
    fields: dict[str, FieldSpec | TypeExpression] | None = Field(
        default=None, description="Object fields by name; makes this type a model."
    )
    sensitive: SpecBool = Field(default=False, description="Every field of this type is redacted.")
    ge: Decimal | None = None
    gt: Decimal | None = None
    le: Decimal | None = None
    lt: Decimal | None = None
    min_length: SpecInt | None = Field(default=None, ge=0)
    max_length: SpecInt | None = Field(default=None, ge=0)
    pattern: str | None = Field(default=None, max_length=500)
    max_digits: SpecInt | None = Field(default=None, ge=1, le=100)
    decimal_places: SpecInt | None = Field(default=None, ge=0, le=100)


class TypesSpec(_Strict):
    """A file of shared named types that any spec may reference."""

    kind: Literal["types"] = Field(description="Write `types` to declare shared types in this file.")
    types: dict[str, SharedTypeSpec] = Field(description="Shared types by CamelCase name, such as Money.")


def spec_document_schema() -> dict[str, Any]:
    """Return the JSON Schema of one spec file (an operation or a types file)."""
    from pydantic import TypeAdapter

    adapter: TypeAdapter[OperationSpec | TypesSpec] = TypeAdapter(OperationSpec | TypesSpec)
    return adapter.json_schema()
