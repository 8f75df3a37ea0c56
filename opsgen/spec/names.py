"""Name rules: which spec names can become Python names in generated code.

Every check returns ``None`` for an acceptable name, or a ``(message, hint)`` pair. The
rules keep generated modules importable and unsurprising. Names are ASCII identifiers,
because Python NFKC-normalises other identifiers and two different spellings could
become one name. They are never keywords or dunders, and never shadow something the
generated code relies on.

A field name is its JSON key, so a field may take a name that would shadow a pydantic
``BaseModel`` attribute (``json``, ``copy``, ``schema``), a name the generated module
reads (``date``, ``Field``, ``Any``) or a parameter of the generated methods (``self``,
``ctx``). Such a field gets the Python name :func:`python_field_name` returns (the spec
name with a trailing underscore) and keeps the spec name as its pydantic alias.

Soft keywords (``match``, ``case``, ``type``) are allowed: Python accepts them as
attribute, parameter and module names.
"""

from __future__ import annotations

import builtins
import functools
import keyword
import re
import unicodedata

from pydantic import BaseModel

Problem = tuple[str, str]

OPERATION_SEGMENT = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
SNAKE_NAME = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
TYPE_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")

MAX_NAME_LENGTH = 64
MAX_OPERATION_SEGMENTS = 6

#: Attributes of pydantic's BaseModel: a field with one of these names would shadow it.
PYDANTIC_ATTRIBUTES = frozenset(name for name in dir(BaseModel) if not name.startswith("__"))

#: Names the generated models use in annotations. A field of that name would shadow the
#: type inside the class body, which breaks pydantic (``date: date``).
ANNOTATION_NAMES = frozenset(
    {"str", "int", "float", "bool", "list", "dict", "date", "datetime", "decimal", "uuid", "Decimal", "UUID", "None"}
)

#: Module-level names that generated operation modules, their stubs, ``shared_types.py``
#: and implementation scaffolds read: their imports, the ``DECLARATION`` constant and the
#: builtins they call or annotate with. A field becomes a model class attribute and a
#: keyword parameter of generated methods, and either one hides the module-level name
#: from the code after it. So ``Field: int = Field(default=1)`` breaks the import of
#: the module, and a parameter ``super`` breaks the ``super().__call__(...)`` in the body.
#: Generated class names and shared type names are checked per operation, in
#: :mod:`opsgen.spec.semantics`. A test renders every template feature and checks that
#: this set covers every name the rendered modules read.
GENERATED_CODE_NAMES = ANNOTATION_NAMES | frozenset(
    {
        # typing, abc, pydantic
        "Annotated", "Any", "ClassVar", "Literal", "TypeAlias", "abstractmethod", "BaseModel", "ConfigDict", "Field",
        # opsgen.runtime
        "Context", "ExecutionContext", "Operation", "OperationHandle", "OperationFailed", "Result",
        "OperationDeclaration", "ErrorDeclaration", "EffectDeclaration", "LockDeclaration",
        "SingletonDeclaration", "TransactionDeclaration", "RetryPolicy",
        # the module's own constant, and the builtins the generated code uses
        "DECLARATION", "super", "tuple", "frozenset", "NotImplementedError",
    }
)

#: Parameters of generated methods: ``run``, ``__call__`` and ``enqueue`` take ``self``,
#: ``ctx`` and the inputs as keywords; ``execute`` takes ``data``.
RESERVED_PARAMETERS = frozenset({"self", "cls", "ctx", "data"})

#: Field names that a generated model cannot use as its Python attribute name, so the
#: field takes :func:`python_field_name` and keeps the spec name as its alias. Names
#: with the ``model_`` prefix are rejected before this set is consulted.
ALIASED_FIELD_NAMES = PYDANTIC_ATTRIBUTES | GENERATED_CODE_NAMES | RESERVED_PARAMETERS

#: Attributes of the generated operation base class that effect methods must not replace.
RESERVED_METHODS = frozenset(
    {
        "run", "execute", "errors", "declaration", "invoke", "submit", "enqueue", "load_implementation",
        "ctx", "context", "log", "logger", "progress", "name",
    }
)

#: Failure codes the pipeline itself returns.
RESERVED_ERROR_CODES = frozenset({"invalid_input", "missing_context", "internal_error"})

