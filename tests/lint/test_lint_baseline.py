"""``opsgen lint --write-baseline FILE`` and ``--baseline FILE``: accept existing findings, report new ones."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from tests_lint_support import write_project

COMMAND = [sys.executable, "-m", "opsgen.cli.main", "lint"]

ERP = """\
import requests


def push_event(kind, payload):
    requests.post("https://erp.example.invalid/events", json={"kind": kind, **payload}, timeout=5)
"""

MODELS = """\
from django.db import models

from shop.erp import push_event


class Product(models.Model):
    sku = models.CharField(max_length=32)

    def retire(self):
        self.save()
        push_event("product.retired", {"sku": self.sku})
"""

SERVICES = """\
from django.db import transaction

from shop.models import Product


def discontinue(sku):
    with transaction.atomic():
        product = Product.objects.select_for_update().get(sku=sku)
        product.retire()
"""

#: A task module, so that ``sync_order.delay()`` is a task enqueue.
TASKS = """\
from celery import shared_task


@shared_task
def sync_order(order_id):
    pass
"""


def shop(tmp_path: Path) -> Path:
    files = {
        "shop/__init__.py": "",
        "shop/erp.py": ERP,
        "shop/models.py": MODELS,
        "shop/services.py": SERVICES,
        "shop/tasks.py": TASKS,
    }
    return write_project(tmp_path / "project", files)


def lint(root: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *options, "."], cwd=root, capture_output=True, text=True, timeout=120)


def accepted(root: Path) -> Path:
    """Write the baseline of the project as it is now, and check that it accepts every finding."""
    written = lint(root, "--write-baseline", "baseline.json")
    assert written.returncode == 0, written.stderr
    assert "wrote 1 finding(s) to the baseline baseline.json" in written.stderr
    clean = lint(root, "--baseline", "baseline.json")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert clean.stdout == ""
    return root / "baseline.json"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_baseline_entries_name_no_line(tmp_path: Path) -> None:
    root = shop(tmp_path)

    baseline = json.loads(accepted(root).read_text())

    assert baseline == {
        "opsgen-baseline": 1,
        "findings": [
            {
                "code": "OPS101",
                "path": "shop/services.py",
                "function": "shop.services.discontinue",
                "source": "product.retire()",
                "effects": ["shop.erp.push_event: requests.post"],
            }
        ],
    }


def test_baseline_survives_moved_code(tmp_path: Path) -> None:
    root = shop(tmp_path)
    accepted(root)
    services = root / "shop" / "services.py"

    edit(services, "def discontinue(sku):\n", "def restock(sku):\n    pass\n\n\ndef discontinue(sku):\n")
    edit(services, "        product.retire()", "        product.retire()  # product is locked above")
    run = lint(root, "--baseline", "baseline.json")

    assert run.returncode == 0, run.stdout + run.stderr
    assert "accepted 1 finding(s)" in run.stderr


def add_deeper_effect(root: Path) -> None:
    """Make ``Product.retire`` also enqueue a task, two calls deeper than its HTTP request."""
    models = root / "shop" / "models.py"
    edit(models, "from shop.erp import push_event\n", "from shop.erp import push_event\nfrom shop.tasks import sync_order\n")
    models.write_text(models.read_text() + "\n\ndef tell_warehouse(sku):\n    queue_sync(sku)\n\n\ndef queue_sync(sku):\n    sync_order.delay(sku)\n")
    edit(models, '        push_event("product.retired", {"sku": self.sku})\n', '        push_event("product.retired", {"sku": self.sku})\n        tell_warehouse(self.sku)\n')


def test_baseline_reports_new_effect_down_chain(tmp_path: Path) -> None:
    root = shop(tmp_path)
    accepted(root)

    # The new effect is deeper than the accepted one, so the message still names requests.post.
    add_deeper_effect(root)
    run = lint(root, "--baseline", "baseline.json")

    assert run.returncode == 1, run.stderr
    assert "shop/services.py:9:9: OPS101 product.retire() leads to an HTTP request" in run.stdout
    assert "OPS101 is new: the call now also reaches shop.models.queue_sync: shop.tasks.sync_order.delay" in run.stderr


def test_baseline_new_effect_in_every_format(tmp_path: Path) -> None:
    root = shop(tmp_path)
    accepted(root)
    add_deeper_effect(root)
    added = "the call now also reaches shop.models.queue_sync: shop.tasks.sync_order.delay"

    text = lint(root, "--baseline", "baseline.json")
    concise = lint(root, "--baseline", "baseline.json", "--format", "concise")
    github = lint(root, "--baseline", "baseline.json", "--format", "github")
    as_json = lint(root, "--baseline", "baseline.json", "--format", "json")
    sarif = lint(root, "--baseline", "baseline.json", "--format", "sarif")

    assert "shop/services.py:9:9: OPS101 product.retire() leads to an HTTP request" in text.stdout
    assert f"(new since the baseline: {added})\n" in text.stdout
    assert f"(new since the baseline: {added})\n" in concise.stdout
    assert f"(new since the baseline: {added})" in github.stdout
    [finding] = json.loads(as_json.stdout)
    assert finding["baseline_new"] == ["shop.models.queue_sync: shop.tasks.sync_order.delay"]
    assert finding["message"].endswith(f"(new since the baseline: {added})")
    [result] = json.loads(sarif.stdout)["runs"][0]["results"]
    assert result["message"]["text"].endswith(f"(new since the baseline: {added})")


def test_baseline_accepts_removed_effect(tmp_path: Path) -> None:
    root = shop(tmp_path)
    models = root / "shop" / "models.py"
    edit(models, "from shop.erp import push_event\n", "from shop.erp import push_event\nfrom shop.tasks import sync_order\n")
    edit(models, '        push_event("product.retired", {"sku": self.sku})\n', '        push_event("product.retired", {"sku": self.sku})\n        sync_order.delay(self.pk)\n')
    accepted(root)

    edit(models, "        sync_order.delay(self.pk)\n", "")
    run = lint(root, "--baseline", "baseline.json")

    assert run.returncode == 0, run.stdout + run.stderr


def test_baseline_reports_second_same_finding(tmp_path: Path) -> None:
    root = shop(tmp_path)
    accepted(root)

    services = root / "shop" / "services.py"
    services.write_text(services.read_text() + "        product.retire()\n")
    run = lint(root, "--baseline", "baseline.json")

    assert run.returncode == 1, run.stderr
    assert "shop/services.py:10:9: OPS101" in run.stdout
    assert "shop/services.py:9:9" not in run.stdout


def test_baseline_reports_edited_line(tmp_path: Path) -> None:
    root = shop(tmp_path)
    accepted(root)

    edit(root / "shop" / "services.py", "        product.retire()", "        (product).retire()")
    run = lint(root, "--baseline", "baseline.json")

    assert run.returncode == 1, run.stderr
    assert "shop/services.py:9:9: OPS101" in run.stdout


def test_baseline_names_entries_gone(tmp_path: Path) -> None:
    root = shop(tmp_path)
    accepted(root)

    edit(root / "shop" / "services.py", "        product.retire()\n", "    product.retire()\n")
    run = lint(root, "--baseline", "baseline.json")

    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 of its entries match no finding, so run 'opsgen lint --write-baseline baseline.json .' to drop them" in run.stderr


def test_baseline_hint_names_project_root(tmp_path: Path) -> None:
    root = shop(tmp_path)
    accepted(root)

    edit(root / "shop" / "services.py", "        product.retire()\n", "    product.retire()\n")
    run = subprocess.run([*COMMAND, "--baseline", "../baseline.json", "."], cwd=root / "shop", capture_output=True, text=True, timeout=120)

    assert run.returncode == 0, run.stdout + run.stderr
    # The project root is outside the current folder, so it is named by its absolute path.
    assert f"so run 'opsgen lint --write-baseline ../baseline.json {root.resolve()}' to drop them" in run.stderr


def test_write_baseline_on_subset_rejected(tmp_path: Path) -> None:
    root = shop(tmp_path)
    baseline = accepted(root)
    before = baseline.read_text()
    subset = [*COMMAND, "--write-baseline", "baseline.json", "shop/erp.py"]

    rejected = subprocess.run(subset, cwd=root, capture_output=True, text=True, timeout=120)
    forced = subprocess.run([*subset, "--force"], cwd=root, capture_output=True, text=True, timeout=120)

    assert rejected.returncode == 2
    assert "not writing the baseline baseline.json: it lists 1 finding(s) in files outside the linted paths" in rejected.stderr
    assert "Run 'opsgen lint --write-baseline baseline.json .' to write it from the whole project" in rejected.stderr
    assert forced.returncode == 0, forced.stderr
    assert baseline.read_text() != before
    assert json.loads(baseline.read_text())["findings"] == []


def test_write_baseline_on_project_overwrites(tmp_path: Path) -> None:
    root = shop(tmp_path)
    baseline = accepted(root)

    edit(root / "shop" / "services.py", "        product.retire()\n", "    product.retire()\n")
    run = lint(root, "--write-baseline", "baseline.json")

    assert run.returncode == 0, run.stderr
    assert json.loads(baseline.read_text())["findings"] == []


def test_baseline_file_missing_or_invalid(tmp_path: Path) -> None:
    root = shop(tmp_path)

    missing = lint(root, "--baseline", "missing.json")
    (root / "other.json").write_text(json.dumps({"findings": []}))
    other = lint(root, "--baseline", "other.json")
    (root / "broken.json").write_text(json.dumps({"opsgen-baseline": 1, "findings": [{"code": "OPS101"}]}))
    broken = lint(root, "--baseline", "broken.json")

    assert missing.returncode == 2
    assert "baseline file not found: missing.json; create it with --write-baseline missing.json" in missing.stderr
    assert other.returncode == 2
    assert 'other.json is not an opsgen baseline of format 1 (no "opsgen-baseline": 1 key)' in other.stderr
    assert broken.returncode == 2
    assert "broken.json: entry 1 needs the string 'path', got None" in broken.stderr


def test_write_baseline_excludes_add_noqa(tmp_path: Path) -> None:
    root = shop(tmp_path)

    run = lint(root, "--write-baseline", "baseline.json", "--add-noqa")

    assert run.returncode == 2
    assert "not allowed with argument" in run.stderr
    assert not (root / "baseline.json").exists()
    assert textwrap.dedent(SERVICES) == (root / "shop" / "services.py").read_text()


def test_write_baseline_skipped_on_parse_error(tmp_path: Path) -> None:
    root = shop(tmp_path)
    (root / "shop" / "broken.py").write_text("def broken(:\n")

    run = lint(root, "--write-baseline", "baseline.json")

    assert run.returncode == 2
    assert "cannot parse shop/broken.py:1" in run.stderr
    assert "not writing the baseline baseline.json, because a file above was not checked" in run.stderr
    assert not (root / "baseline.json").exists()
