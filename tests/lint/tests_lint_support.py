"""Write small example projects for the lint tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

CHECKOUT = '''\
from django.db import transaction

from shop.notify import tell_customer
from shop.tasks import send_receipt


def checkout(cart):
    with transaction.atomic():
        order = cart.place()
        send_receipt.delay(order.pk)
        tell_customer(order)
    return order


def quiet(cart):
    with transaction.atomic():
        order = cart.place()
        send_receipt.delay(order.pk)  # noqa: OPS101
'''

NOTIFY = '''\
import requests


def tell_customer(order):
    requests.post(order.customer.webhook, json={"order": order.pk}, timeout=5)
'''


#: An operation implementation that posts an HTTP request in ``run``: OPS101 when its spec
#: ``shop.ship_order`` says ``transaction: true``.
SHIP_ORDER = """\
import requests
from app.generated import ShipOrderBase


class ShipOrder(ShipOrderBase):
    def run(self, ctx, *, order_id):
        requests.post("https://example.invalid/shipped", data=order_id)
"""


def write_project(root: Path, files: dict[str, str] | None = None, pyproject: str = "") -> Path:
    """Write a project under ``root``: a pyproject.toml and the given files (dedented)."""
    files = files if files is not None else {"shop/__init__.py": "", "shop/orders.py": CHECKOUT, "shop/notify.py": NOTIFY}
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text('[project]\nname = "example"\nversion = "0"\n' + textwrap.dedent(pyproject))
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    return root
