"""The Django autofix passes the database alias of the transaction to ``on_commit(using=...)``.

``on_commit()`` without ``using`` registers the callback on the default database, so a
call deferred inside a transaction on another database would run at once, or with the
wrong commit.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from opsgen.lint.autofix import apply_fixes
from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding

RULES = load_rules()

RECEIVER_IMPORTS = """\
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from shop.models import Order
from shop.tasks import notify

"""

ALIAS_CASES = {
    "save receiver's using parameter": (
        RECEIVER_IMPORTS
        + "@receiver(post_save, sender=Order)\n"
        "def order_saved(sender, instance, created, using, **kwargs):\n"
        "    notify.delay(instance.pk)\n",
        "transaction.on_commit(partial(notify.delay, instance.pk), using=using)",
    ),
    "delete receiver's keyword arguments": (
        RECEIVER_IMPORTS
        + "@receiver(post_delete, sender=Order)\n"
        "def order_deleted(sender, instance, **options):\n"
        "    notify.delay(instance.pk)\n",
        'transaction.on_commit(partial(notify.delay, instance.pk), using=options.get("using"))',
    ),
    "receiver connected with connect()": (
        RECEIVER_IMPORTS
        + "def order_saved(sender, instance, using, **kwargs):\n"
        "    notify.delay(instance.pk)\n\n\n"
        "post_save.connect(order_saved, sender=Order)\n",
        "transaction.on_commit(partial(notify.delay, instance.pk), using=using)",
    ),
    "positional alias of an @atomic decorator": (
        "from django.db import transaction\n\n"
        "from shop.tasks import notify\n\n\n"
        '@transaction.atomic("ledger")\n'
        "def close(entry):\n"
        "    entry.save()\n"
        "    notify.delay(entry.pk)\n",
        'transaction.on_commit(partial(notify.delay, entry.pk), using="ledger")',
    ),
    "module constant as an @atomic alias": (
        "from django.db import transaction\n\n"
        "from shop.tasks import notify\n\n"
        'LEDGER = "ledger"\n\n\n'
        "@transaction.atomic(using=LEDGER)\n"
        "def close(entry):\n"
        "    entry.save()\n"
        "    notify.delay(entry.pk)\n",
        "transaction.on_commit(partial(notify.delay, entry.pk), using=LEDGER)",
    ),
    "method_decorator on a view's dispatch": (
        "from django.db import transaction\n"
        "from django.utils.decorators import method_decorator\n"
        "from django.views import View\n\n"
        "from shop.tasks import notify\n\n\n"
        '@method_decorator(transaction.atomic(using="ledger"), name="dispatch")\n'
        "class CloseView(View):\n"
        "    def post(self, request, pk):\n"
        "        request.user.save()\n"
        "        notify.delay(pk)\n",
        'transaction.on_commit(partial(notify.delay, pk), using="ledger")',
    ),
    "method_decorator on a view method": (
        "from django.db import transaction\n"
        "from django.utils.decorators import method_decorator\n"
        "from django.views import View\n\n"
        "from shop.tasks import notify\n\n\n"
        "class CloseView(View):\n"
        '    @method_decorator(transaction.atomic(using="ledger"))\n'
        "    def post(self, request, pk):\n"
        "        request.user.save()\n"
        "        notify.delay(pk)\n",
        'transaction.on_commit(partial(notify.delay, pk), using="ledger")',
    ),
}


def _ops101(source: str, tmp_path: Path) -> list[Finding]:
    return [f for f in lint_example(Example(source), RULES, tmp_path) if f.code == "OPS101"]


@pytest.mark.parametrize(("source", "expected"), ALIAS_CASES.values(), ids=list(ALIAS_CASES))
def test_on_commit_gets_transaction_alias(source: str, expected: str, tmp_path: Path) -> None:
    findings = _ops101(source, tmp_path)
    assert len(findings) == 1, [f.message for f in findings]
    fix = findings[0].fix
    assert fix is not None, findings[0].no_fix_reason

    fixed = apply_fixes(source, [fix]).source
    assert _flat(expected) in _flat(fixed)
    compile(fixed, "fixed.py", "exec")


def _flat(code: str) -> str:
    """Return ``code`` without whitespace or trailing commas, so a call split over lines still matches."""
    return "".join(code.split()).replace(",)", ")")


def test_alias_only_from_model_signals(tmp_path: Path) -> None:
    # order_paid is a project signal that sends no using, so only order_saved may read it.
    source = (
        RECEIVER_IMPORTS
        + "order_paid = Signal()\n\n\n"
        "@receiver(post_save, sender=Order)\n"
        "def order_saved(sender, instance, **kwargs):\n"
        "    notify.delay(instance.pk)\n\n\n"
        "@receiver([post_save, order_paid], sender=Order)\n"
        "def order_changed(sender, instance, **kwargs):\n"
        "    notify.delay(instance.pk)\n"
    )
    fixes = {finding.line: finding.fix for finding in _ops101(source, tmp_path)}
    lines = source.splitlines()
    saved = fixes[lines.index("    notify.delay(instance.pk)") + 1]  # the first receiver's call
    changed = fixes[len(lines)]  # the last line: the second receiver's call
    assert saved is not None
    assert saved.using == '=kwargs.get("using")'
    assert changed is not None
    assert changed.using is None


def test_method_alias_expression_not_fixable(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """\
        from django.db import transaction

        from shop.tasks import notify


        class Ledger:
            ALIAS = "ledger"

            @transaction.atomic(using=ALIAS)
            def close(self, entry):
                entry.save()
                notify.delay(entry.pk)
        """
    )
    findings = _ops101(source, tmp_path)
    assert len(findings) == 1
    assert findings[0].fix is None
    assert "database alias" in (findings[0].no_fix_reason or "")
