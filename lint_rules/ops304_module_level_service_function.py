"""OPS304: a service written as a module-level function."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from opsgen.lint.failure_conventions import WRITE_METHODS
from opsgen.lint.orm import scope_nodes
from opsgen.lint.rule import Example, Finding, ModuleContext, Rule
from opsgen.lint.services import is_generated, is_hook_implementation, in_service_packages, may_define_services, service_classes
from opsgen.lint.summary import is_overload

Function = ast.FunctionDef | ast.AsyncFunctionDef

#: Decorators that register a function for the framework to call on an event.
_HOOK_DECORATORS = frozenset({"django.dispatch.receiver()", "sqlalchemy.event.listens_for()"})


#: Calls that build plain data from their arguments.
_PLAIN_DATA_CALLS = frozenset({"list", "tuple", "set", "frozenset", "dict", "sorted"})


def _is_plain_data(value: ast.expr | None) -> bool:
    """Return True for a constant other than None, a list, tuple, set or dict display or
    comprehension, or a call of :data:`_PLAIN_DATA_CALLS`."""
    if isinstance(value, ast.Constant):
        return value.value is not None
    if isinstance(value, (ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp, ast.SetComp, ast.DictComp, ast.JoinedStr)):
        return True
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in _PLAIN_DATA_CALLS


def _always_returns(body: list[ast.stmt]) -> bool:
    """Return True when every path through ``body`` ends in a ``return`` of a value or a
    ``raise``: its last statement is one, or an ``if`` or ``try`` whose branches all end so."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, ast.Raise):
        return True
    if isinstance(last, ast.Return):
        return last.value is not None
    if isinstance(last, ast.If):
        return _always_returns(last.body) and _always_returns(last.orelse)
    if isinstance(last, ast.Try):
        # The body either returns itself or falls through to the else clause.
        normal = _always_returns(last.body) or _always_returns(last.orelse)
        return normal and all(_always_returns(handler.body) for handler in last.handlers)
    return False


def plugin_hook_words(tree: ast.Module) -> set[str]:
    """Return the first words of the plugin hooks the module marks with ``@hookimpl``, as
    ``pytest`` for ``pytest_configure()``, whether the marked hook is a function or a method.

    A plugin module marks only the hooks that need options (``@hookimpl(tryfirst=True)``),
    so its unmarked functions named with the same first word are hooks too.
    """
    words = set()
    for statement in tree.body:
        body = statement.body if isinstance(statement, ast.ClassDef) else [statement]
        for item in body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and "_" in item.name.strip("_") and is_hook_implementation(item):
                words.add(item.name.partition("_")[0])
    return words


