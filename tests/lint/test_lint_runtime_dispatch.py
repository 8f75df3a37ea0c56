"""OPS101 through callees chosen at run time: handlers that a decorator registers in a
container, methods and functions looked up with ``getattr()`` by a built name, and
generators that hand on another generator's items with ``yield from``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from opsgen.lint.config import load_config
from opsgen.lint.engine import lint_paths
from opsgen.lint.rule import Finding

from tests_lint_support import write_project  # type: ignore[import-not-found]


def lint(root: Path, cache: bool = True) -> list[Finding]:
    return lint_paths([root], load_config(root), use_cache=cache).findings


def lines(root: Path, cache: bool = True) -> list[tuple[str, int, str]]:
    return [(Path(f.path).name, f.line, f.code) for f in lint(root, cache)]


def marked(source: str, marker: str = "# OPS101") -> list[int]:
    return [number for number, line in enumerate(textwrap.dedent(source).splitlines(), start=1) if line.endswith(marker)]


REGISTRIES = """\
from collections import defaultdict

import requests
from django.db import transaction

HANDLERS = {}
HOOKS = defaultdict(list)
JOBS: dict = {}


def handles(kind):
    def register(handler):
        HANDLERS[kind] = handler
        return handler

    return register


def hook(kind):
    def register(handler):
        HOOKS.setdefault(kind, []).append(handler)
        return handler

    return register


def job(function):
    JOBS.setdefault(function.__name__, function)
    return function


class Registry:
    def __init__(self):
        self.handlers = {}

    def on(self, kind):
        def register(handler):
            self.handlers[kind] = handler
            return handler

        return register

    def dispatch(self, kind, order):
        self.handlers[kind](order)


events = Registry()


@handles("paid")
def paid(order):
    requests.post("https://example.invalid/paid", timeout=5)


@hook("paid")
def paid_hook(order):
    requests.post("https://example.invalid/hook", timeout=5)


@job
def ping(order):
    requests.get("https://example.invalid/ping", timeout=5)


@events.on("shipped")
def shipped(order):
    requests.post("https://example.invalid/shipped", timeout=5)


def by_item(order):
    with transaction.atomic():
        HANDLERS[order.kind](order)  # OPS101


def by_get(order):
    with transaction.atomic():
        handler = HANDLERS.get(order.kind)
        handler(order)  # OPS101


def by_list_loop(order):
    with transaction.atomic():
        for handler in HOOKS[order.kind]:
            handler(order)  # OPS101


def by_bare_decorator(order):
    with transaction.atomic():
        JOBS["ping"](order)  # OPS101


def by_registry_instance(order):
    with transaction.atomic():
        events.dispatch(order.kind, order)  # OPS101
"""


def test_registered_handlers_run_at_dispatch(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"shop/__init__.py": "", "shop/events.py": REGISTRIES})

    findings = lint(root, cache=False)

    assert [f.line for f in findings] == marked(REGISTRIES)
    assert all(f.via for f in findings)


IMPORTED_HOOKS = """\
from django.db import transaction

from shop.events import HOOKS


def settle(order):
    with transaction.atomic():
        for handler in HOOKS.get(order.kind, ()):
            handler(order)
"""


def test_container_imported_from_registry_module(tmp_path: Path) -> None:
    files = {"shop/__init__.py": "", "shop/events.py": REGISTRIES, "shop/settle.py": IMPORTED_HOOKS}
    root = write_project(tmp_path / "project", files)

    assert ("settle.py", 9, "OPS101") in lines(root, cache=False)


def test_local_container_registers_nothing(tmp_path: Path) -> None:
    source = """\
    import requests
    from django.db import transaction

    HANDLERS = {}


    def handles(kind):
        seen = {}

        def register(handler):
            seen[kind] = handler
            return handler

        return register


    @handles("paid")
    def paid(order):
        requests.post("https://example.invalid/paid", timeout=5)


    def by_item(order):
        with transaction.atomic():
            HANDLERS[order.kind](order)
    """
    root = write_project(tmp_path / "project", {"shop/__init__.py": "", "shop/events.py": source})

    assert lines(root, cache=False) == []


REGISTRY = """\
HANDLERS = {}


def handles(kind):
    def register(handler):
        HANDLERS[kind] = handler
        return handler

    return register
"""

HANDLERS = """\
import requests

from shop.registry import handles


@handles("paid")
def paid(order):
    requests.post("https://example.invalid/paid", timeout=5)
"""

DISPATCHER = """\
from django.db import transaction

from shop.registry import HANDLERS


def settle(order):
    with transaction.atomic():
        HANDLERS[order.kind](order)
"""


def test_warm_run_sees_registration_change(tmp_path: Path) -> None:
    files = {"shop/__init__.py": "", "shop/registry.py": REGISTRY, "shop/handlers.py": HANDLERS, "shop/dispatch.py": DISPATCHER}
    root = write_project(tmp_path / "project", files)
    assert lines(root) == [("dispatch.py", 8, "OPS101")]

    (root / "shop/registry.py").write_text(REGISTRY.replace("HANDLERS[kind] = handler", "print(kind, handler)"))

    assert lines(root) == [] == lines(root, cache=False)


GETATTR = """\
import sys

import requests
from django.db import transaction

from shop import exporters


