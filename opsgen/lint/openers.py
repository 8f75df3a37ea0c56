"""Project functions that open a transaction around their caller's code.

Projects wrap ``transaction.atomic()`` or ``session.begin()`` in helpers of their own:

* a context manager, a generator decorated with ``contextlib.contextmanager`` that
  yields inside the block (``with unit_of_work(): ...``);
* a decorator, or a decorator factory, whose wrapper calls the wrapped function inside
  the block (``@atomic_with_retry(attempts=3)``);
* a generator that yields inside the block, whose caller's ``for`` loop body runs
  there (``for batch in import_rows(rows): send(batch)``);
* a class whose ``__exit__`` (or ``__aexit__``) commits, such as a unit of work whose
  ``__enter__`` begins a session transaction: ``with UnitOfWork(factory) as uow:`` or
  ``with self.uow:``. The transaction ends with the block. A class whose ``__exit__``
  only rolls back or closes ends it there too, but leaves the commit to the code in the
  block, so the block does not count as a transaction.

The code in such a ``with`` block or loop, or in the decorated function, runs inside the
transaction that the helper's block opens. The ``transaction-openers`` setting names
helpers that the linter cannot see through, such as ones from another package.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING

from opsgen.lint import knowledge
from opsgen.lint.summary import CallSite, FunctionSummary, TransactionBlock

if TYPE_CHECKING:
    from opsgen.lint.analysis import Analysis

CONTEXT_MANAGER_DECORATORS = frozenset({"contextlib.contextmanager", "contextlib.asynccontextmanager"})
NESTED = ".<locals>."
EXIT_METHODS = ("__exit__", "__aexit__")
ENTER_METHODS = ("__enter__", "__aenter__")
#: Calls that end a transaction, by the last part of their text: ``self.session.commit()``.
TRANSACTION_ENDS = frozenset({"commit", "rollback", "close"})


class ProjectOpeners:
    """The blocks that project context managers and decorators open, found on first use of each name."""

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self._opened: dict[str, TransactionBlock | None] = {}
        self._nested: dict[str, list[FunctionSummary]] | None = None

    def opened_block(self, name: str) -> TransactionBlock | None:
        """Return the transaction block that the project function ``name`` runs its
        caller's code in, or None when it opens none."""
        if name in self._opened:
            return self._opened[name]
        klass = name.removesuffix("()")
        if klass in self.analysis.index.classes:
            found = self._opened[name] = self.block_of_class(klass)
            return found
        function = self.analysis.factory(name)  # also a method: self.batches()
        if function is None or function.nested:
            return None
        self._opened[name] = None  # stops a helper that uses itself from recursing
        decorators = {self.analysis.canonical(d.removesuffix("()")) for d in function.decorators}
        if decorators & CONTEXT_MANAGER_DECORATORS:
            found = self.block_at_yield(function) or self.block_committed_after_yield(function)
        elif function.yields:
            # A plain generator opens nothing for a with block, which it cannot serve, but a
            # for loop over it runs its body wherever the generator yields.
            found = self.block_at_yield(function)
        else:
            found = self.block_around_wrapped_call(function)
        self._opened[name] = found
        return found

    def block_of_class(self, klass: str) -> TransactionBlock | None:
        """Return the transaction that a ``with`` block on an instance of ``klass`` runs in:
        one its ``__exit__`` commits, or None."""
        exit_method = self.context_method(klass, EXIT_METHODS)
        if exit_method is None or "commit" not in self.ends_called(exit_method):
            return None
        enter_method = self.context_method(klass, ENTER_METHODS)
        calls = [*exit_method.calls, *(enter_method.calls if enter_method is not None else ())]
        if any(call.text.endswith(".begin") or "session" in call.text.lower() for call in calls):
            kind = "session"
        else:
            kind = "with"  # a DB-API connection or another library's transaction
        return TransactionBlock(exit_method.line, exit_method.end_line, kind)

    def may_open_for_callers(self, function: FunctionSummary) -> bool:
        """Return True when the function may open a transaction around its callers' code.

        That is a generator that yields inside a transaction block, or inside a loop or
        ``with`` block whose generator or context manager opens one. It is also a nested
        function that calls a plain name inside an atomic() or session block, an
        ``__exit__`` that ends a transaction, or a view's ``dispatch()`` that calls
        ``super().dispatch()`` inside one, around the methods of the views derived from
        it. Other modules' findings then read the function's body.
        """
        if any(index >= 0 and self.analysis.open_block(function, index) is not None for index in function.yields):
            return True
        if function.name == "dispatch" and any(call.text == "super().dispatch" and _in_block(function, call) for call in function.calls):
            return True
        if function.class_name and function.name in EXIT_METHODS and self.ends_called(function):
            return True
        if function.yields and "commit" in self.ends_called(function):
            return True  # session_scope() or a FastAPI dependency that commits after its yield
        return function.nested and any(_wraps_call(function, call) for call in function.calls)

    def ends_transaction_on_exit(self, name: str) -> bool:
        """Return True when ``name`` is a project class, or an instance of one, whose
        ``__exit__`` commits, rolls back or closes: the writes made in the block are
        settled when it ends."""
        klass = name.removesuffix("()")
        if klass not in self.analysis.index.classes:
            return False
        exit_method = self.context_method(klass, EXIT_METHODS)
        return exit_method is not None and bool(self.ends_called(exit_method))

    def context_method(self, klass: str, names: tuple[str, ...]) -> FunctionSummary | None:
        for name in names:
            qualname = self.analysis.method(klass, name)
            if qualname is not None:
                return self.analysis.index.functions[qualname][1]
        return None

    @staticmethod
    def ends_called(function: FunctionSummary) -> set[str]:
        """Return which of commit, rollback and close the function calls on an object."""
        found = set()
        for call in function.calls:
            receiver, _, attribute = call.text.rpartition(".")
            if receiver and attribute in TRANSACTION_ENDS:
                found.add(attribute)
        return found

    def block_at_yield(self, function: FunctionSummary) -> TransactionBlock | None:
        """Return the transaction block open at a yield of ``function``. A yield inside a
        loop over another project generator, or inside a ``yield from`` one, gives the
        block that generator yields in."""
        for index in function.yields:
            block = self.analysis.open_block(function, index)
            if block is None:
                continue
            if block.kind == "with" and block.name:
                return self.opened_block(self.analysis.canonical(block.name)) or block
            return block
        return None

    def block_committed_after_yield(self, function: FunctionSummary) -> TransactionBlock | None:
        """Return the session transaction of a generator that yields outside any transaction
        block and commits the session itself, as the ``session_scope()`` recipe does after
        its ``yield``. The code that runs while it is suspended is inside that transaction,
        from its first statement on, as in a unit-of-work class whose ``__exit__`` commits."""
        if not function.yields or any(index >= 0 for index in function.yields):
            return None
        if "commit" not in self.ends_called(function):
            return None
        return TransactionBlock(function.line, function.end_line, "session")

    def dependency_block(self, name: str) -> TransactionBlock | None:
        """Return the transaction that a FastAPI dependency keeps open while the endpoint
        runs: a generator that yields inside a transaction block, or that commits after its
        ``yield``. FastAPI resumes it once the endpoint has returned."""
        function = self.analysis.factory(name)
        if function is None or function.nested or not function.yields:
            return None
        return self.block_at_yield(function) or self.block_committed_after_yield(function)

    def block_around_wrapped_call(self, function: FunctionSummary) -> TransactionBlock | None:
        """Return the block in which a nested wrapper of the decorator calls a function it
        was given: a parameter of the decorator or of a function between them."""
        for wrapper, call in self.wrapped_calls(function):
            if any(self.analysis.canonical(d.removesuffix("()")) in knowledge.ATOMIC_OPENERS for d in wrapper.decorators):
                return TransactionBlock(wrapper.line, wrapper.end_line, "atomic")
            block = self.analysis.open_block(wrapper, call.transaction)
            if block is not None:
                return block
        return None

    def wrapped_calls(self, function: FunctionSummary) -> Iterator[tuple[FunctionSummary, CallSite]]:
        """Yield each nested wrapper of a decorator with its call of the function it was
        given, a parameter of the decorator or of a function between them."""
        for wrapper in self.nested_functions().get(function.qualname, ()):
            parameters = self.enclosing_parameters(wrapper.qualname)
            for call in wrapper.calls:
                if call.target is None and call.text in parameters:
                    yield wrapper, call

    def returns_given_function(self, qualname: str) -> bool:
        """Return True when a function enclosing the nested function returns only its own
        parameters: it hands back the function it was given, not the nested wrapper."""
        parts = qualname.split(NESTED)
        for depth in range(1, len(parts)):
            entry = self.analysis.index.functions.get(NESTED.join(parts[:depth]))
            if entry is not None and entry[1].returns_param:
                return True
        return False

    def enclosing_parameters(self, qualname: str) -> set[str]:
        """Return the parameters of the functions that enclose a nested function."""
        parts = qualname.split(NESTED)
        names: set[str] = set()
        for depth in range(1, len(parts)):
            entry = self.analysis.index.functions.get(NESTED.join(parts[:depth]))
            if entry is not None:
                names.update(entry[1].params)
        return names

    def nested_functions(self) -> dict[str, list[FunctionSummary]]:
        """Return the nested functions of the project, by their outermost function."""
        if self._nested is None:
            nested: dict[str, list[FunctionSummary]] = defaultdict(list)
            for module in self.analysis.index.modules.values():
                for function in module.functions.values():
                    if function.nested and NESTED in function.qualname:
                        nested[function.qualname.partition(NESTED)[0]].append(function)
            self._nested = nested
        return self._nested


def _wraps_call(function: FunctionSummary, call: CallSite) -> bool:
    """Return True for a call of a plain name inside an atomic() or session transaction block."""
    if call.target is not None or "." in call.text:
        return False
    return _in_block(function, call)


def _in_block(function: FunctionSummary, call: CallSite) -> bool:
    """Return True for a call whose innermost block is an atomic() or session transaction block."""
    return call.transaction >= 0 and function.transactions[call.transaction].kind != "with"
