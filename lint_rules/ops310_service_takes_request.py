"""OPS310: a service that is handed the HTTP request while its neighbours take plain values."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping

from opsgen.lint.rule import Finding, ModuleContext, Rule
from opsgen.lint.services import Method, ServiceClass, in_service_packages, is_generated, may_define_services, service_classes
from opsgen.lint.summary import is_overload

#: Parameter names that hold the web framework's request object.
REQUEST_NAMES = frozenset({"request", "req", "http_request"})
#: Classes of the request object in web frameworks: Django's ``HttpRequest`` and
#: ``WSGIRequest``, the ``Request`` of DRF, Starlette, FastAPI, Flask and aiohttp, Tornado's
#: ``HTTPServerRequest``.
REQUEST_CLASSES = frozenset({"Request", "HttpRequest", "HTTPRequest", "WSGIRequest", "ASGIRequest", "HTTPServerRequest"})
#: Packages whose ``...Request`` classes are HTTP requests.
WEB_PACKAGES = frozenset(
    {
        "django", "rest_framework", "starlette", "fastapi", "flask", "werkzeug", "aiohttp", "pyramid",
        "sanic", "falcon", "tornado", "quart", "litestar", "bottle", "ninja",
    }
)  # fmt: skip


def request_parameter(method: Method, imports: Mapping[str, str] | None = None) -> ast.arg | None:
    """Return the parameter of ``method`` that takes an HTTP request, else None.

    An annotated parameter counts when its annotation names a request class (see
    :func:`is_request_type`), whatever its name: ``request: FixtureRequest`` is pytest's, not
    a web request. A parameter without an annotation counts when it is named ``request``
    or ``req``.
    """
    arguments = method.args
    for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
        if argument.annotation is not None:
            if is_request_type(argument.annotation, imports or {}):
                return argument
        elif argument.arg in REQUEST_NAMES:
            return argument
    return None


def is_request_type(annotation: ast.expr, imports: Mapping[str, str]) -> bool:
    """Return True when an annotation names a web framework's request class: one of
    REQUEST_CLASSES, a class named ``...HttpRequest`` (a project's typed request), or a
    ``...Request`` imported from a web framework. ``Optional[...]``, unions and quoted
    annotations are looked into."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return False
    for node in ast.walk(annotation):
        if not isinstance(node, (ast.Name, ast.Attribute)):
            continue
        text = ast.unparse(node)
        root, _, rest = text.partition(".")
        qualified = imports.get(root, root) + ("." + rest if rest else "")
        name = qualified.rpartition(".")[2]
        if name in REQUEST_CLASSES or name.endswith(("HttpRequest", "HTTPRequest")):
            return True
        if name.endswith("Request") and qualified.partition(".")[0] in WEB_PACKAGES:
            return True
    return False


def request_taker(service: ServiceClass, imports: Mapping[str, str]) -> Method | None:
    """Return the constructor or entry method through which the service gets a request, else None."""
    constructors = [
        item
        for item in service.node.body
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name == "__init__" and not is_overload(item)
    ]
    for method in [*constructors, *service.entries[:1]]:
        if request_parameter(method, imports) is not None:
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
        entry method of each one that takes the request, when two or more other services
        of the module take none. A parameter takes the request when its annotation names a
        web framework's request class (``HttpRequest``, ``Request``, a project's
        ``...HttpRequest``, a ``...Request`` imported from Django, DRF, Starlette, FastAPI,
        Flask and the like), or, without an annotation, when it is named ``request`` or
        ``req``. A parameter named ``request`` but annotated with another type, such as
        pytest's ``FixtureRequest``, is not a web request. A module whose services all take the request has one convention and
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
        imports = module.summary.imports
        takers = [(service, request_taker(service, imports)) for service in services if "Middleware" not in service.node.name]
        if sum(1 for _, method in takers if method is None) < 2 or all(method is None for _, method in takers):
            return  # a convention needs two services that take plain values to set it
        for service, method in takers:
            if method is None:
                continue
            parameter = request_parameter(method, imports)
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
        # A parameter named request whose annotation is no web request: pytest's fixture request.
        "from _pytest.fixtures import FixtureRequest\n\n"
        + _PLAIN_SERVICES
        + "class TempProject:\n"
        "    def __init__(self, request: FixtureRequest):\n"
        "        self.request = request\n\n"
        "    def execute(self):\n"
        "        return self.request.node.name\n",
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
        # A DRF request, annotated in quotes.
        "from rest_framework.request import Request as DrfRequest\n\n"
        + _PLAIN_SERVICES
        + "class ArchiveProject:\n"
        "    def __init__(self, incoming: 'DrfRequest'):  # OPS310\n"
        "        self.incoming = incoming\n\n"
        "    def execute(self):\n"
        "        return self.incoming.data['project_id']\n",
    ]
