"""The base class of every operation implementation.

The generator writes one abstract subclass per spec, ``<Name>Base``, whose ``run``
has the spec's inputs as typed keyword parameters; the application subclasses it. The
runtime calls ``run`` only through the pipeline (:mod:`opsgen.runtime.pipeline`), with a
fresh instance for every call, so an instance may keep per-call state.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel

from opsgen.runtime.declarations import OperationDeclaration
from opsgen.runtime.execution import ExecutionContext

InT = TypeVar("InT", bound=BaseModel)
OutT = TypeVar("OutT", bound=BaseModel)


class Operation(ABC, Generic[InT, OutT]):
    """One business operation: ``declaration`` states what it needs, and ``run`` does the work."""

    declaration: ClassVar[OperationDeclaration]

    @abstractmethod
    def run(self, ctx: ExecutionContext, *args: Any, **inputs: Any) -> OutT:
        """Do the work with validated inputs and return the output model.

        Raise :class:`~opsgen.runtime.result.OperationFailed` (the generated ``errors``
        helpers build one) to fail with a declared error code.
        """
