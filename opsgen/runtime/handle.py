"""The callable the generated registry exposes for each operation.

``ops.billing.credit_account(ctx, account_id=..., amount=...)`` is a call to an
:class:`OperationHandle`. It runs the pipeline and returns a
:class:`~opsgen.runtime.result.Result`; it raises only for misuse of the runtime
itself, never for a failure of the operation. ``handle.call_with(ctx, mapping)``
runs the same pipeline with input that arrived as data, such as a decoded JSON body,
and ``handle.enqueue_with(ctx, mapping)`` queues such input for a background worker.
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from opsgen.runtime.context import Context
from opsgen.runtime.declarations import OperationDeclaration
from opsgen.runtime.effect_keys import remember_operation
from opsgen.runtime.errors import IntegrationNotConfigured, mark_enqueue_input_error
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.operation import Operation
from opsgen.runtime.result import Result

if TYPE_CHECKING:
    from opsgen.runtime.runtime import Enqueuer, Runtime

InT = TypeVar("InT", bound=BaseModel)
OutT = TypeVar("OutT", bound=BaseModel)


class OperationHandle(Generic[InT, OutT]):
    """Runs one operation through the pipeline.

    ``implementation`` is the operation class, or its ``"module:Class"`` path, imported
    on the first call so that an implementation module may import the registry.
    ``runtime`` binds the handle to one runtime; by default each call uses
    :func:`~opsgen.runtime.runtime.get_runtime`. Creating a handle makes its operation's
    effects known to the runtime's check of effect handler keys.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Make the typed ``__call__`` and ``enqueue`` of a generated handle explain a spec name passed as a keyword.

        Such a method takes an input with a Python name of its own, such as ``date_``,
        only by that name. Python's own ``TypeError`` for ``date=...`` would not say
        which name to use, so :func:`_explain_spec_names` raises one that does.
        """
        super().__init_subclass__(**kwargs)
        for name in ("__call__", "enqueue"):
            method = cls.__dict__.get(name)
            if inspect.isfunction(method) and not _takes_any_keyword(method):
                setattr(cls, name, _explain_spec_names(method))

    def __init__(
        self,
        declaration: OperationDeclaration,
        implementation: type[Operation[InT, OutT]] | str,
        runtime: Runtime | None = None,
    ) -> None:
        self.declaration = declaration
        self._implementation = implementation
        self.runtime = runtime
        remember_operation(declaration)

    @property
    def name(self) -> str:
        """The operation's dotted name."""
        return self.declaration.name

    @property
    def implementation(self) -> type[Operation[InT, OutT]]:
        """The operation class, imported on first use."""
        target = self._implementation
        if isinstance(target, str):
            module_name, _, class_name = target.partition(":")
            module = importlib.import_module(module_name)
            try:
                target = getattr(module, class_name)
            except AttributeError:
                raise ImportError(
                    f"module {module_name} has no class {class_name} implementing {self.name}"
                ) from None
            self._implementation = target
        assert not isinstance(target, str)
        return target

    def bind(self, runtime: Runtime) -> OperationHandle[InT, OutT]:
        """Return a copy of this handle that always runs on ``runtime``."""
        return type(self)(self.declaration, self._implementation, runtime)

    def __call__(self, ctx: Context | ExecutionContext | None = None, /, *args: Any, **inputs: Any) -> Result[OutT]:
        """Run the operation with ``inputs`` and return its result.

        Passing the ``ExecutionContext`` of a running operation (or calling from inside
        one) nests the call under it.
        """
        from opsgen.runtime.pipeline import execute

        return execute(self, ctx, inputs)

    def call_with(self, ctx: Context | ExecutionContext | None, inputs: Mapping[str, Any], /) -> Result[OutT]:
        """Run the operation with ``inputs``, a mapping of raw input such as a decoded JSON object.

        The mapping goes to the pipeline's input validation as it is. So a missing, extra
        or mistyped field makes the recorded ``invalid_input`` failure, where spreading
        the mapping into the generated keyword-only signature (``handle(ctx, **body)``)
        raises ``TypeError`` before the pipeline runs and records nothing. A value that
        is not a mapping, such as a decoded JSON list, string, number or ``None``, is
        the same recorded ``invalid_input`` failure. The record keeps the value, redacted
        like any rejected input, and the error message names the operation's fields.
        """
        from opsgen.runtime.pipeline import execute

        return execute(self, ctx, inputs)

    def enqueue(self, ctx: Context | ExecutionContext | None = None, /, *args: Any, **inputs: Any) -> Any:
        """Queue the operation for a background worker; needs a queue integration.

        Raises :class:`IntegrationNotConfigured` until an integration (such as
        ``opsgen.integrations.celery``) sets ``runtime.enqueuer``.
        """
        return self._enqueuer()(self, ctx, inputs)

    def enqueue_with(self, ctx: Context | ExecutionContext | None, inputs: Mapping[str, Any], /) -> Any:
        """Queue the operation with ``inputs``, a mapping of raw input such as a decoded JSON object.

        This is to :meth:`enqueue` what :meth:`call_with` is to a call: the mapping goes to
        the input model as it is, where spreading it into the generated keyword-only
        signature (``handle.enqueue(ctx, **body)``) raises ``TypeError`` for a missing or
        extra key. A missing, extra or mistyped field raises ``pydantic.ValidationError``
        naming the field, before anything is recorded or sent, as ``enqueue`` does for
        invalid input. A value that is not a mapping raises ``ValidationError`` too, with
        one error of type ``model_type`` that names the operation's fields. Returns what
        the integration's ``enqueue`` returns, the execution id for Celery, and raises
        :class:`IntegrationNotConfigured` without a queue integration.
        """
        enqueuer = self._enqueuer()
        if not isinstance(inputs, Mapping):
            hide = self.declaration.sensitive_under("input") is not None
            error = _non_object_error(self.declaration.input_model, inputs, hide=hide)
            raise mark_enqueue_input_error(error, self.declaration.name)
        return enqueuer(self, ctx, dict(inputs))

    def _enqueuer(self) -> Enqueuer:
        """Return the runtime's enqueuer; raise :class:`IntegrationNotConfigured` when there is none."""
        from opsgen.runtime.runtime import get_runtime

        runtime = self.runtime or get_runtime()
        if runtime.enqueuer is None:
            raise IntegrationNotConfigured(
                f"cannot enqueue {self.name}: no queue integration is configured; "
                "set up opsgen.integrations.celery (it sets runtime.enqueuer) or call the handle directly"
            )
        return runtime.enqueuer

    def __repr__(self) -> str:
        return f"<OperationHandle {self.name}>"


