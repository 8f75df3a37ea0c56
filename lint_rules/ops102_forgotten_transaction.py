"""OPS102: several writes with no transaction around them."""

from __future__ import annotations

import re
from collections.abc import Iterator

from opsgen.lint.rule import Example, Finding, ModuleContext, Rule

_NOT_APPLICATION_CODE = re.compile(r"(^|/)(tests?|migrations)/|(^|/)(test_[^/]*|[^/]*_tests?|conftest)\.py$")


class ForgottenTransaction(Rule):
    """Flags a function that makes two or more writes with no transaction around them.

    What it does:
        Reports a function that saves, creates, deletes or bulk-updates rows two or more
        times when neither the function nor any of its callers opens a transaction, or
        that commits its session writes in two or more transactions (a ``commit()`` in a
        loop commits once per pass). A write in a loop counts as several, and a call of a
        helper that writes as one.
        A loop whose every iteration makes a single ``delete()`` or a single call of a
        writing helper handles independent items (a cleanup job, one mail per recipient)
        and is not reported; neither is a write in a loop block that ends in ``break`` or
        ``return``, which runs once. Writes in different arms of an ``if``, or in
        different handlers (or a handler and the ``else``) of a ``try``, exclude each
        other. A ``save()`` with keywords that Django's ``save()`` does not take (an
        image written to a stream) is not a write, and neither is a ``save()`` of a row the
        function created just before (``row, _ = Model.objects.get_or_create(...)``, then
        ``row.save()``): a failure between leaves the row as it was created. A
        serializer's ``create()``, ``update()`` or ``save()`` override counts as called
        from every ``serializer.save()`` in the project, which is how the framework runs
        it. A queryset of a related manager writes too: ``order.lines.all().delete()``, and
        so do ``add()``, ``remove()``, ``set()`` and ``clear()`` of a related manager
        (``team.members.add(user)``) on an object whose model the linter can name.
        Test modules and migrations are skipped, and opsgen operations are left to OPS103.

    Why is this bad:
        In autocommit mode every write commits on its own. A failure between two writes
        leaves half the change in the database: an order without its lines, a transfer
        debited and never credited.

    Example:
        def place_order(customer, cart):
            order = Order.objects.create(customer=customer)
            for item in cart.items:
                OrderLine.objects.create(order=order, sku=item.sku)

    Use instead:
        @transaction.atomic
        def place_order(customer, cart):
            order = Order.objects.create(customer=customer)
            for item in cart.items:
                OrderLine.objects.create(order=order, sku=item.sku)
    """

    code = "OPS102"
    name = "forgotten-transaction"
    follows_calls = True
    MESSAGE = (
        "OPS102 {function}() {writes} with no transaction around them here or in any caller, "
        "so a failure between them leaves a partial change; wrap them in transaction.atomic() "
        "or one session transaction"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        if _NOT_APPLICATION_CODE.search(module.relative_path):
            return
        analysis = module.analysis
        for function in module.functions():
            if function.name == "<module>" or analysis.operation_of(function) is not None:
                continue
            sites = analysis.one_path(analysis.write_sites(function))
            count = sum(weight for _, weight in sites)
            commits = analysis.separate_commits(function)
            # A commit in a loop ends one transaction per item.
            transactions = sum(2 if call.loops else 1 for call in commits)
            if count < 2 and transactions < 2:
                continue
            if transactions < 2 and analysis.independent_items(sites):
                continue
            if analysis.in_transaction_somewhere(function.qualname):
                continue
            if count >= 2:
                listed = ", ".join(f"{call.text}() at line {call.line}" for call, _ in sites[:3])
                amount = "several" if count > len(sites) else str(count)
                writes = f"makes {amount} writes ({listed}{', ...' if len(sites) > 3 else ''})"
                line, column = sites[0][0].line, sites[0][0].column
            else:
                listed = ", ".join(f"{call.text}() at line {call.line}" for call in commits[:3])
                amount = "one transaction per loop pass" if len(commits) == 1 else f"{len(commits)} transactions"
                writes = f"commits its writes in {amount} ({listed})"
                line, column = int((commits[0].session_write or ":0").rpartition(":")[2]), 0
            yield module.finding(self.code, self.MESSAGE.format(function=function.name, writes=writes), line, column)

    VALID = [
        Example(
            "from django.db import transaction\n"
            "from orders.models import Order, OrderLine\n\n"
            "@transaction.atomic\n"
            "def place_order(customer, cart):\n"
            "    order = Order.objects.create(customer=customer)\n"
            "    for item in cart.items:\n"
            "        OrderLine.objects.create(order=order, sku=item.sku)\n"
        ),
        Example(
            "from django.db import transaction\n"
            "from orders.models import Order\n\n"
            "def write_two(customer):\n"
            "    Order.objects.create(customer=customer)\n"
            "    Order.objects.create(customer=customer)\n\n"
            "def caller(customer):\n"
            "    with transaction.atomic():\n"
            "        write_two(customer)\n"
        ),
        Example(
            "from django.db import transaction\n"
            "from rest_framework import serializers, viewsets\n"
            "from orders.models import Order, OrderLine\n\n"
            "class OrderSerializer(serializers.ModelSerializer):\n"
            "    def create(self, validated_data):\n"
            "        lines = validated_data.pop('lines')\n"
            "        order = Order.objects.create(**validated_data)\n"
            "        for line in lines:\n"
            "            OrderLine.objects.create(order=order, **line)\n"
            "        return order\n\n"
            "class OrderViewSet(viewsets.ModelViewSet):\n"
            "    serializer_class = OrderSerializer\n\n"
            "    @transaction.atomic\n"
            "    def perform_create(self, serializer):\n"
            "        serializer.save()\n"
        ),
        Example(
            "from django.db import transaction\n"
            "from rest_framework import serializers, viewsets\n\n"
            "class TaxRuleSerializer(serializers.ModelSerializer):\n"
            "    def save(self, **kwargs):\n"
            "        self.context['event'].tax_rules.exclude(pk=self.instance.pk).update(default=False)\n"
            "        return super().save(**kwargs)\n\n"
            "class TaxRuleViewSet(viewsets.ModelViewSet):\n"
            "    serializer_class = TaxRuleSerializer\n\n"
            "    @transaction.atomic\n"
            "    def perform_create(self, serializer):\n"
            "        serializer.save(event=self.request.event)\n"
        ),
        Example(
            "from django.db.models import F\n"
            "from stats.models import DailyCount\n\n"
            "def count_view(page, day):\n"
            "    row, _ = DailyCount.objects.get_or_create(page=page, day=day)\n"
            "    row.views = F('views') + 1\n"
            "    row.save(update_fields=['views'])\n"
        ),
        Example(
            "from files.models import CachedFile, CachedTicket\n\n"
            "def clean_expired(now):\n"
            "    for cached in CachedFile.objects.filter(expires__lt=now):\n"
            "        cached.delete()\n"
            "    for ticket in CachedTicket.objects.filter(expires__lt=now):\n"
            "        ticket.delete()\n"
        ),
        Example(
            "from mail.outbox import queue_mail\n\n"
            "def mail_attendees(event, subject):\n"
            "    for attendee in event.attendees.all():\n"
            "        queue_mail(attendee.email, subject)\n",
            files={
                "mail/__init__.py": "",
                "mail/outbox.py": (
                    "from mail.models import OutgoingMail\n\n"
                    "def queue_mail(to, subject):\n"
                    "    return OutgoingMail.objects.create(to=to, subject=subject)\n"
                ),
            },
        ),
        Example(
            "from devices.models import LastSeen\n\n"
            "def touch(device, now):\n"
            "    try:\n"
            "        seen = device.last_seen\n"
            "    except LastSeen.DoesNotExist:\n"
            "        LastSeen.objects.create(device=device, at=now)\n"
            "    else:\n"
            "        seen.at = now\n"
            "        seen.save(update_fields=['at'])\n"
        ),
        Example(
            "from accounts.models import SecurityKey\n\n"
            "def confirm_key(user, key_id, count):\n"
            "    for key in user.keys.all():\n"
            "        if key.pk == key_id:\n"
            "            key.sign_count = count\n"
            "            key.save()\n"
            "            break\n"
        ),
        Example(
            "from io import BytesIO\n"
            "from media.models import Thumbnail\n\n"
            "def thumbnail(image, name):\n"
            "    buffer = BytesIO()\n"
            "    image.save(fp=buffer, format='PNG')\n"
            "    Thumbnail.objects.create(name=name, data=buffer.getvalue())\n"
        ),
    ]
    INVALID = [
        Example(
            "def import_rows(session, records):\n"
            "    for record in records:\n"
            "        session.add(Row(payload=record))  # OPS102\n"
            "        session.commit()\n"
        ),
        Example(
            "from carts.models import CartLine\n\n"
            "def replace_lines(cart, items):\n"
            "    cart.lines.all().delete()  # OPS102\n"
            "    CartLine.objects.bulk_create([CartLine(cart=cart, **item) for item in items])\n"
        ),
        Example(
            "def transfer(session, source, target, amount):\n"
            "    source.balance -= amount\n"
            "    session.add(source)  # OPS102\n"
            "    session.commit()\n"
            "    target.balance += amount\n"
            "    session.add(target)\n"
            "    session.commit()\n"
        ),
        Example(
            "from teams.models import Invitation\n\n"
            "def accept(invitation, user):\n"
            "    invitation.team.members.add(user)  # OPS102\n"
            "    invitation.delete()\n",
            files={
                "teams/__init__.py": "",
                "teams/models.py": (
                    "from django.db import models\n\n"
                    "class Team(models.Model):\n"
                    "    members = models.ManyToManyField('auth.User')\n\n"
                    "class Invitation(models.Model):\n"
                    "    team = models.ForeignKey(Team, on_delete=models.CASCADE)\n"
                ),
            },
        ),
        Example(
            "from orders.models import Order, OrderLine\n\n"
            "def place_order(customer, cart):\n"
            "    order = Order.objects.create(customer=customer)  # OPS102\n"
            "    for item in cart.items:\n"
            "        OrderLine.objects.create(order=order, sku=item.sku)\n"
        ),
        Example(
            "from orders.models import Order\n"
            "from orders.stock import reserve\n\n"
            "def place_order(customer, cart):\n"
            "    order = Order.objects.create(customer=customer)  # OPS102\n"
            "    reserve(order)\n",
            files={
                "orders/__init__.py": "",
                "orders/stock.py": (
                    "from orders.models import Order\n\n"
                    "def reserve(order: Order):\n"
                    "    order.reserved = True\n"
                    "    order.save()\n"
                ),
            },
        ),
    ]
