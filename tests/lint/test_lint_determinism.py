"""Findings that do not depend on the run: the string hash seed, the order modules are
indexed in, and whether the cache was warm."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from opsgen.lint.config import LintConfig
from opsgen.lint.engine import lint_paths
from opsgen.lint.index import ProjectIndex, path_order
from opsgen.lint.summary import summarize

from tests_lint_support import write_project  # type: ignore[import-not-found]

COMMAND = [sys.executable, "-m", "opsgen.cli.main", "lint", "--no-cache", "--format", "json", "."]

#: Two folders without ``__init__.py``, so that ``tasks``, ``models`` and ``utils`` each
#: name two files, and a delete with both a pre_delete and a post_delete receiver.
DUPLICATE_NAMES = {
    "shop/tasks.py": """\
        import requests
        from celery import shared_task


        @shared_task
        def notify(order_id):
            requests.post("https://hooks.example.com/orders", json={"id": order_id})


        def record(order_id):
            return order_id
        """,
    "shop/models.py": """\
        from django.db import models

        from tasks import notify


        class Order(models.Model):
            total = models.IntegerField()

            def publish(self):
                notify.delay(self.pk)
        """,
    "shop/utils.py": """\
        from tasks import record


        def finish(order):
            record(order.pk)
        """,
    "shop/views.py": """\
        from django.db import transaction

        from models import Order
        from tasks import notify, record
        from utils import finish


        def checkout(order_id):
            with transaction.atomic():
                order = Order.objects.select_for_update().get(pk=order_id)
                order.publish()
                notify.delay(order.pk)
                record(order.pk)
                finish(order)
        """,
    "billing/tasks.py": """\
        import smtplib


        def notify(order_id):
            return order_id


        def record(order_id):
            smtplib.SMTP("localhost").sendmail("a@example.com", ["b@example.com"], str(order_id))
        """,
    "billing/models.py": """\
        from django.db import models


        class Order(models.Model):
            total = models.IntegerField()

            def publish(self):
                return self.pk
        """,
    "billing/utils.py": """\
        def finish(order):
            return order.pk
        """,
    "billing/views.py": """\
        from django.db import transaction

        from models import Order
        from tasks import notify, record
        from utils import finish


        def charge(order_id):
            with transaction.atomic():
                order = Order.objects.select_for_update().get(pk=order_id)
                order.publish()
                notify.delay(order.pk)
                record(order.pk)
                finish(order)
        """,
    "files/storage.py": """\
        import boto3
        from django.db import transaction
        from django.db.models.signals import post_delete, pre_delete
        from django.dispatch import receiver

        from library.models import Attachment

        s3 = boto3.client("s3")


        @receiver(pre_delete, sender=Attachment)
        def remove_object(sender, instance, **kwargs):
            s3.delete_object(Bucket="attachments", Key=instance.key)


        @receiver(post_delete, sender=Attachment)
        def remove_thumbnail(sender, instance, **kwargs):
            s3.delete_object(Bucket="thumbnails", Key=instance.key)


        def empty_folder(folder):
            with transaction.atomic():
                for attachment in folder.attachments.all():
                    attachment.delete()
        """,
}


def test_findings_same_for_every_hash_seed(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", DUPLICATE_NAMES)
    outputs = {}
    for seed in range(1, 9):
        environment = {**os.environ, "PYTHONHASHSEED": str(seed)}
        result = subprocess.run(COMMAND, cwd=root, capture_output=True, text=True, timeout=120, env=environment)
        assert result.returncode == 1, result.stderr
        outputs[seed] = result.stdout

    findings = json.loads(outputs[1])
    assert any(finding["path"] == "files/storage.py" for finding in findings)
    assert any(finding["path"] == "billing/views.py" for finding in findings)
    for seed, output in outputs.items():
        assert output == outputs[1], f"PYTHONHASHSEED={seed} gives other findings than PYTHONHASHSEED=1"


def test_delete_links_pre_delete_receiver_first(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"files/storage.py": DUPLICATE_NAMES["files/storage.py"]})
    findings = [f for f in lint_paths([root], use_cache=False).findings if f.line == 24]
    assert len(findings) == 1
    assert "remove_object" in findings[0].message
    assert [hop.line for hop in findings[0].via] == [12, 13]


def test_duplicate_module_resolves_to_first_path(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", DUPLICATE_NAMES)
    index = ProjectIndex.build(LintConfig(root=root), use_cache=False)

    assert index.functions["tasks.record"][0].path == str(root / "billing" / "tasks.py")
    assert index.classes["models.Order"][0].path == str(root / "billing" / "models.py")
    assert index.by_module["utils"].path == str(root / "billing" / "utils.py")
    assert len([m for m in index.modules.values() if m.module == "tasks"]) == 2


def test_root_file_before_subfolder_file(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"tasks.py": "def record():\n    return 1\n", "jobs/tasks.py": "def record():\n    return 2\n"})
    index = ProjectIndex.build(LintConfig(root=root), use_cache=False)

    # A folder's own files come first, as the walk yields them, although "jobs/" < "tasks.py".
    assert index.functions["tasks.record"][0].path == str(root / "tasks.py")
    assert path_order(str(root / "tasks.py")) < path_order(str(root / "jobs" / "tasks.py"))


def test_duplicate_resolution_ignores_add_order(tmp_path: Path) -> None:
    first = summarize(str(tmp_path / "a" / "tasks.py"), "tasks", "def record():\n    return 1\n", False)[0]
    second = summarize(str(tmp_path / "b" / "tasks.py"), "tasks", "def record():\n    return 2\n\n\ndef notify():\n    return 3\n", False)[0]

    forward = ProjectIndex(LintConfig(root=tmp_path))
    forward.add(first)
    forward.add(second)
    backward = ProjectIndex(LintConfig(root=tmp_path))
    backward.add(second)
    backward.add(first)

    for index in (forward, backward):
        assert index.functions["tasks.record"][0] is first
        assert index.functions["tasks.notify"][0] is second
        assert index.by_module["tasks"] is first


def test_replaced_module_frees_its_names(tmp_path: Path) -> None:
    first = summarize(str(tmp_path / "a" / "tasks.py"), "tasks", "def record():\n    return 1\n", False)[0]
    second = summarize(str(tmp_path / "b" / "tasks.py"), "tasks", "def record():\n    return 2\n", False)[0]
    index = ProjectIndex(LintConfig(root=tmp_path))
    index.add(first)
    index.add(second)

    emptied = summarize(first.path, "tasks", "VALUE = 1\n", False)[0]
    replaced = index.with_summaries([emptied])

    assert replaced.functions["tasks.record"][0] is second
    assert replaced.by_module["tasks"] is emptied


def test_warm_run_keeps_call_chain(tmp_path: Path) -> None:
    source = Path(__file__).parent / "unseen_cases_adoption" / "a3_01_helper_returns_next_reference" / "orders"
    files = {f"orders/{path.name}": path.read_text() for path in source.glob("*.py")}
    root = write_project(tmp_path / "project", files)

    cold = lint_paths([root]).findings
    warm = lint_paths([root]).findings

    assert [f.code for f in cold] == ["OPS205"]
    assert cold[0].via
    assert [(f.line, f.message, f.via, f.fix, f.no_fix_reason) for f in warm] == [(f.line, f.message, f.via, f.fix, f.no_fix_reason) for f in cold]
