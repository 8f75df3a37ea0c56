"""OPS309: a service whose entry method hands back its outcome in another shape than its neighbours'."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping, Sequence
from weakref import WeakKeyDictionary

from opsgen.lint.analysis import Analysis
from opsgen.lint.index import ProjectIndex
from opsgen.lint.failure_conventions import (
    Member,
    member_facts,
    module_facts,
    qualifier,
    returns_created_flag,
    returns_flag,
    returns_none_on_failed_check,
    returns_none_when_missing,
    returns_optional_lookup,
    unique,
    verb_of,
)
from opsgen.lint.orm import scope_nodes
from opsgen.lint.rule import Example, Finding, ModuleContext, Rule
from opsgen.lint.service_groups import dispatch_tables, imported_errors, is_route_handler, module_errors
from opsgen.lint.service_state import outcome_callbacks, stored_results
from opsgen.lint.step_families import in_place_steps
from opsgen.lint.summary import ModuleSummary, is_overload
from opsgen.lint.services import (
    RESULT_DECORATORS,
    SERVICE_BASE_SUFFIXES,
    SERVICE_PACKAGE_NAMES,
    UTILITY_MODULE_NAMES,
    Method,
    and_list,
    base_names,
    decorator_names,
    failure_shape,
    in_service_packages,
    is_bare_result,
    is_generated,
    is_services_module,
    may_define_services,
    module_classes,
    public_methods,
    raises,
    result_decorators,
    result_shape,
    returned_values,
    returns_plain_dict,
    service_classes,
    service_functions,
    task_handles,
    typed_model,
    usual,
)


#: A class named for a service layer, or built on one: ``AccountService``, ``Checkout(UseCase)``.
SERVICE_CLASS = re.compile(r"^class[ \t]+\w*(?:\([^)]*)?(?:" + "|".join(SERVICE_BASE_SUFFIXES) + r")\b", re.MULTILINE)
#: Shapes that hand back a failure which a service's other methods raise.
RAISED_INSTEAD = ("pair", "envelope", "response", "error on failure", "message on failure", "errors in parameter")
#: Failure shapes that break a convention only where the other services raise.
ONLY_BESIDE_RAISING = ("message on failure", "errors in parameter")
#: Shapes that wrap the result with its outcome, a convention of its own among a class's methods.
WRAPPED_RESULTS = ("result object", "pair", "envelope")
#: Shapes reported only where they depart from the convention of most services, never
#: taken as the convention: a module whose services mostly enqueue or fill attributes is
#: left to review.
DEPARTURES = ("callbacks", "task handle", "attributes")

#: Two look-ups that raise ``NotFound`` for a missing row, which two examples share.
LOOKUP_EXAMPLE = (
    "class NotFound(Exception):\n"
    "    pass\n\n"
    "def get_user(pk):\n"
    "    try:\n"
    "        return User.objects.get(pk=pk)\n"
    "    except User.DoesNotExist:\n"
    "        raise NotFound(f'user {pk}') from None\n\n"
    "def get_team(slug):\n"
    "    try:\n"
    "        return Team.objects.get(slug=slug)\n"
    "    except Team.DoesNotExist:\n"
    "        raise NotFound(f'team {slug}') from None\n\n"
)

#: For each analysis: package name -> the paths of the service modules directly inside it.
_package_modules: WeakKeyDictionary[Analysis, dict[str, list[str]]] = WeakKeyDictionary()


def _service_modules_of(analysis: Analysis, package: str) -> list[str]:
    """Return the paths of the service-layer modules directly inside ``package``, sorted,
    then those deeper inside it whose functions its ``__init__`` re-exports."""
    by_package = _package_modules.get(analysis)
    if by_package is None:
        by_package = {}
        for summary in analysis.index.modules.values():
            parent = summary.module.rpartition(".")[0]
            if parent.rpartition(".")[2] in SERVICE_PACKAGE_NAMES and is_services_module(summary.module):
                by_package.setdefault(parent, []).append(summary.path)
        for paths in by_package.values():
            paths.sort()
        _package_modules[analysis] = by_package
    paths = by_package.get(package, [])
    init = analysis.index.by_module.get(package)
    if init is None:
        return paths
    deeper = []
    for name in sorted({target.rpartition(".")[0] for target in init.imports.values()}):
        source = analysis.index.by_module.get(name)
        if source is not None and name.startswith(package + ".") and name.rpartition(".")[2] not in UTILITY_MODULE_NAMES and source.path not in paths:
            deeper.append(source.path)
    return paths + deeper


def _reexporting_package(index: ProjectIndex, module: str) -> ModuleSummary | None:
    """Return the ``__init__`` of a service-layer package above ``module``'s parent that
    re-exports one of its names: ``billing.services`` for ``billing.services.cards.vault``."""
    parts = module.split(".")
    for end in range(len(parts) - 2, 0, -1):
        if parts[end - 1] not in SERVICE_PACKAGE_NAMES:
            continue
        init = index.by_module.get(".".join(parts[:end]))
        if init is not None and any(target.rpartition(".")[0] == module for target in init.imports.values()):
            return init
    return None


def result_wrappers(module: ModuleContext) -> frozenset[str]:
    """Return the names of the decorators that wrap a result in a result object in ``module``.

    Called only where services are compared, because reading the decorators of every
    module would add to each cold run.
    """
    return result_decorators(module.tree, module.summary.imports, module.source) | imported_result_wrappers(module, module.tree, module.summary.imports)


def imported_result_wrappers(module: ModuleContext, tree: ast.Module, imports: Mapping[str, str]) -> frozenset[str]:
    """Return the decorators of ``tree`` that wrap a result in a result object and come from
    another module, as ``tree`` writes them.

    That is ``returns_result`` after ``from common.results import returns_result``, or
    ``results.returns_result`` after ``from common import results``, when ``common.results``
    defines such a decorator (:func:`~opsgen.lint.services.result_decorators`), and a
    library one that a project module re-exports. The findings then depend on the module
    that defines the decorator.
    """
    names: set[str] = set()
    for decorator in decorator_names(tree):
        name, _, rest = decorator.partition(".")
        target = imports.get(name)
        if target is None:
            continue  # a decorator of the module itself, found by result_decorators()
        canonical = module.analysis.canonical(f"{target}.{rest}" if rest else target)
        entry = module.index.functions.get(canonical)
        if canonical in RESULT_DECORATORS:
            names.add(decorator)
        elif entry is not None and not entry[1].class_name and entry[1].name in _module_result_decorators(module, entry[0]):
            names.add(decorator)
    return frozenset(names)


def _module_result_decorators(module: ModuleContext, defined: ModuleSummary) -> frozenset[str]:
    tree = module.tree if defined.path == module.path else module.project_tree(defined.path)
    return result_decorators(tree, defined.imports) if tree is not None else frozenset()


class ResultShapeDiffers(Rule):
    """Flags a service entry that returns an outcome pair or envelope beside services that return their result, or the reverse.

    What it does:
        Finds the service classes of a module as OPS303 does and sorts each one's first
        entry method by what it returns. A ``(result, error)`` pair: every returned value
        is a 2-tuple, and one contains ``None``, ``True`` or ``False``. An envelope: every
        returned value is a dictionary literal with a key such as ``ok``, ``status`` or
        ``error``. A result object: ``Success(...)``/``Failure(...)``, ``Ok``/``Err`` or a
        class named ``...Result``, on every path (on some paths only is a shape of its own). An HTTP response: ``JsonResponse(...)``,
        ``HttpResponse(...)``, ``jsonify(...)``, ``redirect(...)``, which ties the service
        to a web request. A generator: the entry yields, so a call runs nothing until it is
        iterated. ``None`` on failure: the entry returns ``None`` from an ``except``
        handler, where the others let the error propagate. An error on failure: an
        ``except ... as exc`` handler returns the exception or its text (``return exc``,
        ``return str(exc)``). A message on failure: an ``if`` returns a string
        (``return "insufficient funds"``) while the entry's other results are not
        strings. Errors in a parameter: an ``if`` adds messages to a list the caller
        passed (``errors.append(...)``) and returns ``None``. These two count only when
        another service's entry raises, because raising is the convention they break. Anything else is the result itself. Entries that return
        nothing or ``self`` (OPS302's) are left out. Reports the entries whose shape
        differs from the one most of the module's services use (the first one wins a
        tie).

        The public module-level functions of a service layer are compared the same way
        when three or more of them return a value: in a module named ``services``,
        ``service``, ``use_cases`` (``usecases``, ``use_case``) or ``interactors``, in a
        module directly inside a package with one of those names or named
        ``application``, and in the modules of ``service-packages``. Modules of helpers in
        such a package (``utils``, ``helpers``, ``exceptions``, ``schemas`` and the like),
        command-line ``commands`` packages and Django's ``management/commands`` are not
        compared, nor are ``@contextmanager`` factories, which callers use in ``with``. A module of such a package
        with fewer than three of them is compared with the functions of the package's
        other service modules, for a layer written as one module for each use case. A
        module deeper inside such a package (``billing/services/cards/vault.py``) whose
        functions the package's ``__init__`` re-exports belongs to its service modules too.

        Among results that are the value itself, a plain dictionary is reported beside
        typed models: an entry annotated ``-> dict`` (or unannotated and returning only
        dictionary literals) where two or more others, more than the dictionaries, are
        annotated with a class of the module, or an imported class they build
        (``-> MemberOut`` and ``return MemberOut(...)``). A ``TypedDict`` of the module
        does not count.

        Three more shapes are reported only where they depart from a shape that two or
        more services share, and more services than depart from it, never taken as the
        convention themselves. Callbacks: the entry hands its outcome to ``on_success``/
        ``on_error`` callbacks (or ``error_callback``, ``errback``, a Future's
        ``set_result()``), passed to it or to the constructor, and returns nothing or
        calls an error callback in place of raising. A task handle: a returned value comes
        from ``delay()``, ``apply_async()``, ``send_task()``, RQ's ``enqueue()``,
        ``executor.submit()``, ``asyncio.create_task()`` or ``AsyncResult(...)``, directly,
        through a name, as its ``.id`` or in a returned dictionary, so the work has not run
        when the call returns.
        Attributes: the entry returns nothing, or only ``True`` or ``False``, and leaves
        its result in public attributes (``self.result = ...``,
        ``self.rejected.append(row)`` on a list that starts empty, or a private attribute
        behind a property), itself or through the methods it calls.

        In any module, three or more public functions that share their first word and
        the annotated type of their first parameter form a family of steps
        (``apply_shipping(cart: Cart) -> Cart``). Where two or more of them return that
        type, a member that assigns to an attribute or item of its first argument and
        returns None is reported: a caller that chains the steps goes on with None.

        The public methods of one class named for a service layer (``AccountService``,
        ``...UseCase``, ``...Interactor``) or built on such a base are compared too, when
        there are three or more. A method is reported where two or more of the others
        raise, and it returns a pair, an envelope, an HTTP response, the caught exception
        or an error message. An HTTP response or a dictionary with an ``ok``, ``success``
        or ``error`` key on one path counts too, and a pair of a result and ``True`` or
        ``False`` (``get_or_create()``'s) does not. So is a method that returns ``None``
        when an object it looks up is missing (``if order is None: return None``) where
        another raises for a missing object, and one that returns only ``True`` or
        ``False`` (or is annotated ``-> bool``). Both count only in a method that writes
        something (an attribute, ``save()``, ``update()``): a finder that returns what it
        found, or ``None``, and a question (``is_...``, ``can_...``, ``exists``) answer
        what they are asked. A finder counts, though, where two or more others whose name
        starts with the same word raise for a missing object: ``get_invitation()`` that
        returns ``.first()``, ``one_or_none()``, ``scalar_one_or_none()`` or
        ``session.get()`` beside ``get_user()`` and ``get_team()`` that raise
        ``NotFound``. A method that writes something and returns ``None`` from an ``if``
        that logs (``logger.debug()`` aside) or tests a failed verification
        (``if not totp.verify(code):``) is reported too. An error message counts from an
        ``except`` handler as well when the method's other returns give nothing, and a
        Flask ``(response, status)`` tuple is an HTTP response. A method raises when it
        has a ``raise``, makes a look-up that raises when nothing matches
        (``Order.objects.get()``, SQLAlchemy's ``one()``, ``scalar_one()``), or calls a
        method of the class that raises.

        A method is reported too when it raises an HTTP error of a web framework (FastAPI's
        or Starlette's ``HTTPException``, werkzeug's, Django's ``Http404``, Django REST
        framework's exceptions, Flask's ``abort()``, Django's ``get_object_or_404()``), or
        only built-in exceptions (``ValueError``, ``PermissionError``, ``KeyError``,
        ``LookupError``, ``RuntimeError``, ``Exception``), where two or more others raise
        the service's own exceptions and none raises those. ``TypeError`` and other
        programming errors are left out. Where two or more others all return a result
        object, a pair or an envelope, a method that returns another shape is reported,
        and so is one that builds a result object on some paths and returns the bare
        value (a list, a literal) on others. A method under a decorator that wraps its
        result in a result object returns one: a decorator whose nested function returns
        only ``Ok(...)``/``Err(...)`` (a hand-written ``@as_result``), defined in the
        module or imported from another project module (``from common.results import
        returns_result``), the ``result`` package's ``as_result()`` and dry-python
        ``returns``' ``@safe``.

        The public functions of a service layer's modules, and of its packages as above,
        are compared with each other in the same ways. In any module, two more groups of
        functions are compared for how they fail: the functions of a dispatch table (a
        module-level dictionary literal whose values are three or more of the module's
        functions, ``HANDLERS = {"close": close_board, ...}``), and the public functions
        of a module that defines its own exception classes, or imports them from the
        project's ``errors`` or ``exceptions`` module (``from billing.errors import
        BillingError``; a library's, such as ``django.core.exceptions``, does not
        count), when two or more of them, and at least half, raise those. Among such
        functions, or a class's methods, one that hands its failure to a callback
        (``on_error(exc)``) where two or more others raise is reported too. Web views (``@app.route()``, ``@router.post()``) are
        not among those functions, since they return a response by design.

    Why is this bad:
        A caller of one service unpacks a pair and checks the error, a caller of the next
        one uses the value and catches an exception. A caller that guesses wrong treats
        a failure as a result, or a tuple as the object it wanted. A task handle, an
        ignored callback or an unread attribute loses the result without an error.

    Example:
        class AddStock:
            def execute(self):
                self.item.count += self.count
                return self.item

        class RemoveStock:
            def execute(self):
                if self.item.count < self.count:
                    return None, "not enough stock"
                self.item.count -= self.count
                return self.item, None

    Use instead:
        class RemoveStock:
            def execute(self):
                if self.item.count < self.count:
                    raise StockError("not enough stock")
                self.item.count -= self.count
                return self.item
    """

    code = "OPS309"
    name = "non-uniform-interface"
    scope = "module"
    MESSAGE = (
        "OPS309 {service}.{method}() returns {shape}, while the module's other services return "
        "{other}, so callers must learn each convention; return the result the same way from "
        "every service and raise on failure"
    )
    #: The message for a function compared with those of the other modules of its package.
    PACKAGE_MESSAGE = (
        "OPS309 {function}() returns {shape}, while the other service functions of package "
        "{package} return {other}, so callers must learn each convention; return the result the "
        "same way from every service and raise on failure"
    )
    #: The message for a module-level function of a service module.
    FUNCTION_MESSAGE = (
        "OPS309 {function}() returns {shape}, while the module's other service functions return "
        "{other}, so callers must learn each convention; return the result the same way from "
        "every service and raise on failure"
    )
    #: The message for a member that returns its failure where two or more siblings raise.
    MEMBER_MESSAGE = (
        "OPS309 {member} returns {shape}, while {others} raise on failure, so callers must learn "
        "each convention; raise on failure from every one"
    )
    #: The message for a member that returns another shape than its siblings' result objects.
    WRAPPED_MESSAGE = (
        "OPS309 {member} returns {shape}, while {others} return {other}, so callers must learn "
        "each convention; return the result the same way from every one"
    )
    #: The message for a member that raises a web framework's HTTP error.
    HTTP_MESSAGE = (
        "OPS309 {member} raises {raised}, an HTTP error of the web framework, while {others} raise "
        "{own}, so a caller outside a request (a command, a task) that catches those misses it; "
        "raise the service's own errors and turn them into responses in the view"
    )
    #: The message for a member that raises built-in exceptions.
    BUILTIN_MESSAGE = (
        "OPS309 {member} raises the built-in {raised}, while {others} raise {own}, so callers that "
        "catch the service's errors miss these; raise the service's own errors from every one"
    )
    SHAPES = {
        "pair": "a (result, error) pair",
        "envelope": "a dictionary with its outcome",
        "result object": "a result object (Success/Failure, Ok/Err)",
        "response": "an HTTP response",
        "generator": "a generator, which runs nothing until the caller iterates it",
        "error on failure": "the caught exception or its text instead of raising it",
        "none on failure": "None when it catches an error",
        "message on failure": "an error message string when a check fails instead of raising",
        "errors in parameter": "None when a check fails, leaving the error messages in a list the caller passed",
        "dict": "a plain dictionary",
        "partial result object": "a result object on some paths and the bare result on others",
        "value": "the result itself",
    }

    #: A step of a family that changes its argument in place (see :mod:`opsgen.lint.step_families`).
    IN_PLACE_MESSAGE = (
        "OPS309 {function}() changes {parameter} in place and returns None, while {others} "
        "return a new {type}, so a caller that chains the steps ({parameter} = "
        "{function}({parameter}, ...)) goes on with None; return the changed {type} from "
        "every step"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        if "return" not in module.source or is_generated(module.source):
            return
        everything = in_service_packages(module.summary.module, module.config.service_packages)
        init = None if everything or is_services_module(module.summary.module) else _reexporting_package(module.index, module.summary.module)
        if init is not None:
            module.read_paths.add(init.path)  # the findings depend on what it re-exports
            yield from self.check_functions(module, init.module)
        elif everything or is_services_module(module.summary.module):
            yield from self.check_functions(module)
        else:
            yield from self.check_function_groups(module)
        reported: set[int] = set()
        if may_define_services(module.source):
            services = {service.entries[0]: service.node for service in service_classes(module.tree, everything) if service.entries}
            wrappers = result_wrappers(module) if services else frozenset()
            for entry, shape, other in self.differing(module, list(services.items()), wrappers):
                reported.add(entry.lineno)
                message = self.MESSAGE.format(service=services[entry].name, method=entry.name, shape=shape, other=other)
                yield module.finding(self.code, message, entry.lineno, entry.col_offset)
        if SERVICE_CLASS.search(module.source):
            for finding in self.check_methods(module):
                if finding.line not in reported:
                    yield finding
        for step in in_place_steps(module.tree):
            others = and_list([f"{member.name}()" for member in step.returning])
            message = self.IN_PLACE_MESSAGE.format(function=step.function.name, parameter=step.parameter, others=others, type=step.value_type)
            yield module.finding(self.code, message, step.function.lineno, step.function.col_offset)

    def check_methods(self, module: ModuleContext) -> Iterator[Finding]:
        """Report a method of a service class that breaks the failure convention of two or more sibling methods."""
        for node in module.tree.body:
            if not (isinstance(node, ast.ClassDef) and (node.name.endswith(SERVICE_BASE_SUFFIXES) or any(b.endswith(SERVICE_BASE_SUFFIXES) for b in base_names(node)))):
                continue
            methods = public_methods(node)
            if len(methods) < 3:
                continue  # a convention needs two methods besides the one that departs from it
            defined = [item for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and not is_overload(item)]
            facts = {member.node: member for member in member_facts(defined, module.qualify, through_self=True).values()}
            for method, template, fields in self.departures(methods, facts, node, result_wrappers(module)):
                message = template.format(member=f"{node.name}.{method.name}()", others="the class's other methods", **fields)
                yield module.finding(self.code, message, method.lineno, method.col_offset)

    def departures(
        self, members: Sequence[Method], facts: Mapping[Method, Member], owner: ast.ClassDef | None, wrappers: frozenset[str]
    ) -> Iterator[tuple[Method, str, dict[str, str]]]:
        """Yield each member that fails another way than two or more of its siblings, with a
        message template and its fields. The caller fills ``{member}`` and ``{others}``.
        ``wrappers`` name the decorators that wrap a result in a result object."""
        members = [member for member in members if member in facts]  # a redefined function keeps only its last facts
        shapes = {member: result_shape(member, owner, wrappers) for member in members}
        for member in members:
            others = [other for other in members if other is not member]
            shape = shapes[member]
            # A sibling that returns the same pair or envelope and raises too shares the convention.
            raising = [other for other in others if facts[other].raises and not (shapes[other] == shape and shape in RAISED_INSTEAD)]
            departure = self.raising_departure(member, shape, facts, raising) if len(raising) >= 2 else None
            if departure is None and shape == "callbacks" and len(raising) >= 2:
                departure = self.describe(member, owner, shape)  # an error callback in place of a raise
            if departure is not None:
                yield member, self.MEMBER_MESSAGE, {"shape": departure}
                continue
            raised = self.raised_departure(member, facts, others)
            if raised is not None:
                yield member, *raised
                continue
            wrapped = {shapes[other] for other in others if shapes[other] is not None}
            if len(wrapped) == 1 and (common := wrapped.pop()) in WRAPPED_RESULTS and shape not in (common, None, *DEPARTURES, "generator"):
                # A bare value only departs when no return may hold a wrapped one (a name, ``self.wrap(...)``).
                bare = shape != "value" or all(is_bare_result(value) for value in returned_values(member))
                if bare and sum(1 for other in others if shapes[other] == common) >= 2:
                    yield member, self.WRAPPED_MESSAGE, {"shape": self.SHAPES[shape or "value"], "other": self.SHAPES[common]}

    def raising_departure(self, member: Method, shape: str | None, facts: Mapping[Method, Member], raising: Sequence[Method]) -> str | None:
        """Describe how ``member`` hands back a failure that its ``raising`` siblings raise, or None."""
        if shape == "pair" and returns_created_flag(returned_values(member)):
            return None  # ``(order, created)``, as ``get_or_create()`` returns
        if shape in RAISED_INSTEAD:
            return self.SHAPES[shape]
        partial = failure_shape(member)
        if partial is not None:
            return self.SHAPES[partial] + " on some paths"
        if returns_none_when_missing(member) and any(facts[other].raises_on_missing for other in raising):
            return "None when the object it looks up is missing"
        if returns_optional_lookup(member) and not facts[member].raises_on_missing:
            # ``get_invitation()`` returns None where ``get_user()`` and ``get_team()`` raise for a missing row.
            lookups = [other for other in raising if facts[other].raises_on_missing and verb_of(other.name) == verb_of(member.name)]
            if len(lookups) >= 2:
                return "None when the object it looks up is missing"
        if returns_none_on_failed_check(member):
            return "None when a check fails"
        if not raises(member) and returns_flag(member) and not any(returns_flag(other) for other in raising):
            return "True or False for whether it worked"
        return None

    def raised_departure(self, member: Method, facts: Mapping[Method, Member], others: Sequence[Method]) -> tuple[str, dict[str, str]] | None:
        """Return the message template and fields for a member that raises a web framework's HTTP
        error or built-in exceptions where two or more siblings raise the layer's own errors."""
        raised = facts[member].raised
        own = [other for other in others if facts[other].raised.get("own")]
        if len(own) < 2:
            return None
        other_kinds = {kind for other in others for kind in facts[other].raised}
        fields = {"own": and_list(unique([name for other in own for name in facts[other].raised["own"]]))}
        if "http" in raised and "http" not in other_kinds:
            return self.HTTP_MESSAGE, {"raised": and_list(unique(raised["http"])), **fields}
        if set(raised) == {"builtin"} and "builtin" not in other_kinds:
            return self.BUILTIN_MESSAGE, {"raised": and_list(unique(raised["builtin"])), **fields}
        return None

    def check_functions(self, module: ModuleContext, package: str | None = None) -> Iterator[Finding]:
        """Compare the result shapes and failures of the public functions of a service module.

        A module with fewer than three functions that return a value, directly inside a
        service-layer package, is compared with the functions of the package's other
        service modules: a layer split into one module for each use case. ``package``
        names the service-layer package whose ``__init__`` re-exports the functions of a
        module deeper inside it.
        """
        functions = service_functions(module.tree)
        facts = module_facts(module.tree, module.qualify)
        wrappers = result_wrappers(module)
        if sum(1 for function in functions if result_shape(function, None, wrappers) is not None) >= 3:
            reported: set[Method] = set()
            for function, shape, other in self.differing(module, [(function, None) for function in functions], wrappers):
                reported.add(function)
                message = self.FUNCTION_MESSAGE.format(function=function.name, shape=shape, other=other)
                yield module.finding(self.code, message, function.lineno, function.col_offset)
            yield from self.function_departures(module, functions, functions, facts, "the module's other service functions", reported, wrappers)
            return
        if not any(result_shape(function, None, wrappers) is not None for function in functions):
            return
        package = package or module.summary.module.rpartition(".")[0]
        if package.rpartition(".")[2] not in SERVICE_PACKAGE_NAMES:
            return
        # NOTE: a module added to the package later does not invalidate the findings
        # cached for its siblings; they are compared with it after they change.
        pool = list(functions)
        for path in _service_modules_of(module.analysis, package):
            tree = module.project_tree(path) if path != module.path else None
            if tree is not None:
                imports = module.index.modules[path].imports
                pool.extend(service_functions(tree))
                facts.update(module_facts(tree, qualifier(imports)))
                wrappers |= result_decorators(tree, imports) | imported_result_wrappers(module, tree, imports)
        if sum(1 for function in pool if result_shape(function, None, wrappers) is not None) < 3:
            return
        own = set(functions)
        reported = set()
        for function, shape, other in self.differing(module, [(function, None) for function in pool], wrappers):
            if function in own:
                reported.add(function)
                message = self.PACKAGE_MESSAGE.format(function=function.name, shape=shape, other=other, package=package)
                yield module.finding(self.code, message, function.lineno, function.col_offset)
        others = f"the other service functions of package {package}"
        yield from self.function_departures(module, pool, functions, facts, others, reported, wrappers)

    def check_function_groups(self, module: ModuleContext) -> Iterator[Finding]:
        """Compare the failures of the functions of each dispatch table, and of the public
        functions of a module when two or more of them, and at least half, raise its own exceptions."""
        if "def " not in module.source:
            return
        tables = dispatch_tables(module.tree)
        errors = module_errors(module.tree) | imported_errors(module.summary.imports)
        functions = [function for function in service_functions(module.tree) if not is_route_handler(function)]
        # The raise statements of the module's errors bound the functions that raise them, so
        # most modules are left here before their functions are read.
        raised = sum(module.source.count("raise " + error) for error in errors)
        if not tables and (raised < 2 or 2 * raised < len(functions)):
            return
        facts = module_facts(module.tree, module.qualify)
        wrappers = result_wrappers(module)
        by_name = {member.node.name: member.node for member in facts.values()}
        reported: set[Method] = set()
        for table, names in tables:
            handlers = [by_name[name] for name in names]
            findings = self.function_departures(module, handlers, handlers, facts, f"the other functions of {table}", reported, wrappers)
            for finding in findings:
                reported.add(next(handler for handler in handlers if handler.lineno == finding.line))
                yield finding
        raising = [function for function in functions if function in facts and errors.intersection(facts[function].raised.get("own", ()))]
        # A module of many helpers, a few of which raise its errors, is a library, not one interface.
        if len(raising) >= 2 and 2 * len(raising) >= len(functions):
            yield from self.function_departures(module, functions, functions, facts, "the module's other functions", reported, wrappers)

    def function_departures(
        self,
        module: ModuleContext,
        pool: Sequence[Method],
        own: Sequence[Method],
        facts: Mapping[Method, Member],
        others: str,
        reported: set[Method],
        wrappers: frozenset[str],
    ) -> Iterator[Finding]:
        """Report each function of ``own`` that fails another way than the other functions of
        ``pool``, unless its shape is already ``reported``."""
        for function, template, fields in self.departures(pool, facts, None, wrappers):
            if function in own and function not in reported:
                message = template.format(member=f"{function.name}()", others=others, **fields)
                yield module.finding(self.code, message, function.lineno, function.col_offset)

    def differing(
        self, module: ModuleContext, entries: Sequence[tuple[Method, ast.ClassDef | None]], wrappers: frozenset[str]
    ) -> Iterator[tuple[Method, str, str]]:
        """Yield each entry whose result shape differs from the usual one, with both shapes' descriptions.

        Each entry comes with its service class, or None for a function. ``wrappers`` name
        the decorators that wrap a result in a result object.
        """
        owners = dict(entries)
        shaped = [(entry, shape) for entry, owner in entries if (shape := result_shape(entry, owner, wrappers)) is not None]
        if not any(raises(entry) for entry, shape in shaped if shape not in ONLY_BESIDE_RAISING):
            # A message string, or one left in a list parameter, breaks a convention only where the other services raise.
            shaped = [(entry, "value" if shape in ONLY_BESIDE_RAISING else shape) for entry, shape in shaped]
        conventions = [shape for _, shape in shaped if shape not in DEPARTURES]
        common = usual(conventions)
        reported: set[Method] = set()
        if common is not None:
            for entry, shape in shaped:
                if shape != common and shape not in DEPARTURES:
                    reported.add(entry)
                    yield entry, self.describe(entry, owners[entry], shape), self.SHAPES[common]

        # Callbacks, task handles and attributes only depart from a convention that two or
        # more services share, and more services than depart from it.
        shared = common or (conventions[0] if conventions else None)
        departing = [(entry, shape) for entry, shape in shaped if shape in DEPARTURES]
        if shared is not None and departing and conventions.count(shared) >= 2 and conventions.count(shared) > len(departing):
            for entry, shape in departing:
                reported.add(entry)
                yield entry, self.describe(entry, owners[entry], shape), self.SHAPES[shared]

        # Plain dictionaries beside typed models: both are "the result itself" above.
        classes = module_classes(module.tree)
        models = [model for entry, _ in shaped if (model := typed_model(entry, classes)) is not None]
        dicts = [entry for entry, _ in shaped if entry not in reported and returns_plain_dict(entry)]
        if len(models) >= 2 and len(dicts) < len(models):
            other = "a typed model (" + ", ".join(sorted(set(models))) + ")"
            for entry in dicts:
                yield entry, self.SHAPES["dict"], other

    def describe(self, entry: Method, owner: ast.ClassDef | None, shape: str) -> str:
        """Describe one entry's shape, naming its callbacks, task calls or attributes."""
        if shape == "callbacks":
            return "nothing, handing the outcome to the callbacks " + and_list(outcome_callbacks(entry, owner))
        if shape == "task handle":
            return "a task handle from " + and_list(task_handles(entry)) + ", which callers must wait on for the result"
        if shape == "attributes":
            flag = any(isinstance(node, ast.Return) and isinstance(node.value, ast.Constant) and node.value.value is not None for node in scope_nodes(entry.body))
            returned = "only True or False" if flag else "nothing"
            return f"{returned}, leaving the result in {and_list(stored_results(entry, owner))} for callers to read afterwards"
        return self.SHAPES[shape]

    VALID = [
        # A finder named for what it does returns None beside lookups that raise.
        LOOKUP_EXAMPLE
        + "def find_invitation(token):\n"
        "    return Invitation.objects.filter(token=token).first()\n",
        # Every service returns a pair: one convention, even if not the best one.
        "class Charge:\n"
        "    def execute(self):\n"
        "        return None, 'declined'\n\n"
        "class Refund:\n"
        "    def execute(self):\n"
        "        return self.amount, None\n",
        # A tuple of two results is a value, not an outcome pair.
        "class Totals:\n"
        "    def execute(self):\n"
        "        return self.net, self.gross\n\n"
        "class Rename:\n"
        "    def execute(self):\n"
        "        return self.project\n",
        # Returning nothing is left to the other rules.
        "class Archive:\n"
        "    def execute(self):\n"
        "        self.project.archived = True\n\n"
        "class Rename:\n"
        "    def execute(self):\n"
        "        return {'ok': True}\n",
        # Every report enqueues its work: one convention, and a handle is never taken as one.
        "class LedgerReport:\n"
        "    def run(self):\n"
        "        return render_ledger.delay(self.account_pk)\n\n"
        "class InvoiceReport:\n"
        "    def run(self):\n"
        "        return render_invoices.delay(self.account_pk)\n\n"
        "class BalanceReport:\n"
        "    def run(self):\n"
        "        return render_balance(self.account_pk)\n",
        # A progress callback reports progress; the result is still returned.
        "class ImportProducts:\n"
        "    def run(self):\n"
        "        return load_products(self.rows)\n\n"
        "class ImportPrices:\n"
        "    def run(self):\n"
        "        return load_prices(self.rows)\n\n"
        "class ImportContacts:\n"
        "    def __init__(self, rows, on_progress):\n"
        "        self.rows = rows\n"
        "        self.on_progress = on_progress\n\n"
        "    def run(self):\n"
        "        self.on_progress(0)\n"
        "        return load_contacts(self.rows)\n",
        # A finder of a service class returns None for a missing row: a convention of its own.
        "class AccountService:\n"
        "    def deposit(self, account, amount):\n"
        "        if amount <= 0:\n"
        "            raise ValueError(amount)\n"
        "        account.balance += amount\n\n"
        "    def freeze(self, account):\n"
        "        if account.frozen:\n"
        "            raise ValueError('already frozen')\n"
        "        account.frozen = True\n\n"
        "    def find(self, pk):\n"
        "        try:\n"
        "            return Account.objects.get(pk=pk)\n"
        "        except Account.DoesNotExist:\n"
        "            return None\n",
        # A question of a service class answers True or False; its siblings still raise.
        "class OrderService:\n"
        "    def ship(self, order):\n"
        "        if order.shipped:\n"
        "            raise OrderError('already shipped')\n"
        "        order.shipped = True\n"
        "        return order\n\n"
        "    def pay(self, order):\n"
        "        if order.paid:\n"
        "            raise OrderError('already paid')\n"
        "        order.paid = True\n"
        "        return order\n\n"
        "    def can_cancel(self, order) -> bool:\n"
        "        return not order.shipped\n",
    ]
    INVALID = [
        # Handlers of one dispatch table: two raise, one returns a Flask response tuple.
        "from flask import jsonify\n\n"
        "def open_card(board, payload):\n"
        "    if board.closed:\n"
        "        raise CommandRejected('board is closed')\n"
        "    return board.add_card(payload['title'])\n\n"
        "def rename_card(board, payload):\n"
        "    if not payload['title']:\n"
        "        raise CommandRejected('empty title')\n"
        "    return board.rename_card(payload['card'], payload['title'])\n\n"
        "def close_board(board, payload):  # OPS309\n"
        "    if board.open_cards:\n"
        "        return jsonify(error='open cards'), 409\n"
        "    board.closed = True\n"
        "    return board\n\n"
        "HANDLERS = {'open': open_card, 'rename': rename_card, 'close': close_board}\n",
        # Look-ups of a module that raises its own errors: one returns None for a missing row.
        LOOKUP_EXAMPLE
        + "def get_invitation(token):  # OPS309\n"
        "    return Invitation.objects.filter(token=token).first()\n",
        # Methods of one service class: two raise, one returns its error as a string.
        "class AccountService:\n"
        "    def deposit(self, account, amount):\n"
        "        if amount <= 0:\n"
        "            raise ValueError(amount)\n"
        "        account.balance += amount\n\n"
        "    def freeze(self, account):\n"
        "        if account.frozen:\n"
        "            raise ValueError('already frozen')\n"
        "        account.frozen = True\n\n"
        "    def withdraw(self, account, amount):  # OPS309\n"
        "        if account.balance < amount:\n"
        "            return 'insufficient funds'\n"
        "        account.balance -= amount\n"
        "        return account.balance\n",
        # One method returns None for an unknown id, where its siblings raise OrderNotFound.
        "class OrderService:\n"
        "    def get(self, order_id):\n"
        "        try:\n"
        "            return Order.objects.get(pk=order_id)\n"
        "        except Order.DoesNotExist:\n"
        "            raise OrderNotFound(order_id) from None\n\n"
        "    def ship(self, order_id):\n"
        "        order = self.get(order_id)\n"
        "        order.shipped = True\n"
        "        order.save()\n"
        "        return order\n\n"
        "    def rename(self, order_id, name):  # OPS309\n"
        "        order = Order.objects.filter(pk=order_id).first()\n"
        "        if order is None:\n"
        "            return None\n"
        "        order.name = name\n"
        "        order.save()\n"
        "        return order\n",
        # An HTTP error raised from the service layer, beside the project's own errors.
        "from fastapi import HTTPException\n\n"
        "class ProjectService:\n"
        "    async def create(self, name):\n"
        "        if await self.repository.exists(name):\n"
        "            raise DuplicateProjectName(name)\n"
        "        return await self.repository.add(name)\n\n"
        "    async def archive(self, project_id):\n"
        "        project = await self.repository.get(project_id)\n"
        "        if project is None:\n"
        "            raise ProjectNotFound(project_id)\n"
        "        project.archived = True\n"
        "        return project\n\n"
        "    async def rename(self, project_id, name):  # OPS309\n"
        "        project = await self.repository.get(project_id)\n"
        "        if project is None:\n"
        "            raise HTTPException(status_code=404)\n"
        "        project.name = name\n"
        "        return project\n",
        # Service functions: two return the order, one a pair and one an envelope.
        Example(
            "def place_order(cart):\n"
            "    return Order.objects.create(total=cart.total)\n\n"
            "def ship_order(order):\n"
            "    order.ship()\n"
            "    return order\n\n"
            "def cancel_order(order):  # OPS309\n"
            "    if order.shipped:\n"
            "        return False, 'already shipped'\n"
            "    return True, None\n\n"
            "def refund_order(order, amount):  # OPS309\n"
            "    return {'ok': amount <= order.total}\n",
            path="orders/services.py",
        ),
        "class AddStock:\n"
        "    def execute(self):\n"
        "        return self.item\n\n"
        "class MoveStock:\n"
        "    def execute(self):\n"
        "        return self.item\n\n"
        "class RemoveStock:\n"
        "    def execute(self):  # OPS309\n"
        "        if self.item.count < self.count:\n"
        "            return None, 'not enough stock'\n"
        "        return self.item, None\n",
        "class Subscribe:\n"
        "    def call(self):\n"
        "        return {'ok': True, 'subscription': self.plan}\n\n"
        "class Unsubscribe:\n"
        "    def call(self):\n"
        "        return {'ok': False, 'error': 'not subscribed'}\n\n"
        "class Upgrade:\n"
        "    def call(self):  # OPS309\n"
        "        return self.plan\n",
        # An HTTP response from one service, the object itself from the others.
        "from django.http import JsonResponse\n\n"
        "class PublishPost:\n"
        "    def execute(self):\n"
        "        return self.post\n\n"
        "class UnpublishPost:\n"
        "    def execute(self):\n"
        "        return self.post\n\n"
        "class SchedulePost:\n"
        "    def execute(self):  # OPS309\n"
        "        if self.when is None:\n"
        "            return JsonResponse({'error': 'missing time'}, status=400)\n"
        "        return JsonResponse({'id': self.post.pk})\n",
        # One exporter yields progress, so a plain call writes nothing.
        "class ExportOrders:\n"
        "    def run(self):\n"
        "        return self.write(self.orders)\n\n"
        "class ExportInvoices:\n"
        "    def run(self):\n"
        "        return self.write(self.invoices)\n\n"
        "class ExportCustomers:\n"
        "    def run(self):  # OPS309\n"
        "        for number, customer in enumerate(self.customers):\n"
        "            self.write_row(customer)\n"
        "            yield number\n",
        # One service turns a caught error into None, the others let it propagate.
        "class CreateCustomer:\n"
        "    def call(self):\n"
        "        validate_email(self.email)\n"
        "        return Customer.objects.create(email=self.email)\n\n"
        "class UpdateCustomer:\n"
        "    def call(self):\n"
        "        validate_email(self.email)\n"
        "        return self.customer\n\n"
        "class FindCustomer:\n"
        "    def call(self):  # OPS309\n"
        "        try:\n"
        "            validate_email(self.email)\n"
        "        except ValidationError:\n"
        "            return None\n"
        "        return Customer.objects.get(email=self.email)\n",
        # dry-python returns' containers beside a plain value.
        "from returns.result import Failure, Success\n\n"
        "class Charge:\n"
        "    def __call__(self, order):\n"
        "        return Success(order.total) if order.total else Failure('nothing to charge')\n\n"
        "class Refund:\n"
        "    def __call__(self, order):\n"
        "        return Success(order.total)\n\n"
        "class Cancel:\n"
        "    def __call__(self, order):  # OPS309\n"
        "        return order\n",
        # Callbacks handed to the constructor in place of a return value and a raise.
        "class RenewSubscription:\n"
        "    def __init__(self, subscription):\n"
        "        self.subscription = subscription\n\n"
        "    def execute(self):\n"
        "        return self.subscription.renew()\n\n"
        "class CancelSubscription:\n"
        "    def __init__(self, subscription):\n"
        "        self.subscription = subscription\n\n"
        "    def execute(self):\n"
        "        return self.subscription.cancel()\n\n"
        "class ChangePlan:\n"
        "    def __init__(self, subscription, plan, on_success, on_error):\n"
        "        self.subscription = subscription\n"
        "        self.plan = plan\n"
        "        self.on_success = on_success\n"
        "        self.on_error = on_error\n\n"
        "    def execute(self):  # OPS309\n"
        "        try:\n"
        "            self.on_success(self.subscription.change_plan(self.plan))\n"
        "        except PlanError as exc:\n"
        "            self.on_error(exc)\n",
        # One report returns the Celery AsyncResult, the others the rendered document.
        "class LedgerReport:\n"
        "    def run(self):\n"
        "        return render_ledger(self.account)\n\n"
        "class BalanceReport:\n"
        "    def run(self):\n"
        "        return render_balance(self.account)\n\n"
        "class InvoiceReport:\n"
        "    def run(self):  # OPS309\n"
        "        return render_invoices_task.delay(self.account.pk)\n",
        # One importer leaves its contacts and rejects in attributes for the caller to read.
        "class ImportProducts:\n"
        "    def run(self):\n"
        "        return [row.to_product() for row in self.rows]\n\n"
        "class ImportPrices:\n"
        "    def run(self):\n"
        "        return [row.to_price() for row in self.rows]\n\n"
        "class ImportContacts:\n"
        "    def __init__(self, rows):\n"
        "        self.rows = rows\n"
        "        self.rejected = []\n\n"
        "    def run(self):  # OPS309\n"
        "        self.contacts = [row.to_contact() for row in self.rows if row.email]\n"
        "        self.rejected.extend(row for row in self.rows if not row.email)\n",
    ]
