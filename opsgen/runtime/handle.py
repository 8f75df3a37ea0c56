"""The callable the generated registry exposes for each operation.

``ops.billing.credit_account(ctx, account_id=..., amount=...)`` is a call to an
:class:`OperationHandle`. It runs the pipeline and returns a
:class:`~opsgen.runtime.result.Result`; it raises only for misuse of the runtime
itself, never for a failure of the operation. ``handle.call_with(ctx, mapping)``
runs the same pipeline with input that arrived as data, such as a decoded JSON body.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel

from opsgen.runtime.context import Context
from opsgen.runtime.declarations import OperationDeclaration
from opsgen.runtime.effect_keys import remember_operation
from opsgen.runtime.errors import IntegrationNotConfigured
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.operation import Operation
from opsgen.runtime.result import Result

if TYPE_CHECKING:
    from opsgen.runtime.runtime import Runtime

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
        the same recorded ``invalid_input`` failure: the record keeps the value, redacted
        like any rejected input, and the error says that the input must be an object
        with the operation's fields.
        """
        from opsgen.runtime.pipeline import execute

        return execute(self, ctx, inputs)

    def enqueue(self, ctx: Context | ExecutionContext | None = None, /, *args: Any, **inputs: Any) -> Any:
        """Queue the operation for a background worker; needs a queue integration.

        Raises :class:`IntegrationNotConfigured` until an integration (such as
        ``opsgen.integrations.celery``) sets ``runtime.enqueuer``.
        """
        from opsgen.runtime.runtime import get_runtime

        runtime = self.runtime or get_runtime()
        if runtime.enqueuer is None:
            raise IntegrationNotConfigured(
                f"cannot enqueue {self.name}: no queue integration is configured; "
                "set up opsgen.integrations.celery (it sets runtime.enqueuer) or call the handle directly"
            )
        return runtime.enqueuer(self, ctx, inputs)

    def __repr__(self) -> str:
        return f"<OperationHandle {self.name}>"
