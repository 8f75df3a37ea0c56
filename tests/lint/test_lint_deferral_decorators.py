"""Project decorators that hand the decorated function to on_commit(), found without configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.lint.config import load_config
from opsgen.lint.engine import lint_paths

from tests_lint_support import write_project  # type: ignore[import-not-found]

CALLER = """\
from django.db import transaction
from shop.notify import tell_support

def close(ticket):
    with transaction.atomic():
        ticket.save()
        tell_support("closed")
"""

NOTIFY = """\
from django.core.mail import send_mail
from shop.db import deferred

@deferred
def tell_support(subject):
    send_mail(subject, "body", None, ["support@example.invalid"])
"""

DEFERRING = """\
from functools import partial, wraps
from django.db import transaction

def deferred(func):
    @wraps(func)
    def wrapper(*args, **kwargs):
        {body}
    return wrapper
"""


def lint(root: Path, cache: bool = True) -> list[tuple[str, int, str]]:
    result = lint_paths([root], load_config(root), use_cache=cache)
    return [(Path(f.path).name, f.line, f.code) for f in result.findings]


def project(tmp_path: Path, body: str) -> Path:
    files = {"shop/__init__.py": "", "shop/db.py": DEFERRING.format(body=body), "shop/notify.py": NOTIFY, "shop/tickets.py": CALLER}
    return write_project(tmp_path / "project", files)


@pytest.mark.parametrize(
    "body",
    [
        "transaction.on_commit(partial(func, *args, **kwargs))",
        "transaction.on_commit(lambda: func(*args, **kwargs))",
        "transaction.on_commit(func)",
    ],
)
def test_deferring_wrapper_silent(tmp_path: Path, body: str) -> None:
    assert lint(project(tmp_path, body), cache=False) == []


def test_wrapper_calling_now_reported(tmp_path: Path) -> None:
    root = project(tmp_path, "transaction.on_commit(partial(print, func.__name__))\n        return func(*args, **kwargs)")
    assert lint(root, cache=False) == [("tickets.py", 7, "OPS101")]


def test_warm_run_follows_decorator_change(tmp_path: Path) -> None:
    root = project(tmp_path, "transaction.on_commit(partial(func, *args, **kwargs))")
    assert lint(root) == []
    (root / "shop/db.py").write_text(DEFERRING.format(body="transaction.on_commit(print)\n        return func(*args, **kwargs)"))
    assert lint(root) == [("tickets.py", 7, "OPS101")] == lint(root, cache=False)
