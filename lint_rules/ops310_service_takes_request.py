"""OPS310: a service that is handed the HTTP request while its neighbours take plain values."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from opsgen.lint.rule import Finding, ModuleContext, Rule
from opsgen.lint.services import Method, ServiceClass, in_service_packages, is_generated, may_define_services, service_classes

#: Parameter names that hold the web framework's request object.
REQUEST_NAMES = frozenset({"request", "req", "http_request"})


def request_parameter(method: Method) -> ast.arg | None:
    """Return the parameter of ``method`` that takes an HTTP request, by name or by annotation."""
    arguments = method.args
    for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
        annotation = ast.unparse(argument.annotation) if argument.annotation is not None else ""
        if argument.arg in REQUEST_NAMES or annotation.strip("'\"").rpartition(".")[2].endswith("Request"):
            return argument
    return None


def request_taker(service: ServiceClass) -> Method | None:
    """Return the constructor or entry method through which the service gets a request, else None."""
    constructors = [
        item for item in service.node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name == "__init__"
    ]
    for method in [*constructors, *service.entries[:1]]:
        if request_parameter(method) is not None:
            return method
    return None


#: Two services built with plain values, for the examples.
_PLAIN_SERVICES = (
    "class CreateProject:\n"
    "    def __init__(self, owner, name):\n"
    "        self.owner = owner\n"
    "        self.name = name\n\n"
    "    def execute(self):\n"
    "        return self.name\n\n"
    "class RenameProject:\n"
    "    def __init__(self, project, name):\n"
    "        self.project = project\n"
    "        self.name = name\n\n"
    "    def execute(self):\n"
    "        return self.project\n\n"
)


class ServiceTakesRequest(Rule):
    """Flags a service that takes the HTTP request object while the module's other services take plain values.

    What it does:
        Finds the service classes of a module as OPS303 does. Reports the ``__init__`` or
        entry method of each one that takes the request, through a parameter named
        ``request`` (or ``req``) or annotated as a ``...Request`` type, when two or more
        other services of the module take none. A module whose services all take the request has one convention and
        is left alone, and so is a middleware class, which the framework calls with the
        request.

    Why is this bad:
        The service reads its inputs out of the request (``request.user``,
        ``request.POST["id"]``), so it can run only inside a web request: a Celery task, a
        management command or a test must fake one, while its neighbours take the values
        they need. Callers must also learn which services want the request.

    Example:
        class RenameProject:
            def __init__(self, project, name): ...

        class ArchiveProject:
            def __init__(self, request):
                self.request = request

    Use instead:
        class RenameProject:
            def __init__(self, project, name): ...

        class ArchiveProject:
            def __init__(self, project):
                self.project = project
    """

    code = "OPS310"
    name = "non-uniform-interface"
    scope = "module"
    MESSAGE = (
        "OPS310 {service}.{method}() takes the HTTP request ({parameter}) while the module's "
        "other services take plain values, so it runs only inside a web request; read the "
        "values in the view and pass them to the service"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        source = module.source
        if ("req" not in source and "Req" not in source) or not may_define_services(source) or is_generated(source):
            return
        everything = in_service_packages(module.summary.module, module.config.service_packages)
        services = [service for service in service_classes(module.tree, everything) if service.entries]
        takers = [(service, request_taker(service)) for service in services if "Middleware" not in service.node.name]
        if sum(1 for _, method in takers if method is None) < 2 or all(method is None for _, method in takers):
            return  # a convention needs two services that take plain values to set it
        for service, method in takers:
            if method is None:
                continue
            parameter = request_parameter(method)
            assert parameter is not None
            message = self.MESSAGE.format(service=service.node.name, method=method.name, parameter=parameter.arg)
            yield module.finding(self.code, message, method.lineno, method.col_offset)

    VALID = [
        # Every service takes plain values.
        _PLAIN_SERVICES
        + "class ArchiveProject:\n"
        "    def __init__(self, project):\n"
        "        self.project = project\n\n"
        "    def execute(self):\n"
        "        return self.project\n",
        # Middleware takes the request because the framework calls it with one.
        "class TimingMiddleware:\n"
        "    def __init__(self, get_response):\n"
        "        self.get_response = get_response\n\n"
        "    def __call__(self, request):\n"
        "        return self.get_response(request)\n\n"
        "class Slugify:\n"
        "    def __call__(self, text):\n"
        "        return text.lower()\n\n"
        "class Titlecase:\n"
        "    def __call__(self, text):\n"
        "        return text.title()\n",
        # Every service takes the request: one convention.
        "class ListOrders:\n"
        "    def execute(self, request):\n"
        "        return request.user.orders\n\n"
        "class ShowOrder:\n"
        "    def execute(self, request):\n"
        "        return request.user.orders.first()\n",
    ]
    INVALID = [
        _PLAIN_SERVICES
        + "class ArchiveProject:\n"
        "    def __init__(self, request):  # OPS310\n"
        "        self.request = request\n\n"
        "    def execute(self):\n"
        "        return self.request.POST['project_id']\n",
        # Annotated with the framework's request type, taken at call time.
        "from django.http import HttpRequest\n\n"
        "class CreateTag:\n"
        "    def __call__(self, name):\n"
        "        return name\n\n"
        "class DeleteTag:\n"
        "    def __call__(self, tag):\n"
        "        return tag\n\n"
        "class ImportTags:\n"
        "    def __call__(self, incoming: HttpRequest):  # OPS310\n"
        "        return incoming.FILES['tags']\n",
    ]
