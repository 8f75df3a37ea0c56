"""OPS101 for Django file storage writes and for Braintree, a payment SDK called through
resource classes as Stripe is."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding


def ops101(tmp_path: Path, source: str, files: dict[str, str] | None = None) -> list[Finding]:
    rules = [rule for rule in load_rules() if rule.code == "OPS101"]
    return lint_example(Example(textwrap.dedent(source), files=files or {}), rules, tmp_path)


def in_atomic(setup: str, call: str) -> str:
    """Return a module whose last line makes ``call`` inside an atomic() block."""
    return f"from django.db import transaction\n{setup}\n\n\ndef export(row):\n    with transaction.atomic():\n        row.save()\n        {call}\n"


#: Imports and a call that writes a file through a Django storage.
STORAGE_WRITES = {
    "default storage save": ("from django.core.files.storage import default_storage", "default_storage.save(row.name, row.content)"),
    "default storage delete": ("from django.core.files.storage import default_storage", "default_storage.delete(row.name)"),
    "configured storage": ("from django.core.files.storage import storages", "storages['exports'].save(row.name, row.content)"),
    "file system storage": (
        "from django.core.files.storage import FileSystemStorage\nstore = FileSystemStorage(location='/srv/exports')",
        "store.save(row.name, row.content)",
    ),
    "django-storages backend": ("from storages.backends.s3 import S3Storage", "S3Storage(bucket_name='exports').delete(row.name)"),
}


@pytest.mark.parametrize("setup, call", STORAGE_WRITES.values(), ids=list(STORAGE_WRITES))
def test_storage_write_in_atomic(tmp_path: Path, setup: str, call: str) -> None:
    source = in_atomic(setup, call)

    findings = ops101(tmp_path, source)

    assert [f.line for f in findings] == [source.count("\n")]
    assert "a file storage write" in findings[0].message


#: Storage calls that only read.
STORAGE_READS = {
    "exists": "default_storage.exists(row.name)",
    "url": "default_storage.url(row.name)",
    "open for reading": "default_storage.open(row.name)",
}


@pytest.mark.parametrize("call", STORAGE_READS.values(), ids=list(STORAGE_READS))
def test_storage_read_in_atomic(tmp_path: Path, call: str) -> None:
    source = in_atomic("from django.core.files.storage import default_storage", call)

    assert ops101(tmp_path, source) == []


def test_project_storage_subclass_save(tmp_path: Path) -> None:
    storage = "from storages.backends.s3boto3 import S3Boto3Storage\n\n\nclass PrivateMedia(S3Boto3Storage):\n    bucket_name = 'private'\n"
    source = in_atomic("from app.storage import PrivateMedia", "PrivateMedia().save(row.name, row.content)")

    findings = ops101(tmp_path, source, {"app/__init__.py": "", "app/storage.py": storage})

    assert [f.line for f in findings] == [source.count("\n")]
    assert "a file storage write" in findings[0].message


def test_storage_save_after_atomic(tmp_path: Path) -> None:
    source = (
        "from django.core.files.storage import default_storage\nfrom django.db import transaction\n\n\n"
        "def export(row):\n    with transaction.atomic():\n        row.save()\n    default_storage.save(row.name, row.content)\n"
    )

    assert ops101(tmp_path, source) == []


#: Braintree calls that reach the gateway: resource classes and the gateway object.
BRAINTREE_CALLS = {
    "transaction sale": ("import braintree", "braintree.Transaction.sale({'amount': '10.00'})"),
    "customer create": ("from braintree import Customer", "Customer.create({'email': row.email})"),
    "subscription cancel": ("import braintree", "braintree.Subscription.cancel(row.subscription_id)"),
    "gateway sale": (
        "import braintree\ngateway = braintree.BraintreeGateway(braintree.Configuration(braintree.Environment.Sandbox))",
        "gateway.transaction.sale({'amount': '10.00'})",
    ),
}


@pytest.mark.parametrize("setup, call", BRAINTREE_CALLS.values(), ids=list(BRAINTREE_CALLS))
def test_braintree_call_in_atomic(tmp_path: Path, setup: str, call: str) -> None:
    source = in_atomic(setup, call)

    findings = ops101(tmp_path, source)

    assert [f.line for f in findings] == [source.count("\n")]
    assert "a Braintree API call" in findings[0].message


#: Braintree calls that stay in the process: settings and webhook parsing.
BRAINTREE_LOCAL = {
    "configure": ("import braintree", "braintree.Configuration.configure(braintree.Environment.Sandbox, merchant_id='m')"),
    "parse webhook": ("import braintree", "braintree.WebhookNotification.parse(row.signature, row.payload)"),
    "gateway parses webhook": (
        "import braintree\ngateway = braintree.BraintreeGateway(access_token='t')",
        "gateway.webhook_notification.parse(row.signature, row.payload)",
    ),
}


@pytest.mark.parametrize("setup, call", BRAINTREE_LOCAL.values(), ids=list(BRAINTREE_LOCAL))
def test_braintree_local_call_in_atomic(tmp_path: Path, setup: str, call: str) -> None:
    assert ops101(tmp_path, in_atomic(setup, call)) == []


def test_stripe_webhook_stays_local(tmp_path: Path) -> None:
    source = in_atomic("import stripe", "stripe.Webhook.construct_event(row.payload, row.signature, 'whsec')")

    assert ops101(tmp_path, source) == []