#: First segments an operation may not take, because the generated package uses them.
RESERVED_TOP_SEGMENTS = frozenset({"registry", "shared_types"})

#: Names a shared type may not take, because generated modules import them.
RESERVED_TYPE_NAMES = frozenset(
    {
        "Annotated", "Any", "BaseModel", "ClassVar", "ConfigDict", "Decimal", "Enum", "Field",
        "Literal", "Optional", "UUID", "Union", "Operation", "OperationHandle", "OperationFailed",
        "OperationDeclaration", "ErrorDeclaration", "EffectDeclaration", "LockDeclaration",
        "SingletonDeclaration", "TransactionDeclaration", "RetryPolicy", "ExecutionContext",
        "Result", "Success", "Failure", "SecretStr", "TypeAdapter",
    }
)


def _keyword_hint(name: str) -> str:
    return f"choose another name, such as `{name}_value`"


def _common(name: str, what: str) -> Problem | None:
    if not name:
        return (f"the {what} is empty", "write a name such as `account_id`")
    if len(name) > MAX_NAME_LENGTH:
        return (f"the {what} {name!r} is longer than {MAX_NAME_LENGTH} characters", "shorten it")
    if not name.isascii():
        return (
            f"the {what} {name!r} contains non-ASCII characters",
            "use ASCII letters, digits and underscores: Python normalises other letters, so two names could merge",
        )
    if name.startswith("__") and name.endswith("__"):
        return (f"the {what} {name!r} is a dunder name", "Python reserves dunder names; choose a plain name")
    if name.startswith("_"):
        return (
            f"the {what} {name!r} starts with an underscore",
            "generated classes treat leading underscores as private; start with a letter",
        )
    if keyword.iskeyword(name):
        return (f"the {what} {name!r} is a Python keyword", _keyword_hint(name))
    return None


def check_operation_name(name: str) -> Problem | None:
    segments = name.split(".")
    if len(segments) < 2:
        return (
            f"the operation name {name!r} has no domain",
            f"write a dotted name such as `billing.{suggested_segment(name)}`",
        )
    if len(segments) > MAX_OPERATION_SEGMENTS:
        return (f"the operation name {name!r} has more than {MAX_OPERATION_SEGMENTS} segments", "use fewer dots")
    for segment in segments:
        if keyword.iskeyword(segment):
            return (f"the segment {segment!r} of {name!r} is a Python keyword", _keyword_hint(segment))
        if not OPERATION_SEGMENT.match(segment):
            return (
                f"the segment {segment!r} of {name!r} is not a lowercase identifier",
                "each segment is lowercase letters and digits joined by single underscores, "
                "starting with a letter, such as `credit_account`",
            )
    if segments[0] in RESERVED_TOP_SEGMENTS:
        return (
            f"the operation name {name!r} starts with {segments[0]!r}, a module of the generated package",
            "choose another domain name",
        )
    return None


