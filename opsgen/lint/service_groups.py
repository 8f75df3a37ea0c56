"""Groups of module-level functions that callers use alike, outside a module named for a service layer.

OPS309 compares the failure conventions of the functions of one group. A services module
is one group (:func:`opsgen.lint.services.is_services_module`). Two more kinds are found
here, in any module:

* A dispatch table: a module-level dictionary literal whose values are three or more of
  the module's functions (``HANDLERS = {"close_board": close_board, ...}``). Its caller
  picks one by key and cannot tell them apart, so they must fail alike.
* The public functions of a module that defines its own exception classes, or imports
  them from the project's ``errors`` or ``exceptions`` module, where two or more of those
  functions raise them. The module's errors are then its interface.
"""

from __future__ import annotations

import ast

from opsgen.lint.failure_conventions import is_builtin_exception, name_of

#: Decorator methods that register a web route: Flask's ``@app.route()`` and ``@bp.get()``,
#: FastAPI's ``@router.post()``. A view returns a response by design, so it is not
#: one of the module's services.
ROUTE_DECORATORS = frozenset({"route", "get", "post", "put", "patch", "delete", "head", "options", "websocket", "api_route"})
#: Name endings of the imported bases of exception classes: ``class Rejected(ServiceError)``.
EXCEPTION_SUFFIXES = ("Error", "Exception", "Failed")


def dispatch_tables(tree: ast.Module) -> list[tuple[str, list[str]]]:
    """Return each module-level dictionary whose values are three or more of the module's
    functions, as its name and the functions' names in source order, each once."""
    functions = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    tables: list[tuple[str, list[str]]] = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if not (isinstance(target, ast.Name) and isinstance(value, ast.Dict)):
            continue
        names = list(dict.fromkeys(item.id for item in value.values if isinstance(item, ast.Name) and item.id in functions))
        if len(names) >= 3:
            tables.append((target.id, names))
    return tables


def module_errors(tree: ast.Module) -> set[str]:
    """Return the names of the exception classes the module defines.

    A class is one when a base is a built-in exception, a class named like one
    (``...Error``, ``...Exception``, ``...Failed``) or an exception class defined earlier
    in the module: ``class UserNotFound(NotFound)`` after ``class NotFound(Exception)``.
    """
    errors: set[str] = set()
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        for base in node.bases:
            name = name_of(base)
            if name in errors or name.endswith(EXCEPTION_SUFFIXES) or is_builtin_exception(name):
                errors.add(node.name)
                break
    return errors



#: Packages whose ``exceptions`` modules hold a library's errors, not a project's own:
#: ``from django.core.exceptions import ValidationError`` makes no service layer.
LIBRARY_PACKAGES = frozenset(
    {
        "django", "rest_framework", "flask", "werkzeug", "fastapi", "starlette", "sqlalchemy", "requests", "httpx",
        "celery", "pydantic", "marshmallow", "botocore", "boto3", "stripe", "jwt", "redis", "kombu",
    }
)  # fmt: skip
#: The last part of the name of a module that contains a project's exception classes.
ERROR_MODULES = frozenset({"errors", "exceptions"})


def imported_errors(imports: dict[str, str]) -> set[str]:
    """Return the local names of exception classes imported from an ``errors`` or
    ``exceptions`` module outside the libraries above: ``from billing.errors import
    BillingError``. ``imports`` maps local names to qualified ones."""
    found = set()
    for local, qualified in imports.items():
        module, _, name = qualified.rpartition(".")
        if name.endswith(EXCEPTION_SUFFIXES) and module.rpartition(".")[2] in ERROR_MODULES:
            if module.partition(".")[0] not in LIBRARY_PACKAGES:
                found.add(local)
    return found


def is_route_handler(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Return True for a function registered as a web route, such as ``@router.post("/items")``."""
    for decorator in function.decorator_list:
        if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute) and decorator.func.attr in ROUTE_DECORATORS:
            return True
    return False
