"""OPS308 on services fed through setters, OPS309 on callbacks, task handles and results left in attributes."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.lint.examples import lint_example
from opsgen.lint.loader import load_rules
from opsgen.lint.rule import Example, Finding

RULES = {rule.code: rule for rule in load_rules()}


def _findings(source: str, tmp_path: Path, path: str = "example.py") -> list[Finding]:
    """Lint ``source`` with every OPS3 rule; return the findings."""
    rules = [rule for code, rule in RULES.items() if code.startswith("OPS3")]
    return lint_example(Example(source, path=path), rules, tmp_path)


def _shown(findings: list[Finding]) -> list[str]:
    return [f"{f.line} {f.code}" for f in findings]


# Two services built with an account that return what they render.
RENDERING = (
    "class BalanceSheet:\n"
    "    def __init__(self, account):\n"
    "        self.account = account\n\n"
    "    def run(self):\n"
    "        return render_balance_sheet(self.account)\n\n"
    "class Ledger:\n"
    "    def __init__(self, account):\n"
    "        self.account = account\n\n"
    "    def run(self):\n"
    "        return render_ledger(self.account)\n\n"
)

TASK_HANDLES = {
    "celery delay": "        return render_invoices.delay(self.account.pk)\n",
    "apply_async bound to a name": "        job = render_invoices.apply_async(args=[self.account.pk], countdown=5)\n        return job\n",
    "task id": "        return render_invoices.delay(self.account.pk).id\n",
    "rq enqueue": "        return self.queue.enqueue(render_invoices, self.account.pk)\n",
    "executor submit": "        return self.executor.submit(render_invoices, self.account)\n",
    "async result": "        return AsyncResult(self.account.report_task_id)\n",
    "celery signature chain": "        return chain(fetch.s(self.account.pk), render.s()).apply_async()\n",
    "task id in a dictionary": "        job = self.queue.enqueue(render_invoices, self.account.pk)\n        return {'job_id': job.id, 'account': self.account.pk}\n",
    "dramatiq message": "        return render_invoices.send_with_options(args=(self.account.pk,), delay=1000)\n",
    "handle on one branch": "        if self.account.large:\n            return render_invoices.delay(self.account.pk)\n        return render_invoice_list(self.account)\n",
}


@pytest.mark.parametrize("body", TASK_HANDLES.values(), ids=TASK_HANDLES.keys())
def test_task_handle_among_results(body: str, tmp_path: Path) -> None:
    source = RENDERING + "class Invoices:\n    def __init__(self, account):\n        self.account = account\n\n    def run(self):\n" + body
    entry = source[: source.rindex("def run")].count("\n") + 1
    findings = _findings(source, tmp_path)
    assert _shown(findings) == [f"{entry} OPS309"]
    assert "Invoices.run() returns a task handle from " in findings[0].message
    assert "while the module's other services return the result itself" in findings[0].message


def test_task_handle_names_the_call(tmp_path: Path) -> None:
    source = RENDERING + "class Invoices:\n    def __init__(self, account):\n        self.account = account\n\n    def run(self):\n"
    [finding] = _findings(source + TASK_HANDLES["celery delay"], tmp_path)
    assert "a task handle from render_invoices.delay(), which callers must wait on for the result" in finding.message


def test_task_created_among_awaited_results(tmp_path: Path) -> None:
    source = (
        "import asyncio\n\n"
        "class FetchRates:\n    async def run(self, currency):\n        return await self.client.rates(currency)\n\n"
        "class FetchNews:\n    async def run(self, topic):\n        return await self.client.news(topic)\n\n"
        "class FetchWeather:\n    async def run(self, city):\n        return asyncio.create_task(self.client.weather(city))\n"
    )
    assert _shown(_findings(source, tmp_path)) == ["12 OPS309"]


def test_task_handle_among_service_functions(tmp_path: Path) -> None:
    source = (
        "def render_ledger(account):\n    return Ledger.render(account)\n\n"
        "def render_balance_sheet(account):\n    return BalanceSheet.render(account)\n\n"
        "def render_invoices(account):\n    return render_invoices_task.delay(account.pk)\n"
    )
    findings = _findings(source, tmp_path, path="reports/services.py")
    assert _shown(findings) == ["7 OPS309"]
    assert "render_invoices() returns a task handle from render_invoices_task.delay()" in findings[0].message


TASK_HANDLES_SILENT = {
    "every service enqueues": RENDERING.replace("return render_balance_sheet(", "return render_balance_sheet.delay(").replace(
        "return render_ledger(", "return render_ledger.delay("
    )
    + "class Invoices:\n    def __init__(self, account):\n        self.account = account\n\n    def run(self):\n        return render_invoices.delay(self.account.pk)\n",
    "awaited task": RENDERING.replace("    def run", "    async def run")
    + "class Invoices:\n    def __init__(self, account):\n        self.account = account\n\n"
    "    async def run(self):\n        return await asyncio.create_task(render(self.account))\n",
    "form submit is no handle": RENDERING
    + "class Invoices:\n    def __init__(self, account):\n        self.account = account\n\n    def run(self):\n        return self.form.submit(self.account)\n",
    "lone service": "class Invoices:\n    def __init__(self, account):\n        self.account = account\n\n    def run(self):\n        return render_invoices.delay(self.account.pk)\n",
    "celery task subclass": "from celery import Task\n\n"
    + RENDERING
    + "class Invoices(Task):\n    def run(self, account_pk):\n        return render_invoices.delay(account_pk)\n",
}


@pytest.mark.parametrize("source", TASK_HANDLES_SILENT.values(), ids=TASK_HANDLES_SILENT.keys())
def test_task_handle_silent(source: str, tmp_path: Path) -> None:
    assert _shown(_findings(source, tmp_path)) == []


# Two payment services built with their inputs.
PAYMENTS = (
    "class RefundPayment:\n"
    "    def __init__(self, payment, amount):\n"
    "        self.payment = payment\n"
    "        self.amount = amount\n\n"
    "    def run(self):\n"
    "        return self.payment.refund(self.amount)\n\n"
    "class CapturePayment:\n"
    "    def __init__(self, payment, amount):\n"
    "        self.payment = payment\n"
    "        self.amount = amount\n\n"
    "    def run(self):\n"
    "        return self.payment.capture(self.amount)\n\n"
)

FED_AFTER_BUILD = {
    "attributes the caller assigns": (
        "class VoidPayment:\n"
        "    def run(self):  # entry\n"
        "        return self.payment.void(self.reason)\n",
        "takes its inputs through the attributes self.payment and self.reason after the service is built empty",
    ),
    "attributes started as None": (
        "class VoidPayment:\n"
        "    def __init__(self):\n"
        "        self.payment = None\n"
        "        self.reason = None\n\n"
        "    def run(self):  # entry\n"
        "        if self.payment is None:\n"
        "            raise ValueError('payment is not set')\n"
        "        return self.payment.void(self.reason)\n",
        "the attributes self.payment and self.reason",
    ),
    "declared on a bare class": (
        "class VoidPayment:\n"
        "    payment: Payment\n"
        "    reason: str\n\n"
        "    def run(self):  # entry\n"
        "        return self.payment.void(self.reason)\n",
        "the attributes self.payment and self.reason",
    ),
    "fluent setters": (
        "class VoidPayment:\n"
        "    payment = None\n\n"
        "    def with_payment(self, payment):\n"
        "        self.payment = payment\n"
        "        return self\n\n"
        "    def run(self):  # entry\n"
        "        return self._void()\n\n"
        "    def _void(self):\n"
        "        return self.payment.void()\n",
        "takes its inputs through with_payment() after the service is built empty",
    ),
}


@pytest.mark.parametrize("source, words", FED_AFTER_BUILD.values(), ids=FED_AFTER_BUILD.keys())
def test_inputs_fed_after_build(source: str, words: str, tmp_path: Path) -> None:
    entry = PAYMENTS.count("\n") + next(n for n, line in enumerate(source.splitlines(), 1) if "# entry" in line)
    findings = _findings(PAYMENTS + source, tmp_path)
    assert _shown(findings) == [f"{entry} OPS308"]
    assert words in findings[0].message
    assert "while most of the module's services take them when they are built" in findings[0].message


FED_AFTER_BUILD_SILENT = {
    # Every service is fed through setters: one convention.
    "every service uses setters": (
        "class RefundPayment:\n    def set_payment(self, payment):\n        self.payment = payment\n\n    def run(self):\n        return self.payment.refund()\n\n"
        "class VoidPayment:\n    def set_payment(self, payment):\n        self.payment = payment\n\n    def run(self):\n        return self.payment.void()\n"
    ),
    # An optional setter beside constructor inputs configures, it does not feed.
    "optional setter beside inputs": PAYMENTS
    + "class VoidPayment:\n    def __init__(self, payment):\n        self.payment = payment\n        self.logger = None\n\n"
    "    def set_logger(self, logger):\n        self.logger = logger\n\n    def run(self):\n        return self.payment.void(self.logger)\n",
    # Class constants and attributes the entry sets itself are not inputs.
    "constants and own state": PAYMENTS
    + "class ExpirePayments:\n    BATCH = 100\n    cutoff = None\n\n    def run(self):\n        self.cutoff = now()\n        return expire(self.cutoff, self.BATCH)\n",
    # A base class from elsewhere may set what the entry reads.
    "imported base": "from billing.base import PaymentService\n\n"
    + PAYMENTS
    + "class VoidPayment(PaymentService):\n    def run(self):\n        return self.payment.void()\n",
    "lone service": "class VoidPayment:\n    def set_payment(self, payment):\n        self.payment = payment\n\n    def run(self):\n        return self.payment.void()\n",
}


@pytest.mark.parametrize("source", FED_AFTER_BUILD_SILENT.values(), ids=FED_AFTER_BUILD_SILENT.keys())
def test_inputs_fed_after_build_silent(source: str, tmp_path: Path) -> None:
    assert _shown(_findings(source, tmp_path)) == []


# Two importers that return what they import.
IMPORTERS = (
    "from dataclasses import dataclass, field\n\n"
    "class ImportProducts:\n"
    "    def __init__(self, rows):\n"
    "        self.rows = rows\n\n"
    "    def run(self):\n"
    "        return [row.to_product() for row in self.rows]\n\n"
    "class ImportPrices:\n"
    "    def __init__(self, rows):\n"
    "        self.rows = rows\n\n"
    "    def run(self):\n"
    "        return [row.to_price() for row in self.rows]\n\n"
)

LEFT_IN_ATTRIBUTES = {
    "assigned result": (
        "class ImportContacts:\n"
        "    def __init__(self, rows):\n"
        "        self.rows = rows\n\n"
        "    def run(self):  # entry\n"
        "        self.result = [row.to_contact() for row in self.rows]\n",
        "leaving the result in self.result for callers to read afterwards",
    ),
    "private result behind a property": (
        "class ImportContacts:\n"
        "    def __init__(self, rows):\n"
        "        self.rows = rows\n"
        "        self._contacts = None\n\n"
        "    @property\n"
        "    def contacts(self):\n"
        "        return self._contacts\n\n"
        "    def run(self):  # entry\n"
        "        self._contacts = [row.to_contact() for row in self.rows]\n",
        "leaving the result in self.contacts",
    ),
    "filled by a helper": (
        "class ImportContacts:\n"
        "    def __init__(self, rows):\n"
        "        self.rows = rows\n"
        "        self.errors = {}\n\n"
        "    def run(self):  # entry\n"
        "        for number, row in enumerate(self.rows):\n"
        "            self._check(number, row)\n\n"
        "    def _check(self, number, row):\n"
        "        if not row.email:\n"
        "            self.errors[number] = 'missing e-mail'\n",
        "leaving the result in self.errors",
    ),
    "success flag": (
        "class ImportContacts:\n"
        "    def __init__(self, rows):\n"
        "        self.rows = rows\n"
        "        self.rejected = []\n\n"
        "    def run(self):  # entry\n"
        "        self.contacts = [row.to_contact() for row in self.rows if row.email]\n"
        "        self.rejected.extend(row for row in self.rows if not row.email)\n"
        "        if self.rejected:\n"
        "            return False\n"
        "        return True\n",
        "returns only True or False, leaving the result in self.contacts and self.rejected",
    ),
    "counters": (
        "@dataclass\n"
        "class ImportContacts:\n"
        "    rows: list\n"
        "    imported: int = 0\n"
        "    skipped: list = field(default_factory=list)\n\n"
        "    def run(self):  # entry\n"
        "        for row in self.rows:\n"
        "            if row.email:\n"
        "                self.imported += 1\n"
        "            else:\n"
        "                self.skipped.append(row)\n",
        "leaving the result in self.imported and self.skipped",
    ),
}


@pytest.mark.parametrize("source, words", LEFT_IN_ATTRIBUTES.values(), ids=LEFT_IN_ATTRIBUTES.keys())
def test_result_left_in_attributes(source: str, words: str, tmp_path: Path) -> None:
    full = IMPORTERS + source
    entry = next(n for n, line in enumerate(full.splitlines(), 1) if "# entry" in line)
    findings = _findings(full, tmp_path)
    assert _shown(findings) == [f"{entry} OPS309"]
    assert words in findings[0].message
    assert "while the module's other services return the result itself" in findings[0].message


LEFT_IN_ATTRIBUTES_SILENT = {
    # Calls on a collaborator built in __init__ are work, not a result left behind.
    "collaborator calls": IMPORTERS
    + "class ImportContacts:\n    def __init__(self, rows, session):\n        self.rows = rows\n        self.session = session\n\n"
    "    def run(self):\n        for row in self.rows:\n            self.session.add(row.to_contact())\n",
    # A change to an input object is the work itself.
    "input changed": IMPORTERS
    + "class ArchiveContacts:\n    def __init__(self, book):\n        self.book = book\n\n    def run(self):\n        self.book.archived = True\n",
    # Private state that no property exposes is bookkeeping.
    "private bookkeeping": IMPORTERS
    + "class ImportContacts:\n    def __init__(self, rows):\n        self.rows = rows\n\n    def run(self):\n        self._started = now()\n        send_all(self.rows)\n",
    # Every service leaves its result in attributes: one convention.
    "every service": "class ImportProducts:\n    def run(self):\n        self.result = load_products()\n\n"
    "class ImportPrices:\n    def run(self):\n        self.result = load_prices()\n\n"
    "class ImportContacts:\n    def run(self):\n        return load_contacts()\n",
    # One service returns a value beside one that fills attributes: no convention yet.
    "one against one": "class Preprocess:\n    def __init__(self, rows):\n        self.rows = rows\n        self.done = set()\n\n"
    "    def execute(self):\n        self.done.update(self.rows)\n        return bool(self.rows)\n\n"
    "class Flush:\n    def __init__(self, rows):\n        self.rows = rows\n\n    def execute(self):\n        self.cycles = find_cycles(self.rows)\n",
}


@pytest.mark.parametrize("source", LEFT_IN_ATTRIBUTES_SILENT.values(), ids=LEFT_IN_ATTRIBUTES_SILENT.keys())
def test_result_left_in_attributes_silent(source: str, tmp_path: Path) -> None:
    assert _shown(_findings(source, tmp_path)) == []


# Two subscription services that return the subscription.
SUBSCRIPTIONS = (
    "from dataclasses import dataclass\n"
    "from typing import Callable\n\n"
    "@dataclass\n"
    "class RenewSubscription:\n"
    "    subscription: object\n\n"
    "    def execute(self):\n"
    "        self.subscription.renew()\n"
    "        return self.subscription\n\n"
    "@dataclass\n"
    "class CancelSubscription:\n"
    "    subscription: object\n\n"
    "    def execute(self):\n"
    "        self.subscription.cancel()\n"
    "        return self.subscription\n\n"
)

CALLBACKS = {
    "passed to the entry": (
        "@dataclass\n"
        "class ChangePlan:\n"
        "    subscription: object\n"
        "    plan: object\n\n"
        "    def execute(self, on_success, on_error):  # entry\n"
        "        try:\n"
        "            self.subscription.change_plan(self.plan)\n"
        "        except ValueError as exc:\n"
        "            on_error(exc)\n"
        "        else:\n"
        "            on_success(self.subscription)\n",
        "handing the outcome to the callbacks on_success and on_error",
    ),
    "passed to the constructor": (
        "class ChangePlan:\n"
        "    def __init__(self, subscription, plan, on_success, on_error):\n"
        "        self.subscription = subscription\n"
        "        self.plan = plan\n"
        "        self.on_success = on_success\n"
        "        self.on_error = on_error\n\n"
        "    def execute(self):  # entry\n"
        "        try:\n"
        "            self.subscription.change_plan(self.plan)\n"
        "        except ValueError as exc:\n"
        "            self.on_error(exc)\n"
        "            return\n"
        "        self.on_success(self.subscription)\n",
        "handing the outcome to the callbacks self.on_error and self.on_success",
    ),
    "dataclass fields": (
        "@dataclass\n"
        "class ChangePlan:\n"
        "    subscription: object\n"
        "    plan: object\n"
        "    on_done: Callable\n"
        "    on_failure: Callable\n\n"
        "    def execute(self):  # entry\n"
        "        if not self.plan.available:\n"
        "            self.on_failure('plan not available')\n"
        "            return\n"
        "        self.on_done(self.subscription.change_plan(self.plan))\n",
        "the callbacks self.on_failure and self.on_done",
    ),
    "handed on to a gateway": (
        "@dataclass\n"
        "class ChangePlan:\n"
        "    subscription: object\n"
        "    plan: object\n\n"
        "    def execute(self, callback):  # entry\n"
        "        self.gateway.change_plan(self.subscription, self.plan, callback=callback)\n",
        "the callbacks callback",
    ),
    "future handed in": (
        "@dataclass\n"
        "class ChangePlan:\n"
        "    subscription: object\n"
        "    plan: object\n\n"
        "    def execute(self, future):  # entry\n"
        "        try:\n"
        "            future.set_result(self.subscription.change_plan(self.plan))\n"
        "        except ValueError as exc:\n"
        "            future.set_exception(exc)\n",
        "the callbacks future.set_result() and future.set_exception()",
    ),
    "handler names": (
        "class ChangePlan:\n"
        "    def __init__(self, subscription, success_handler, error_handler):\n"
        "        self.subscription = subscription\n"
        "        self.success_handler = success_handler\n"
        "        self.error_handler = error_handler\n\n"
        "    def execute(self):  # entry\n"
        "        if not self.subscription.active:\n"
        "            self.error_handler('inactive')\n"
        "        else:\n"
        "            self.success_handler(self.subscription)\n",
        "the callbacks self.error_handler and self.success_handler",
    ),
    "error callback beside a returned value": (
        "@dataclass\n"
        "class ChangePlan:\n"
        "    subscription: object\n"
        "    plan: object\n\n"
        "    def execute(self, errback):  # entry\n"
        "        try:\n"
        "            return self.subscription.change_plan(self.plan)\n"
        "        except ValueError as exc:\n"
        "            errback(exc)\n",
        "the callbacks errback",
    ),
}


@pytest.mark.parametrize("source, words", CALLBACKS.values(), ids=CALLBACKS.keys())
def test_outcome_through_callbacks(source: str, words: str, tmp_path: Path) -> None:
    full = SUBSCRIPTIONS + source
    entry = next(n for n, line in enumerate(full.splitlines(), 1) if "# entry" in line)
    findings = _findings(full, tmp_path)
    assert _shown(findings) == [f"{entry} OPS309"]
    assert "returns nothing, handing the outcome to " in findings[0].message
    assert words in findings[0].message


CALLBACKS_SILENT = {
    # A progress callback reports progress; the result is still returned.
    "progress callback": SUBSCRIPTIONS
    + "@dataclass\nclass ChangePlan:\n    subscription: object\n    on_progress: Callable\n\n"
    "    def execute(self):\n        self.on_progress(50)\n        return self.subscription\n",
    # on_success() as a method of the class is a hook that subclasses override.
    "hook method": SUBSCRIPTIONS
    + "@dataclass\nclass ChangePlan:\n    subscription: object\n\n"
    "    def on_success(self, subscription):\n        pass\n\n"
    "    def execute(self):\n        self.subscription.change_plan()\n        self.on_success(self.subscription)\n",
    # Every service reports through callbacks: one convention.
    "every service": "class Renew:\n    def execute(self, sub, on_success):\n        on_success(sub.renew())\n\n"
    "class Cancel:\n    def execute(self, sub, on_success):\n        on_success(sub.cancel())\n\n"
    "class Pause:\n    def execute(self, sub):\n        return sub.pause()\n",
    "lone service": "class ChangePlan:\n    def execute(self, plan, on_success, on_error):\n        on_success(plan)\n",
}


@pytest.mark.parametrize("source", CALLBACKS_SILENT.values(), ids=CALLBACKS_SILENT.keys())
def test_outcome_through_callbacks_silent(source: str, tmp_path: Path) -> None:
    assert _shown(_findings(source, tmp_path)) == []


def test_callback_parameters_are_not_inputs(tmp_path: Path) -> None:
    """Callbacks handed to the entry leave a service built with its inputs, so OPS308 stays silent."""
    source = SUBSCRIPTIONS + CALLBACKS["passed to the entry"][0]
    assert [f.code for f in _findings(source, tmp_path)] == ["OPS309"]


def test_callback_case_reported_by_ops309(tmp_path: Path) -> None:
    """The on_success/on_error case gets OPS309, which names the callbacks, and no OPS308 binding message."""
    case = Path(__file__).parent / "unseen_cases_round6" / "r6_36_callback_result_among_returning.py"
    findings = _findings(case.read_text(encoding="utf-8"), tmp_path)
    assert [f.code for f in findings] == ["OPS309"]
    assert "ChangePlan.execute() returns nothing, handing the outcome to the callbacks on_success and on_error" in findings[0].message