def suggested_segment(text: str) -> str:
    """Return an operation name segment built from the letters and digits of ``text``.

    Hints suggest it in place of an invalid name, so the hint never repeats text that
    is not a valid name: ``x; import os`` becomes ``x_import_os``, ``CreditAccount``
    becomes ``credit_account`` and accented letters lose their accents. Returns
    ``credit_account`` when nothing usable is left.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", ascii_text).lower()
    segment = re.sub(r"[^a-z0-9]+", "_", snake).strip("_")
    segment = segment.lstrip("0123456789_")[:MAX_NAME_LENGTH].rstrip("_")
    if not OPERATION_SEGMENT.match(segment) or keyword.iskeyword(segment) or segment in RESERVED_TOP_SEGMENTS:
        return "credit_account"
    return segment


@functools.lru_cache(maxsize=4096)
def check_field_name(name: str) -> Problem | None:
    """Check an input, output, detail, payload or object field name."""
    problem = _common(name, "field name")
    if problem is not None:
        return problem
    if not FIELD_NAME.match(name):
        return (
            f"the field name {name!r} is not a Python identifier",
            "use letters, digits and underscores, starting with a letter",
        )
    if name.startswith("model_"):
        return (
            f"the field name {name!r} starts with 'model_', a prefix pydantic reserves for its own attributes",
            f"rename it, such as `{name[len('model_'):]}` or `{name}_value` without the prefix",
        )
    return None


def python_field_name(name: str) -> str:
    """Return the Python name of the field that the spec calls ``name``.

    A name in :data:`ALIASED_FIELD_NAMES` gets a trailing underscore (``json`` becomes
    ``json_``), like the names datamodel-code-generator writes. The result is never in
    that set, because none of its names ends with an underscore. Every other name is
    returned unchanged.
    """
    return f"{name}_" if name in ALIASED_FIELD_NAMES else name


def python_name_collisions(field_names: list[str]) -> list[tuple[str, str]]:
    """Return an ``(earlier, later)`` pair for each field whose Python name an earlier field already has.

    ``json`` and ``json_`` in one model collide, because both become ``json_``.
    """
    seen: dict[str, str] = {}
    collisions: list[tuple[str, str]] = []
    for name in field_names:
        python_name = python_field_name(name)
        earlier = seen.setdefault(python_name, name)
        if earlier != name:
            collisions.append((earlier, name))
    return collisions


def _check_snake(name: str, what: str, example: str) -> Problem | None:
    problem = _common(name, what)
    if problem is not None:
        return problem
    if not SNAKE_NAME.match(name):
        return (
            f"the {what} {name!r} is not a lowercase identifier",
            f"use lowercase letters and digits joined by single underscores, such as `{example}`",
        )
    return None


def check_error_code(code: str) -> Problem | None:
    problem = _check_snake(code, "error code", "insufficient_funds")
    if problem is not None:
        return problem
    if code in RESERVED_ERROR_CODES:
        return (f"the error code {code!r} is reserved for failures the pipeline reports", f"choose another code, such as `{code}_detail`")
    if code in GENERATED_CODE_NAMES:
        return (
            f"the error code {code!r} would become a method that hides the name {code!r} in the generated errors class",
            f"choose another code, such as `{code}_error`",
        )
    return None


def check_effect_name(name: str) -> Problem | None:
    problem = _check_snake(name, "side effect name", "send_receipt")
    if problem is not None:
        return problem
    if name in RESERVED_METHODS:
        return (
            f"the side effect name {name!r} would replace the method {name!r} of the generated base class",
            f"choose another name, such as `{name}_effect`",
        )
    if name in GENERATED_CODE_NAMES:
        return (
            f"the side effect name {name!r} would become a method that hides the name {name!r} in the generated base class",
            f"choose another name, such as `{name}_effect`",
        )
    return None


def check_context_key(name: str) -> Problem | None:
    return _check_snake(name, "context key", "tenant_id")


def check_type_name(name: str) -> Problem | None:
    problem = _common(name, "type name")
    if problem is not None:
        return problem
    if not TYPE_NAME.match(name):
        return (
            f"the type name {name!r} is not CamelCase",
            "start with an uppercase letter and use only letters and digits, such as `Money`",
        )
    if name in RESERVED_TYPE_NAMES or name in GENERATED_CODE_NAMES or hasattr(builtins, name):
        return (
            f"the type name {name!r} would shadow a name the generated code imports or a Python builtin",
            f"choose another name, such as `{name}Type`",
        )
    return None


def suggested_field_name(name: str) -> str:
    """Return a snake-case field name for a CamelCase one that is taken: ``OpNotifyPayload`` becomes ``op_notify_payload``."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()
    return snake if snake != name and check_field_name(snake) is None else f"{name}_value"


def camel_case(snake: str) -> str:
    """Convert ``credit_account`` to ``CreditAccount``; other letters keep their case."""
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_") if part)


_NON_ALNUM = re.compile(r"[^A-Za-z0-9]+")


def enum_member_name(value: str) -> str:
    """Return the Python member name of an enum value.

    The value's runs of characters other than ASCII letters and digits become one
    underscore, the result is uppercased, and a name that would start with a digit or be
    empty gets the prefix ``V_``: ``in-progress`` becomes ``IN_PROGRESS``, ``2fa``
    becomes ``V_2FA``. Uppercase names can never be keywords or shadow the ``name`` and
    ``value`` attributes of an enum member.
    """
    member = _NON_ALNUM.sub("_", value).strip("_").upper()
    if not member or member[0].isdigit():
        member = "V_" + member
    return member
