"""OPS101 through post_save receivers that read ``created``: which writes reach them, and the advice."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from opsgen.lint.config import load_config
from opsgen.lint.engine import lint_paths
from opsgen.lint.summary import CallSite, summarize

from tests_lint_support import write_project  # type: ignore[import-not-found]

CASES = Path(__file__).parent / "project_cases"
GUARDED_CASES = ["sig01_created_guard_task_enqueue", "sig02_not_created_return_welcome_mail", "sig03_not_created_arm_status_webhook"]
COMMAND = [sys.executable, "-m", "opsgen.cli.main", "lint", "--no-cache"]

MODELS = """\
from django.db import models


class Order(models.Model):
    status = models.CharField(max_length=16)
"""

RECEIVER = """\
from django.db.models.signals import post_save
from django.dispatch import receiver

from shop.models import Order
from shop.tasks import sync_order


@receiver(post_save, sender=Order)
def push_order(sender, instance, created, **kwargs):
    if created:
        sync_order.delay(instance.pk)
"""

SERVICES = """\
from django.db import transaction

from shop.models import Order


def place():
    with transaction.atomic():
        Order.objects.create(status="new")


def cancel(pk):
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=pk)
        order.status = "cancelled"
        order.save()
"""


def lint(root: Path, cache: bool = False) -> list[tuple[str, int, str]]:
    result = lint_paths([root], load_config(root), use_cache=cache)
    return [(Path(f.path).name, f.line, f.message) for f in result.findings]


def shop(tmp_path: Path, receiver: str = RECEIVER, services: str = SERVICES, models: str = MODELS) -> Path:
    tasks = "from celery import shared_task\n\n\n@shared_task\ndef sync_order(pk):\n    return pk\n"
    files = {"shop/__init__.py": "", "shop/models.py": models, "shop/signals.py": receiver, "shop/tasks.py": tasks, "shop/services.py": services}
    return write_project(tmp_path / "project", files)


def calls_of(source: str, function: str) -> list[CallSite]:
    summary, _ = summarize("shop/example.py", "shop.example", textwrap.dedent(source))
    return summary.functions[f"shop.example.{function}"].calls


def call_named(source: str, function: str, text: str) -> CallSite:
    return next(call for call in calls_of(source, function) if call.text == text)


@pytest.mark.parametrize("name", GUARDED_CASES)
def test_guarded_cases_report_marked_writes_only(name: str, tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(CASES / name, root)
    (root / "pyproject.toml").write_text("")
    marked = {
        (path.name, number)
        for path in root.rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "# via-indirection" in line
    }
    reported = {(name, line) for name, line, _ in lint(root)}
    assert reported == marked


def test_message_names_receiver(tmp_path: Path) -> None:
    root = shop(tmp_path)
    [(name, line, message)] = lint(root)
    assert (name, line) == ("services.py", 8)
    assert message == (
        "OPS101 Order.objects.create() leads to a task enqueue (shop.tasks.sync_order.delay at shop/signals.py:11) "
        "inside the atomic() block at line 7; defer it in the receiver shop.signals.push_order (shop/signals.py:9) "
        "with transaction.on_commit(...)"
    )


def test_unguarded_receiver_reached_by_loaded_row(tmp_path: Path) -> None:
    unguarded = RECEIVER.replace("if created:", "if instance:")
    root = shop(tmp_path, receiver=unguarded)
    assert [line for _, line, _ in lint(root)] == [8, 15]


def test_save_override_passes_created_on(tmp_path: Path) -> None:
    overriding = MODELS + "\n    def save(self, *args, **kwargs):\n        super().save(*args, **kwargs)\n"
    root = shop(tmp_path, models=overriding)
    assert [line for _, line, _ in lint(root)] == [8]


def test_fix_leaves_write_and_names_receiver(tmp_path: Path) -> None:
    root = shop(tmp_path)
    before = (root / "shop/services.py").read_text()
    run = subprocess.run([*COMMAND, "--fix", "."], cwd=root, capture_output=True, text=True, timeout=120)
    assert (root / "shop/services.py").read_text() == before
    assert (
        "not fixable shop/services.py:8:9: OPS101 the side effect is sent from the model signal receiver "
        "shop.signals.push_order, which must defer it, since the write that sends the signal cannot wait for the commit"
    ) in run.stderr
    assert "0 fixed" in run.stderr


def test_warm_run_sees_added_guard(tmp_path: Path) -> None:
    unguarded = RECEIVER.replace("if created:", "if instance:")
    root = shop(tmp_path, receiver=unguarded)
    assert [line for _, line, _ in lint(root, cache=True)] == [8, 15]
    (root / "shop/signals.py").write_text(RECEIVER)
    assert [line for _, line, _ in lint(root, cache=True)] == [8]
    (root / "shop/signals.py").write_text(unguarded)
    assert [line for _, line, _ in lint(root, cache=True)] == [8, 15]


GUARDS = """\
def on_created(sender, instance, created, **kwargs):
    if created:
        notify()

