"""OPS101 follows calls whose callee the call site does not name.

These are an item of a dispatch table and a method that a subclass overrides. The body
of a loop over a generator that yields inside a transaction runs in that transaction, and
so do the methods of a view whose ``dispatch()`` is atomic."""

from __future__ import annotations

import textwrap
from pathlib import Path

from opsgen.lint.config import load_config
from opsgen.lint.engine import lint_paths
from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding
from opsgen.lint.summary import ModuleSummary, summarize

from tests_lint_support import write_project  # type: ignore[import-not-found]


def ops101(tmp_path: Path, source: str) -> list[Finding]:
    rules = [rule for rule in load_rules() if rule.code == "OPS101"]
    return lint_example(Example(textwrap.dedent(source)), rules, tmp_path)


def lint(root: Path, cache: bool = True) -> list[tuple[str, int, str]]:
    result = lint_paths([root], load_config(root), use_cache=cache)
    return [(Path(f.path).name, f.line, f.code) for f in result.findings]


TABLES = """\
import requests
from django.db import transaction

def quiet(order):
    return order

def loud(order):
    requests.post("https://example.invalid/hook", timeout=5)

BY_STATUS = {"new": quiet, "paid": loud}
HOOKS = (quiet, loud)
COUNTS = {"new": 1}

def by_get(order):
    with transaction.atomic():
        BY_STATUS.get(order.status, quiet)(order)

def by_item(order):
    with transaction.atomic():
        handler = BY_STATUS[order.status]
        handler(order)

def by_values(order):
    with transaction.atomic():
        for handler in BY_STATUS.values():
            handler(order)

def by_items(order):
    with transaction.atomic():
        for _status, handler in BY_STATUS.items():
            handler(order)

def by_tuple(order):
    with transaction.atomic():
        for hook in HOOKS:
            hook(order)

def by_local_table(order):
    handlers = {"a": quiet, "b": loud}
    with transaction.atomic():
        handlers[order.kind](order)
"""


def test_table_items_lead_to_their_handlers(tmp_path: Path) -> None:
    findings = ops101(tmp_path, TABLES)

    assert [f.line for f in findings] == [16, 21, 26, 31, 36, 41]
    assert all("requests.post" in f.message for f in findings)


def test_table_kept_through_the_cache() -> None:
    summary, _ = summarize("shop/hooks.py", "shop.hooks", TABLES)

    restored = ModuleSummary.from_json(summary.to_json())

    assert restored.tables["shop.hooks.BY_STATUS"] == ["shop.hooks.quiet", "shop.hooks.loud"]
    assert restored.tables["shop.hooks.by_local_table.<locals>.handlers"] == ["shop.hooks.quiet", "shop.hooks.loud"]
    assert "shop.hooks.COUNTS" not in restored.tables


def test_data_dict_is_no_table(tmp_path: Path) -> None:
    source = """\
    import requests
    from django.db import transaction

    LIMIT = 3
    SETTINGS = {"limit": LIMIT, "url": "https://example.invalid"}

    def send(url):
        requests.post(url, timeout=5)

    def run(key):
        with transaction.atomic():
            value = SETTINGS[key]
            value.strip()
    """
    assert ops101(tmp_path, source) == []


OVERRIDES = """\
import requests
from django.db import transaction

class Notifier:
    def notify(self, text):
        self.deliver(text)

    def deliver(self, text):
        pass

class WebhookNotifier(Notifier):
    def deliver(self, text):
        requests.post("https://example.invalid/hook", json={"text": text}, timeout=5)

class LogNotifier(Notifier):
    def deliver(self, text):
        print(text)

class Unrelated:
    def deliver(self, text):
        requests.post("https://example.invalid/other", timeout=5)

def notify_in_block(notifier: Notifier):
    with transaction.atomic():
        notifier.notify("saved")
"""


def test_self_call_runs_subclass_override(tmp_path: Path) -> None:
    findings = ops101(tmp_path, OVERRIDES)

    assert [f.line for f in findings] == [25]
    assert [(hop.line, hop.name.rpartition(".")[2]) for hop in findings[0].via] == [(6, "deliver"), (13, "post")]
    assert findings[0].via[0].name.endswith("WebhookNotifier.deliver")


def test_quiet_overrides_lead_nowhere(tmp_path: Path) -> None:
    quiet = OVERRIDES.replace('requests.post("https://example.invalid/hook", json={"text": text}, timeout=5)', "return text")

    assert ops101(tmp_path, quiet) == []