def _takes_any_keyword(method: Callable[..., Any]) -> bool:
    parameters = inspect.signature(method).parameters.values()
    return any(parameter.kind is inspect.Parameter.VAR_KEYWORD for parameter in parameters)


def _explain_spec_names(method: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a typed handle method so that a renamed input passed by its spec name raises a clear ``TypeError``.

    The check runs before the call, so nothing is validated, recorded or queued. Keys
    that are not spec names of renamed inputs reach ``method`` and its own ``TypeError``.
    """
    parameters = frozenset(inspect.signature(method).parameters)

    @functools.wraps(method)
    def checked(self: OperationHandle[Any, Any], /, *args: Any, **inputs: Any) -> Any:
        renamed = self.declaration.renamed_inputs
        if renamed and not renamed.keys().isdisjoint(inputs):
            misnamed = [key for key in inputs if key in renamed and key not in parameters]
            if misnamed:
                raise TypeError(_spec_names_message(self, method.__name__, {key: renamed[key] for key in misnamed}))
        return method(self, *args, **inputs)

    return checked


def _spec_names_message(handle: OperationHandle[Any, Any], method: str, misnamed: dict[str, str]) -> str:
    """Return the message for spec names passed as keywords; ``misnamed`` maps each to its Python name."""
    keys = ", ".join(repr(key) for key in misnamed)
    python_names = ", ".join(f"{python_name}=..." for python_name in misnamed.values())
    mapping = ", ".join(f"{key!r}: ..." for key in misnamed)
    called, with_mapping = (handle.name, "call_with") if method == "__call__" else (f"{handle.name}.enqueue", "enqueue_with")
    if len(misnamed) == 1:
        described = f"argument {keys}, the spec name of an input. The typed call takes that input by its Python name"
    else:
        described = f"arguments {keys}, the spec names of inputs. The typed call takes those inputs by their Python names"
    return (
        f"{called} got the unexpected keyword {described}, so pass {python_names} instead, "
        f"or pass spec names in a mapping to {with_mapping}(ctx, {{{mapping}}})"
    )


def _non_object_error(model: type[BaseModel], value: object, *, hide: bool) -> ValidationError:
    """Return the ``ValidationError`` of an input ``value`` that is not a mapping, naming ``model``'s fields.

    With ``hide`` (an operation with sensitive inputs) the error does not quote ``value``.
    """
    from opsgen.runtime.pipeline import non_object_message

    error = PydanticCustomError("model_type", "{message}", {"message": non_object_message(model, value)})
    return ValidationError.from_exception_data(
        model.__name__,
        [{"type": error, "loc": (), "input": None if hide else value}],
        hide_input=hide or bool(model.model_config.get("hide_input_in_errors", False)),
    )
