"""A project middleware listed in MIDDLEWARE that runs the rest of the request in a transaction."""

from __future__ import annotations

from pathlib import Path

from opsgen.lint.config import load_config
from opsgen.lint.engine import lint_paths

from tests_lint_support import write_project  # type: ignore[import-not-found]

CLASS_MIDDLEWARE = """\
from django.db import transaction


class AtomicPostMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "GET":
            return self.get_response(request)
        with transaction.atomic(using="orders"):
            return self.get_response(request)
"""

PLAIN_MIDDLEWARE = """\
class TimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
"""

FACTORY_MIDDLEWARE = """\
from django.db import transaction


def atomic_requests_middleware(get_response):
    def middleware(request):
        with transaction.atomic():
            return get_response(request)

    return middleware
"""

VIEWS = """\
import requests
from django.http import HttpResponse

from shop.models import Order, Receipt


def pay(request, pk):
    order = Order.objects.get(pk=pk)
    order.save()
    requests.post("https://example.invalid/paid", json={"order": pk}, timeout=5)
    Receipt.objects.create(order=order)
    return HttpResponse()
"""


def settings(*paths: str) -> str:
    listed = "".join(f'    "{path}",\n' for path in paths)
    return f'MIDDLEWARE = [\n    "django.middleware.common.CommonMiddleware",\n{listed}]\n'


def lint(root: Path, cache: bool = False) -> list[tuple[str, int, str]]:
    result = lint_paths([root], load_config(root), use_cache=cache)
    return [(Path(f.path).name, f.line, f.code) for f in result.findings]


def project(tmp_path: Path, middleware: str, listed: tuple[str, ...]) -> Path:
    files = {
        "shop/__init__.py": "",
        "shop/middleware.py": middleware,
        "shop/settings.py": settings(*listed),
        "shop/views.py": VIEWS,
    }
    return write_project(tmp_path / "project", files)


def test_class_middleware_puts_views_in_transaction(tmp_path: Path) -> None:
    root = project(tmp_path, CLASS_MIDDLEWARE, ("shop.middleware.AtomicPostMiddleware",))
    result = lint_paths([root], load_config(root), use_cache=False)
    assert [(Path(f.path).name, f.line, f.code) for f in result.findings] == [("views.py", 10, "OPS101")]
    finding = result.findings[0]
    assert "middleware AtomicPostMiddleware" in finding.message
    assert finding.fix is not None
    assert finding.fix.using == "orders"


def test_factory_middleware_under_another_package_path(tmp_path: Path) -> None:
    # The settings name the package as the deployed application imports it.
    root = project(tmp_path, FACTORY_MIDDLEWARE, ("webshop.middleware.atomic_requests_middleware",))
    assert lint(root) == [("views.py", 10, "OPS101")]


def test_unlisted_middleware_opens_nothing(tmp_path: Path) -> None:
    root = project(tmp_path, CLASS_MIDDLEWARE, ())
    assert lint(root) == [("views.py", 9, "OPS102")]


def test_middleware_without_transaction(tmp_path: Path) -> None:
    root = project(tmp_path, PLAIN_MIDDLEWARE, ("shop.middleware.TimingMiddleware",))
    assert lint(root) == [("views.py", 9, "OPS102")]


def test_warm_run_sees_middleware_change(tmp_path: Path) -> None:
    # Only the body of __call__ changes, so the warm run keeps the declarations.
    plain = CLASS_MIDDLEWARE.replace('with transaction.atomic(using="orders"):', "if True:")
    root = project(tmp_path, plain, ("shop.middleware.AtomicPostMiddleware",))
    assert lint(root, cache=True) == [("views.py", 9, "OPS102")]
    (root / "shop/middleware.py").write_text(CLASS_MIDDLEWARE)
    assert lint(root, cache=True) == [("views.py", 10, "OPS101")]
    (root / "shop/middleware.py").write_text(plain)
    assert lint(root, cache=True) == [("views.py", 9, "OPS102")]