def test_typed_receiver_follows_stub_only(tmp_path: Path) -> None:
    """A receiver typed by the base class runs the base's own method unless that is a stub."""
    stub = OVERRIDES + "\ndef deliver_in_block(notifier: Notifier):\n    with transaction.atomic():\n        notifier.deliver('saved')\n"
    concrete = stub.replace("    def deliver(self, text):\n        pass", "    def deliver(self, text):\n        print(text)", 1)

    assert [f.line for f in ops101(tmp_path / "stub", stub)] == [25, 29]
    assert [f.line for f in ops101(tmp_path / "concrete", concrete)] == [25]


def test_comprehension_over_generator_in_block(tmp_path: Path) -> None:
    source = """\
    import requests
    from django.db import transaction

    def saved(rows):
        for row in rows:
            with transaction.atomic():
                yield row

    def saved_then_committed(rows):
        for row in rows:
            with transaction.atomic():
                pass
            yield row

    def inside(rows):
        return [requests.post(row, timeout=5) for row in saved(rows)]

    def after(rows):
        return [requests.post(row, timeout=5) for row in saved_then_committed(rows)]
    """
    findings = ops101(tmp_path, source)

    assert [f.line for f in findings] == [16]
    assert "still open when it yields" in findings[0].message


MIXIN_ATOMIC = """\
from django.db import transaction

class TransactionMixin:
    def dispatch(self, request, *args, **kwargs):
        with transaction.atomic():
            return super().dispatch(request, *args, **kwargs)
"""

MIXIN_PLAIN = """\
from django.db import transaction

class TransactionMixin:
    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        return response
"""

VIEW = """\
import requests
from django.views.generic import CreateView

from shop.mixins import TransactionMixin

class NoteCreateView(TransactionMixin, CreateView):
    def form_valid(self, form):
        response = super().form_valid(form)
        requests.post("https://example.invalid/hook", timeout=5)
        return response
"""


def test_mixin_dispatch_change_rechecks_views(tmp_path: Path) -> None:
    files = {"shop/__init__.py": "", "shop/mixins.py": MIXIN_ATOMIC, "shop/views.py": VIEW}
    root = write_project(tmp_path / "project", files)
    assert lint(root) == [("views.py", 9, "OPS101")]

    (root / "shop/mixins.py").write_text(MIXIN_PLAIN)

    assert lint(root) == [] == lint(root, cache=False)


# The audit hook writes twice, which OPS102 accepts only while the table contains it and the
# caller's block runs it in a transaction: the callers map must follow the table's values.
HOOKS = """\
from shop.models import Audit

def quiet(order):
    return order

def audit(order):
    Audit.objects.create(order=order, kind="saved")
    Audit.objects.create(order=order, kind="checked")

AFTER_SAVE = [quiet, audit]
"""

SAVER = """\
from django.db import transaction

from shop.hooks import AFTER_SAVE

def save(order):
    with transaction.atomic():
        for hook in AFTER_SAVE:
            hook(order)
"""


def test_changed_table_rechecks_its_callers(tmp_path: Path) -> None:
    files = {"shop/__init__.py": "", "shop/hooks.py": HOOKS, "shop/saver.py": SAVER}
    root = write_project(tmp_path / "project", files)
    assert lint(root) == []

    (root / "shop/hooks.py").write_text(HOOKS.replace("[quiet, audit]", "[quiet]"))

    assert lint(root) == [("hooks.py", 7, "OPS102")] == lint(root, cache=False)


def test_override_write_not_counted(tmp_path: Path) -> None:
    """Django's session stores: the base class's ``_get_session()`` reads, a subclass's
    ``load()`` override creates a row. A call on ``self`` may run the override, so it
    carries the override's side effects, but OPS102 does not count it as a write."""
    source = """\
    class SessionBase:
        def load(self):
            return {}

        def _get_session(self):
            return self.load()

        def pop(self, key):
            self.modified = self.modified or key in self._get_session()
            return self._get_session().pop(key, None)

    class SessionStore(SessionBase):
        def load(self):
            return Session.objects.create(key="new").data
    """
    (tmp_path / "sessions.py").write_text(textwrap.dedent(source), encoding="utf-8")

    assert lint(tmp_path, cache=False) == []