class Webhook:
    @transaction.atomic
    def by_prefix(self, event):
        getattr(self, f"handle_{event.kind}")(event)  # OPS101

    @transaction.atomic
    def by_bound_default(self, event):
        handler = getattr(self, "on_%s" % event.kind, None)
        if handler is not None:
            handler(event)  # OPS101

    @transaction.atomic
    def by_suffix(self, event):
        getattr(self, "{}_hook".format(event.kind))(event)  # OPS101

    @transaction.atomic
    def by_literal(self, event):
        getattr(self, "handle_paid")(event)  # OPS101

    def handle_paid(self, event):
        requests.post("https://example.invalid/paid", timeout=5)

    def handle_void(self, event):
        return event

    def on_paid(self, event):
        self.handle_paid(event)

    def paid_hook(self, event):
        requests.post("https://example.invalid/hook", timeout=5)


def export(kind, order):
    with transaction.atomic():
        name = "export_" + kind
        getattr(exporters, name)(order)  # OPS101


def sync_paid(order):
    requests.post("https://example.invalid/sync", timeout=5)


def sync(kind, order):
    with transaction.atomic():
        getattr(sys.modules[__name__], f"sync_{kind}")(order)  # OPS101
"""

EXPORTERS = """\
import requests


def export_erp(order):
    requests.post("https://example.invalid/erp", timeout=5)
"""


def test_getattr_built_name_links_matches(tmp_path: Path) -> None:
    files = {"shop/__init__.py": "", "shop/hooks.py": GETATTR, "shop/exporters.py": EXPORTERS}
    root = write_project(tmp_path / "project", files)

    findings = lint(root, cache=False)

    assert [f.line for f in findings] == marked(GETATTR)
    assert all(f.via for f in findings)


def test_getattr_on_self_runs_subclass_methods(tmp_path: Path) -> None:
    source = """\
    import requests
    from django.db import transaction


    class Processor:
        @transaction.atomic
        def process(self, event):
            getattr(self, f"handle_{event.kind}")(event)


    class CardProcessor(Processor):
        def handle_refund(self, event):
            requests.post("https://example.invalid/refund", timeout=5)
    """
    root = write_project(tmp_path / "project", {"shop/__init__.py": "", "shop/processors.py": source})

    assert lines(root, cache=False) == [("processors.py", 8, "OPS101")]


def test_getattr_short_literal_links_nothing(tmp_path: Path) -> None:
    source = """\
    import requests
    from django.db import transaction


    class Webhook:
        @transaction.atomic
        def by_variable(self, event, name):
            getattr(self, name)(event)

        @transaction.atomic
        def by_short_prefix(self, event):
            getattr(self, f"_{event.kind}")(event)

        def _paid(self, event):
            requests.post("https://example.invalid/paid", timeout=5)
    """
    root = write_project(tmp_path / "project", {"shop/__init__.py": "", "shop/hooks.py": source})

    assert lines(root, cache=False) == []


CLAIMS = """\
from django.db import transaction

from shop.models import Reminder


def claim_batches():
    while True:
        with transaction.atomic():
            batch = list(Reminder.objects.select_for_update(skip_locked=True)[:100])
            if not batch:
                return
            Reminder.objects.filter(pk__in=[r.pk for r in batch]).update(sent=True)
            yield batch
"""

DELEGATES = """\
from shop.claims import claim_batches


def due_batches():
    yield from claim_batches()


def all_due():
    yield from due_batches()
"""

SENDER = """\
from django.core.mail import send_mail

from shop.delegates import all_due


def send_reminders():
    for batch in all_due():
        for reminder in batch:
            send_mail("Reminder", reminder.body, None, [reminder.email])
"""


def test_yield_from_chain_in_transaction(tmp_path: Path) -> None:
    files = {"shop/__init__.py": "", "shop/claims.py": CLAIMS, "shop/delegates.py": DELEGATES, "shop/sender.py": SENDER}
    root = write_project(tmp_path / "project", files)

    findings = lint(root, cache=False)

    assert [(Path(f.path).name, f.line) for f in findings] == [("sender.py", 9)]
    assert "atomic() block" in findings[0].message
    assert "transaction.on_commit" in findings[0].message


#: Changes that leave the loop in send_reminders() outside any transaction: the claim yields
#: after its commit, or the delegate still calls claim_batches() but yields after it returns.
GENERATOR_CHANGES = [
    ("claims.py", CLAIMS, "            yield batch\n", "        yield batch\n"),
    ("delegates.py", DELEGATES, "    yield from claim_batches()\n", "    batches = list(claim_batches())\n    yield from batches\n"),
]


@pytest.mark.parametrize(("changed", "source", "old", "new"), GENERATOR_CHANGES, ids=["claims", "delegates"])
def test_warm_run_sees_generator_change(changed: str, source: str, old: str, new: str, tmp_path: Path) -> None:
    files = {"shop/__init__.py": "", "shop/claims.py": CLAIMS, "shop/delegates.py": DELEGATES, "shop/sender.py": SENDER}
    root = write_project(tmp_path / "project", files)
    assert lines(root) == [("sender.py", 9, "OPS101")]

    (root / "shop" / changed).write_text(source.replace(old, new))

    assert lines(root) == [] == lines(root, cache=False)


def test_yield_from_inside_block_counts(tmp_path: Path) -> None:
    source = """\
    from django.core.mail import send_mail
    from django.db import transaction


    def rows(items):
        with transaction.atomic():
            yield from items


    def send(items):
        for item in rows(items):
            send_mail("Item", item.body, None, [item.email])
    """
    root = write_project(tmp_path / "project", {"shop/__init__.py": "", "shop/rows.py": source})

    assert lines(root, cache=False) == [("rows.py", 12, "OPS101")]