def _arguments(call: ast.Call) -> Iterator[ast.expr]:
    """Yield the values passed to ``call``, and the items of a list, tuple or set passed to it."""
    for value in [*call.args, *(keyword.value for keyword in call.keywords)]:
        if isinstance(value, ast.Starred):
            value = value.value
        yield value
        if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
            yield from value.elts
        elif isinstance(value, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            yield value.elt


#: Two service classes that share ``execute()``, for the examples.
_ENROLLMENT_SERVICES = (
    "class EnrollStudent:\n"
    "    def execute(self):\n"
    "        return self.course\n\n"
    "class DropStudent:\n"
    "    def execute(self):\n"
    "        return self.enrollment\n\n"
)


class ModuleLevelServiceFunction(Rule):
    """Flags a service written as a module-level function.

    What it does:
        In a module of ``service-packages``, reports every public module-level function
        that the module itself does not call (a function its services call is a helper).
        A signal receiver or event listener (``@receiver(...)``, ``signal.connect(f)``,
        ``@event.listens_for(...)``) is left alone anywhere: the framework calls it for
        the event, and no caller runs it by name. So is a plugin hook: a function marked
        ``@hookimpl``, or one whose name starts with the first word of a function or method
        the module marks so (``pytest_configure()`` beside a marked
        ``pytest_cmdline_main()``). Elsewhere, in a module that defines service classes
        (see OPS303), reports a public
        module-level function that another function of the module calls beside those
        services: that caller treats it as one more service with its own convention.
        A helper that computes plain data for the caller is left alone: it takes no
        required parameter, and every path returns a constant, a list, tuple, set or dict
        display or comprehension, or ``list()``, ``sorted()`` and the like. It calls
        nothing that writes or has a side effect (``get_available_image_extensions()``
        beside Django's validators). A
        service built only to be passed to one of the module's functions
        (``skip_if(NotPredicate(p))``) is a value, not a service the caller runs. Beside
        two or more service classes it also reports a public function that nothing in the
        module calls and that changes what it is given (sets a field or item of a
        parameter, or saves or deletes one): the module's callers run it as one more service.

    Why is this bad:
        A function takes its inputs at call time and runs wherever it is called, while the
        service classes next to it are built and then run: callers mix two conventions, and
        the function gets none of what the services share (logging, transactions, the
        opsgen pipeline).

    Example:
        class InvoiceBuilder:
            def run(self): ...

        def send_receipt(order):
            order.customer.notify("receipt", order_id=order.pk)

        def checkout(order):
            lines = InvoiceBuilder(order).run()
            send_receipt(order)

    Use instead:
        class ReceiptSender:
            def run(self): ...

        def checkout(order):
            lines = InvoiceBuilder(order).run()
            ReceiptSender(order).run()
    """

    code = "OPS304"
    name = "non-uniform-interface"
    scope = "module"
    MESSAGE = (
        "OPS304 {function}() is a service written as a module-level function {where}, so "
        "callers mix calling conventions; make it a service class with the module's entry "
        "method, or an opsgen operation"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        package = module.summary.module
        in_package = in_service_packages(package, module.config.service_packages)
        if (not in_package and not may_define_services(module.source)) or is_generated(module.source):
            return
        tree = module.tree
        hooks = self.framework_hooks(module)
        hook_words = plugin_hook_words(tree)
        functions = {
            s.name: s
            for s in tree.body
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
            and not s.name.startswith("_")
            and s.name not in hooks
            and s.name.partition("_")[0] not in hook_words
            and not is_overload(s)
            and not is_hook_implementation(s)
        }
        if not functions:
            return
        if in_package:
            where = f"in service package {package}"
            helpers = self.called_in_module(tree, set(functions))
            for function in functions.values():
                if function.name in helpers:
                    continue  # a helper the module's own services call, not an entry point
                yield module.finding(self.code, self.MESSAGE.format(function=function.name, where=where), function.lineno, function.col_offset)
            return

        services = {service.node.name for service in service_classes(tree)}
        if not services:
            return
        flagged: dict[str, str] = {}
        for caller in functions.values():
            called, uses_service = self.calls_of(caller, services, functions)
            if uses_service:
                for name in called:
                    if name not in flagged and not self.computes_plain_data(module, functions[name]):
                        flagged[name] = f"beside the service classes {caller.name}() calls"
        if len(services) >= 2:
            # A function nothing here calls, which changes what it is given, is one more
            # service that callers elsewhere run in their own way.
            called_here = self.called_in_module(tree, set(functions))
            for function in functions.values():
                if function.name not in called_here and self.changes_parameter(function):
                    flagged.setdefault(function.name, "beside the module's service classes")
        for name in sorted(flagged, key=lambda n: functions[n].lineno):
            function = functions[name]
            yield module.finding(self.code, self.MESSAGE.format(function=name, where=flagged[name]), function.lineno, function.col_offset)

    @staticmethod
    def framework_hooks(module: ModuleContext) -> set[str]:
        """Return the names of the module-level functions registered as signal receivers or
        event listeners, by decorator or by a ``connect()`` call."""
        package = module.summary.module
        hooks = set()
        for qualname, function in module.summary.functions.items():
            if qualname != f"{package}.{function.name}":
                continue
            if function.receives or function.listens or _HOOK_DECORATORS.intersection(function.decorators):
                hooks.add(function.name)
        for connection in module.summary.connections:
            owner, _, name = connection.handler.rpartition(".")
            if owner == package:
                hooks.add(name)
        return hooks

    @staticmethod
    def computes_plain_data(module: ModuleContext, function: Function) -> bool:
        """Return True for a helper that computes a value for its caller, which is no service.

        Such a helper takes no required parameter, and every path ends in a return of plain
        data (see :func:`_is_plain_data`). It calls nothing that writes or has a side
        effect. ``get_available_image_extensions()`` in Django's validators is one.
        """
        arguments = function.args
        required = len(arguments.posonlyargs) + len(arguments.args) - len(arguments.defaults)
        if required > 0 or any(default is None for default in arguments.kw_defaults):
            return False
        if not _always_returns(function.body):
            return False
        for node in scope_nodes(function.body):
            if isinstance(node, ast.Return) and not _is_plain_data(node.value):
                return False
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITE_METHODS:
                return False
        summary = module.summary.functions.get(f"{module.summary.module}.{function.name}")
        return summary is not None and not any(module.analysis.effect(call) is not None for call in summary.calls)

    @staticmethod
    def changes_parameter(function: Function) -> bool:
        """Return True when the function sets a field or item of a parameter, or saves or deletes one."""
        arguments = function.args
        # Setting attributes on the web request (``request.user = ...``) is request plumbing.
        parameters = {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]} - {"request", "req"}
        for node in scope_nodes(function.body):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign):
                targets = [node.target]
            for target in targets:
                root = target
                while isinstance(root, (ast.Attribute, ast.Subscript)):
                    root = root.value
                if root is not target and isinstance(root, ast.Name) and root.id in parameters:
                    return True
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("save", "delete"):
                owner = node.func.value
                if isinstance(owner, ast.Name) and owner.id in parameters:
                    return True
        return False

    @staticmethod
    def called_in_module(tree: ast.Module, names: set[str]) -> set[str]:
        """Return which of ``names`` the module's own code calls by name."""
        called = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
                called.add(node.func.id)
        return called

    @staticmethod
    def calls_of(caller: Function, services: set[str], functions: dict[str, Function]) -> tuple[set[str], bool]:
        """Return the module functions ``caller`` calls and whether it also runs a service.

        A service built only to be handed to one of the module's functions
        (``skip_if(NotPredicate(p))``) is a value that function takes, not a service the
        caller runs.
        """
        called: set[str] = set()
        uses_service = False
        nodes = list(scope_nodes(caller.body))
        handed_over = {
            id(argument)
            for node in nodes
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in functions
            for argument in _arguments(node)
        }
        for node in nodes:
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id in services:
                    uses_service = uses_service or id(node) not in handed_over
                elif node.func.id in functions and node.func.id != caller.name:
                    called.add(node.func.id)
        return called, uses_service

    VALID = [
        "class InvoiceBuilder:\n"
        "    def run(self):\n"
        "        return []\n\n"
        "class ReceiptSender:\n"
        "    def run(self):\n"
        "        return None\n\n"
        "def checkout(order):\n"
        "    lines = InvoiceBuilder().run()\n"
        "    ReceiptSender().run()\n"
        "    return lines\n",
        # Private helpers are not services.
        "class InvoiceBuilder:\n"
        "    def run(self):\n"
        "        return []\n\n"
        "def _total(lines):\n"
        "    return sum(lines)\n\n"
        "def checkout(order):\n"
        "    return _total(InvoiceBuilder().run())\n",
        # A function that only computes a value, beside the services, is a helper.
        _ENROLLMENT_SERVICES
        + "def letter(points):\n"
        "    return 'A' if points >= 90 else 'B'\n",
        # A helper that lists plain data for the service it is handed to.
        "class ExtensionValidator:\n"
        "    def __init__(self, allowed):\n"
        "        self.allowed = allowed\n\n"
        "    def __call__(self, name):\n"
        "        return name.rpartition('.')[2] in self.allowed\n\n"
        "def image_extensions():\n"
        "    try:\n"
        "        import imghdr\n"
        "    except ImportError:\n"
        "        return []\n"
        "    return [kind.lower() for kind in imghdr.tests]\n\n"
        "def validate_image_name(name):\n"
        "    return ExtensionValidator(allowed=image_extensions())(name)\n",
        # No service classes here: plain functions are the convention.
        "def send_receipt(order):\n"
        "    order.notify()\n\n"
        "def checkout(order):\n"
        "    send_receipt(order)\n",
    ]
    INVALID = [
        "class InvoiceBuilder:\n"
        "    def run(self):\n"
        "        return []\n\n"
        "def send_receipt(order):  # OPS304\n"
        "    order.customer.notify('receipt', order_id=order.pk)\n\n"
        "def checkout(order):\n"
        "    lines = InvoiceBuilder().run()\n"
        "    send_receipt(order)\n"
        "    return lines\n",
        # Nothing here calls it, and it changes the enrollment it is given.
        _ENROLLMENT_SERVICES
        + "def grade_student(enrollment, grade):  # OPS304\n"
        "    enrollment.grade = grade\n"
        "    return enrollment\n",
        Example(
            "def refund(order, amount):  # OPS304\n"
            "    return min(amount, order.paid_total) + fee(order)\n\n"
            "def fee(order):\n"
            "    return 0\n\n"
            "def _helper():\n"
            "    return None\n",
            path="shop/services/refunds.py",
            config={"service-packages": ["shop.services"]},
            files={"shop/__init__.py": "", "shop/services/__init__.py": ""},
        ),
    ]
