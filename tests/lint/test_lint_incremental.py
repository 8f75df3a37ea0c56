"""Warm runs re-check the call-following rules only where a change reaches, with the same findings."""

from __future__ import annotations

from pathlib import Path

from opsgen.lint.config import load_config
from opsgen.lint.engine import lint_paths
from opsgen.lint.index import CACHE_DIR, CACHE_FILE, JOURNAL_FILE, ProjectIndex

from tests_lint_support import write_project  # type: ignore[import-not-found]

CALLER = """\
from django.db import transaction
from shop.helpers import tidy

def place(cart):
    with transaction.atomic():
        tidy(cart)
"""

# The helper keeps its imports and signature, so only its body changes: the other
# modules' links stay valid and the warm run takes the incremental path.
QUIET_HELPER = """\
import requests

def tidy(cart):
    return cart
"""

LOUD_HELPER = """\
import requests

def tidy(cart):
    requests.post("https://example.invalid/hook")
    return cart
"""

UNRELATED = """\
def total(prices):
    return sum(prices)
"""


def lint(root: Path, cache: bool = True) -> list[tuple[str, int, str]]:
    result = lint_paths([root], load_config(root), use_cache=cache)
    return [(Path(f.path).name, f.line, f.code) for f in result.findings]


def project(tmp_path: Path) -> Path:
    files = {"shop/__init__.py": "", "shop/orders.py": CALLER, "shop/helpers.py": QUIET_HELPER, "shop/prices.py": UNRELATED}
    return write_project(tmp_path / "project", files)


def test_changed_helper_reports_the_unchanged_caller(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert lint(root) == []
    (root / "shop/helpers.py").write_text(LOUD_HELPER)
    warm = lint(root)
    assert ("orders.py", 6, "OPS101") in warm
    assert warm == lint(root, cache=False)
    (root / "shop/helpers.py").write_text(QUIET_HELPER)
    assert lint(root) == []


def test_transaction_added_in_a_caller_clears_the_callee(tmp_path: Path) -> None:
    writer = "from shop.models import Order\n\ndef record(order):\n    Order.objects.create(pk=1)\n    order.save()\n"
    caller = "from django.db import transaction\nfrom shop.writer import record\n\ndef handle(order):\n    record(order)\n"
    files = {"shop/__init__.py": "", "shop/writer.py": writer, "shop/view.py": caller}
    root = write_project(tmp_path / "project", files)
    assert [code for _, _, code in lint(root)] == ["OPS102"]
    atomic = "from django.db import transaction\nfrom shop.writer import record\n\ndef handle(order):\n    with transaction.atomic():\n        record(order)\n"
    (root / "shop/view.py").write_text(atomic)
    assert lint(root) == [] == lint(root, cache=False)


def test_body_change_keeps_declarations(tmp_path: Path) -> None:
    root = project(tmp_path)
    lint(root)
    (root / "shop/helpers.py").write_text(LOUD_HELPER)
    index = ProjectIndex.build(load_config(root))
    entry = index.cache_entries[str((root / "shop/helpers.py").resolve())]
    assert index.parsed == 1
    assert entry["decl"] == index.previous_entries[str((root / "shop/helpers.py").resolve())]["decl"]


def test_unrelated_change_appends_to_the_journal_only(tmp_path: Path) -> None:
    root = project(tmp_path)
    lint(root)
    cache = root / CACHE_DIR / CACHE_FILE
    written = cache.stat().st_mtime_ns
    (root / "shop/prices.py").write_text(UNRELATED + "\n\ndef double(x):\n    return 2 * x\n")
    lint(root)
    assert cache.stat().st_mtime_ns == written
    assert "prices.py" in (root / CACHE_DIR / JOURNAL_FILE).read_text()
    assert lint(root) == lint(root, cache=False)