def on_updated(sender, instance, created, **kwargs):
    if not created:
        notify()

def else_arm(sender, instance, created, **kwargs):
    if created:
        pass
    else:
        notify()

def conjunction(sender, instance, created, **kwargs):
    if created and instance.paid:
        notify()

def early_return(sender, instance, created, **kwargs):
    if not created:
        return
    notify()

def early_return_on_insert(sender, instance, created, **kwargs):
    if created is True:
        return
    notify()

def keyword_get(sender, instance, **kwargs):
    if kwargs.get("created", False):
        notify()

def keyword_item(sender, instance, **extra):
    if not extra["created"]:
        raise SystemExit
    notify()

def local_name(sender, instance, **kwargs):
    is_new = kwargs["created"]
    if is_new:
        notify()

def disjunction(sender, instance, created, **kwargs):
    if created or instance.paid:
        notify()

def shadowed(sender, instance, created, **kwargs):
    profile, created = Profile.objects.get_or_create(user=instance)
    if created:
        notify()

def other_name(sender, instance, is_new, **kwargs):
    if is_new:
        notify()

def after_branch(sender, instance, created, **kwargs):
    if created:
        log()
    notify()
"""


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        ("on_created", True),
        ("on_updated", False),
        ("else_arm", False),
        ("conjunction", True),
        ("early_return", True),
        ("early_return_on_insert", False),
        ("keyword_get", True),
        ("keyword_item", True),
        ("local_name", True),
        ("disjunction", None),
        ("shadowed", None),
        ("other_name", None),
        ("after_branch", None),
    ],
)
def test_created_guard_of_call(function: str, expected: bool | None) -> None:
    assert call_named(GUARDS, function, "notify").when_created is expected


WRITES = """\
from django.shortcuts import get_object_or_404
from shop.models import Order

def create():
    Order.objects.create(status="new")

def get_or_create():
    Order.objects.get_or_create(status="new")

def update_or_create():
    Order.objects.update_or_create(status="new")

def built():
    order = Order(status="new")
    order.save()

def built_twice():
    order = Order(status="new")
    order.save()
    order.save()

def built_with_key():
    order = Order(pk=5, status="new")
    order.save()

def inline():
    Order(status="new").save()

def forced():
    order = make_order()
    order.save(force_insert=True)

def loaded(pk):
    order = Order.objects.select_for_update().get(pk=pk)
    order.save()

def shortcut(pk):
    order = get_object_or_404(Order, pk=pk)
    order.save()

def first():
    order = Order.objects.filter(status="new").first()
    order.save()

def looped():
    for order in Order.objects.filter(status="new"):
        order.save()

def created_before():
    order, _ = Order.objects.get_or_create(status="new")
    order.save()

def fields(order):
    order.save(update_fields=["status"])

def parameter(order):
    order.save()

def on_self(self):
    self.save()
"""


@pytest.mark.parametrize(
    ("function", "text", "expected"),
    [
        ("create", "Order.objects.create", True),
        ("get_or_create", "Order.objects.get_or_create", True),
        ("update_or_create", "Order.objects.update_or_create", None),
        ("built", "order.save", True),
        ("built_with_key", "order.save", None),
        ("inline", "Order().save", True),
        ("forced", "order.save", True),
        ("loaded", "order.save", False),
        ("shortcut", "order.save", False),
        ("first", "order.save", False),
        ("looped", "order.save", False),
        ("created_before", "order.save", False),
        ("fields", "order.save", False),
        ("parameter", "order.save", None),
        ("on_self", "self.save", None),
    ],
)
def test_write_inserts(function: str, text: str, expected: bool | None) -> None:
    assert call_named(WRITES, function, text).inserts is expected


def test_second_save_of_built_row_unknown() -> None:
    first, second = (call for call in calls_of(WRITES, "built_twice") if call.text == "order.save")
    assert first.inserts is True
    assert second.inserts is None
