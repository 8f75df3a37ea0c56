"""OPS101: a side effect sent from inside an open database transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from opsgen.lint.analysis import UNKNOWN_ALIAS, Analysis, Reach
from opsgen.lint.knowledge import (
    HTTP_READ_VERBS,
    ON_COMMIT_BY_ALIAS,
    SESSION_METHODS,
    SESSION_NAMES,
    SESSION_TYPES,
    THREAD_STARTERS,
    is_core_connection,
    is_engine,
)
from opsgen.lint.operation_helpers import raise_after_call
from opsgen.lint.rule import Example, Finding, Fix, ModuleContext, Rule, Transaction
from opsgen.lint.summary import CallSite, FunctionSummary

#: A project with one opsgen operation whose spec says ``transaction: true``.
OPERATION_FILES = {
    "pyproject.toml": '[tool.opsgen]\nspecs = "specs"\n',
    "specs/ship_order.yaml": "name: shop.ship_order\ntransaction: true\ninput:\n  order_id: int\n",
    "app/__init__.py": "",
    "app/generated.py": "class ShipOrderBase:\n    pass\n",
    "app/models.py": "class Shipment:\n    pass\n",
}
OPERATION_IMPORTS = "import requests\nfrom app.generated import ShipOrderBase\nfrom app.models import Shipment\n"
#: The operation's run() down to its first write, after the imports.
OPERATION_RUN = (
    "\nSHIPPED_URL = 'https://example.invalid/shipped'\n\n"
    "class ShipOrder(ShipOrderBase):\n"
    "    def run(self, ctx, *, order_id):\n"
    "        ctx.session.add(Shipment(order_id=order_id))\n"
)

#: A Flask-SQLAlchemy view down to the flush that assigns the new row's id.
SQLALCHEMY_RIDE = (
    "from app.extensions import db\n"
    "from app.models import Ride\n"
    "from app.tasks import dispatch_ride\n\n"
    "def create_ride(customer_id):\n"
    "    ride = Ride(customer_id=customer_id)\n"
    "    db.session.add(ride)\n"
    "    db.session.flush()\n"
)


def opens_on_engine(opener: CallSite) -> bool:
    """Return True for ``engine.begin()``, whose block runs on a Core connection."""
    receiver_type = (opener.target or "").rpartition(".")[0]
    return is_engine(receiver_type, opener.text.rpartition(".")[0])


def runs_on_connection(function: FunctionSummary, owner: str) -> bool:
    """Return True when ``owner``, which wrote and left its transaction open in
    ``function``, is a SQLAlchemy Core connection rather than a session."""
    if owner.rpartition(".")[2] in SESSION_NAMES or owner.lower().endswith("session"):
        return False
    receiver_types = {(c.target or "").rpartition(".")[0] for c in function.calls if c.text.rpartition(".")[0] == owner}
    if receiver_types & SESSION_TYPES:
        return False
    return any(is_core_connection(receiver_type, owner) for receiver_type in receiver_types | {""})


class SideEffectInTransaction(Rule):
    """Flags an e-mail, HTTP call, task enqueue or broker publish made inside a transaction.

    What it does:
        Reports a call that reaches the outside world while a database transaction is
        open: inside ``atomic()`` (block, decorator, ``ATOMIC_REQUESTS`` view, admin hook, a
        method of a class-based view whose ``dispatch()`` is atomic, the body of a loop over
        a generator that yields inside the block),
        inside ``session.begin()`` or between a session write and its ``commit()``, in
        a model signal receiver or session event, in the callback of MongoDB's
        ``session.with_transaction()``, in a Pyramid view that pyramid_tm runs inside the
        request transaction (up to its ``request.tm.commit()``), or anywhere in the ``run()`` of an opsgen
        operation whose spec says ``transaction: true`` and in the helper methods that only
        that ``run()`` calls through ``self``. A call into a helper, a model method, a
        ``save()`` override or a receiver that sends the effect is reported where it is
        made, with the chain of calls down to the effect. So is a call of a handler taken
        from a dict, list or tuple of functions, and a call on ``self`` that a subclass's
        override of the method sends the effect from. A function handed to a worker
        thread where the call stands counts as called there: ``asyncio.to_thread(f, ...)``,
        ``loop.run_in_executor(None, f, ...)``, ``anyio.to_thread.run_sync(f, ...)``,
        ``run_in_threadpool(f, ...)``, an executor's ``submit(f, ...)`` or ``map(f, ...)``
        and ``sync_to_async(f)(...)``, with ``f`` also given as ``partial(f, ...)`` or
        ``lambda: f(...)``. So does a function given to ``threading.Thread(target=f)``,
        ``threading.Timer(30, f)`` or ``multiprocessing.Process(target=f)``, where the
        thread or process starts: at ``worker.start()`` when it is bound to a name that
        the function starts, so a thread built inside the block and started after it is
        not reported, and otherwise where it is built. A ``transaction.on_commit(f)`` inside ``atomic(using="ledger")``
        that names no database, or another one, is reported too: Django runs ``f`` at once
        when the database it names has no atomic block open. A call in one arm of an ``if``
        whose other arm defers to commit (``transaction.on_commit``) is taken as a choice
        made on purpose, such as a branch for a test setup where commit hooks never fire,
        and is not reported.

        A ``post_save`` receiver's code under ``if created:`` (also after ``if not created:
        return``, or under ``kwargs.get("created")``) runs only for a write that may insert:
        ``Model.objects.create()``, ``get_or_create()``, ``update_or_create()`` or a
        ``save()`` of an instance built in the function. A ``save()`` of a row that a query
        loaded (``get()``, ``select_for_update().get()``, ``filter().first()``,
        ``get_object_or_404()``, a loop over a queryset) or with ``update_fields`` does not
        reach it. Code under ``if not created:`` is reached by those saves and
        ``update_or_create()``, not by ``create()``, ``get_or_create()`` or the first
        ``save()`` of a built instance. A ``save()`` of a row of unknown origin, such as a
        parameter or ``self``, may insert, so it reaches both.

        The remedy is to defer the effect until after commit, with the hook of the
        transaction's library. When a model signal receiver sends the effect, the write
        that sends the signal cannot wait, so the message names the receiver, with its
        path and line, as the place to call ``transaction.on_commit(...)``. An HTTP read (``get()``, ``head()``, ``options()``) whose
        result the code uses, directly or through a helper that makes it, feeds the
        transaction and cannot wait for the commit, so the message then advises making the
        request before the transaction opens and passing its result in.

    Why is this bad:
        The effect cannot be rolled back. A worker can pick up the task before the row it
        reads is committed, and a rollback after the e-mail was sent leaves the customer
        with a confirmation of an order that does not exist. A savepoint (an inner ``atomic()``) commits
        nothing, and a countdown on the task only guesses at the commit time.

    Example:
        with transaction.atomic():
            order = Order.objects.create(...)
            send_receipt.delay(order.pk)

    Use instead:
        with transaction.atomic():
            order = Order.objects.create(...)
            transaction.on_commit(partial(send_receipt.delay, order.pk))
    """

    code = "OPS101"
    name = "side-effect-in-transaction"
    follows_calls = True
    MESSAGE = "OPS101 {call} {verb} {effect}{where} inside {transaction}{note}; {advice}"

    #: How to defer an effect, by the kind of transaction it sits in.
    ADVICE = {
        "django": "defer it until after commit with transaction.on_commit(...)",
        "opsgen": "defer it until after commit with ctx.after_commit(...) or an effect declared in the operation's spec",
        "sqlalchemy": "defer it until after commit with an after_commit event listener on the session, or run it "
        "from an opsgen operation that declares it as an effect",
        "other": "defer it until after commit with the framework's after-commit hook, or ctx.after_commit(...) in "
        "an opsgen operation",
        "driver": "move it below the connection's commit() or out of its with block, or run it from an opsgen "
        "operation that declares it as an effect",
        "zope": "defer it with transaction.get().addAfterCommitHook(...) or, for an e-mail, pyramid_mailer's send(), "
        "which delivers at commit",
    }
    #: The remedy for an HTTP read whose response the code in the transaction uses, which
    #: cannot wait until after commit.
    READ_ADVICE = (
        "make the request before the transaction opens and pass its result in, since a read "
        "whose result the transaction uses cannot be deferred until after commit"
    )
    #: The SQLAlchemy remedies after the move below a commit in the function's own code.
    SESSION_LATER = "or defer it to an after_commit listener on the session or to an opsgen operation that declares it as an effect"
    #: A Core ``Connection`` has no session, so no session event fires for it.
    CONNECTION_LATER = "or run it from an opsgen operation that declares it as an effect"
    #: What the autofix does for the move.
    AUTOFIX_MOVES = "which 'opsgen lint --fix' does where it is safe"
    #: The remedy when a model signal receiver sends the effect: the write that sends the
    #: signal cannot wait for the commit, but the receiver's effect can.
    RECEIVER_ADVICE = "defer it in the receiver {receiver} ({path}:{line}) with transaction.on_commit(...)"
    RECEIVER_NO_FIX = (
        "the side effect is sent from the model signal receiver {receiver}, which must defer it, since the "
        "write that sends the signal cannot wait for the commit"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        analysis = module.analysis
        callers = analysis.callers()
        for function in module.functions():
            context = analysis.context(function)
            if context is not None and analysis.reported_at_sender(function):
                continue
            fallback = None
            if context is None and function.qualname not in callers:
                # A receiver or save() override that no call in the project leads to may still
                # run inside a caller's transaction, so its effects are reported where they sit.
                fallback = analysis.possible_context(function)
                if fallback is not None and function.qualname in analysis.reached_from_transaction():
                    fallback = None
            for call in function.calls:
                transaction = analysis.transaction_at(function, call) or fallback
                if transaction is None or (transaction.end_line is not None and call.line > transaction.end_line):
                    continue  # no transaction, or a call after the request.tm.commit() that ends a view's transaction
                alias = self.on_commit_elsewhere(analysis, function, call)
                if alias is not None:
                    yield self.immediate_on_commit(module, call, transaction, alias)
                    continue
                chain = analysis.call_reach(module.summary, function, call)
                if chain is None:
                    continue
                direct = len(chain.hops) == 1
                last = chain.hops[-1]
                kind = chain.effect.kind
                article = "an" if kind[0] in "aeiouAEIO" or kind.startswith("HTTP") else "a"
                shown = chain.effect.name if chain.effect.name != call.text else ""
                if direct:
                    where = f" ({shown})" if shown else ""
                else:
                    where = f" ({chain.effect.name} at {module.index.relative(last.path)}:{last.line})"
                note = ""
                if call.runner in THREAD_STARTERS:
                    started = "process" if call.runner.endswith("Process") else "thread"
                    note = f", where {call.runner}() runs it in a new {started} without waiting for the commit"
                elif call.runner:
                    note = f", where {call.runner}() runs it in a worker thread without waiting for the commit"
                elif direct and {"countdown", "eta"} & set(call.keywords):
                    note = ", and a countdown or eta does not wait for the commit"
                receiver = next((hop for hop in chain.hops if hop.receiver), None)
                if receiver is not None:
                    advice = self.RECEIVER_ADVICE.format(receiver=receiver.receiver, path=module.index.relative(receiver.path), line=receiver.line)
                elif self.reads_for_transaction(call, chain):
                    advice = self.READ_ADVICE
                else:
                    advice = self.advice(analysis, function, call, transaction)
                message = self.MESSAGE.format(
                    call=f"the assignment to {call.text}" if call.assigned else f"{call.text}()",
                    verb="is" if direct else "leads to",
                    effect=f"{article} {kind}",
                    where=where,
                    transaction=transaction.reason,
                    note=note,
                    advice=advice,
                )
                if receiver is not None:
                    reason: str | None = self.RECEIVER_NO_FIX.format(receiver=receiver.receiver)
                else:
                    reason = self.no_fix_reason(analysis, function, call, transaction, direct)
                fix = None
                if reason is None and transaction.style == "sqlalchemy":
                    fix, reason = self.commit_move(analysis, function, call)
                elif reason is None:
                    style: Literal["django", "opsgen"] = "opsgen" if transaction.style == "opsgen" else "django"
                    fix = Fix("defer", call.line, call.column, style, transaction.using)
                yield module.finding(self.code, message, call.line, call.column, chain.hops[1:], fix, reason)

    @staticmethod
    def reads_for_transaction(call: CallSite, chain: Reach) -> bool:
        """Return True when the effect is an HTTP read (GET, HEAD or OPTIONS) and the code in
        the transaction uses the result of the call that leads to it: ``rate =
        requests.get(url).json()``, or ``rate = fetch_rate()`` whose body makes the read."""
        effect = chain.effect
        return effect.kind == "HTTP request" and effect.name.rpartition(".")[2] in HTTP_READ_VERBS and call.result_used

    @staticmethod
    def on_commit_elsewhere(analysis: Analysis, function: FunctionSummary, call: CallSite) -> str | None:
        """Return the database alias of the atomic block around an ``on_commit()`` that
        registers its callback on a database with no atomic block open there, or None.

        Each database has its own connection and blocks, so ``on_commit(f)`` inside
        ``atomic(using="ledger")`` runs ``f`` at once unless a block of the default database
        is open too. Aliases given as expressions, transactions of other libraries and a
        caller's transaction leave the databases unknown, and nothing is reported.
        """
        if not call.target or analysis.resolve_target(call.target) not in ON_COMMIT_BY_ALIAS:
            return None
        if call.using is None and "using" in call.keywords:
            return None  # an alias the summary cannot render, such as using=router.db_for_write(Entry)
        registered = call.using or "default"
        if registered.startswith("="):
            return None
        aliases: list[str] = []
        index = call.transaction
        while index >= 0:
            block = function.transactions[index]
            if block.kind == "with" and block.name and analysis.opens_transaction(block.name):
                block = analysis.project_openers.opened_block(analysis.canonical(block.name)) or block
            if block.kind == "atomic":
                aliases.append(block.using or "default")
            elif block.kind != "with" or analysis.opens_transaction(block.name or ""):
                return None  # a transaction of another library, whose database is unknown
            index = function.transactions[index].parent
        context = analysis.context(function)
        if context is not None:
            if context.style != "django":
                return None
            aliases.append(context.using or "default")
        if not aliases or registered in aliases or any(a.startswith("=") or a == UNKNOWN_ALIAS for a in aliases):
            return None
        if any(in_transaction for _, in_transaction in analysis.callers().get(function.qualname, ())):
            return None
        return aliases[0]

    def immediate_on_commit(self, module: ModuleContext, call: CallSite, transaction: Transaction, alias: str) -> Finding:
        registered = f"the {call.using!r} database" if call.using else "the default database"
        remedy = "leave out using=" if alias == "default" else f"pass using={alias!r}"
        message = (
            f"{self.code} {call.text}() registers its callback on {registered}, which has no atomic() block "
            f"open here, so Django runs the callback at once, inside {transaction.reason}; {remedy} so that it "
            "runs once that block commits"
        )
        reason = "the autofix defers calls, and this one is deferred already, to the wrong database"
        return module.finding(self.code, message, call.line, call.column, (), None, reason)

    def advice(self, analysis: Analysis, function: FunctionSummary, call: CallSite, transaction: Transaction) -> str:
        """Return the remedy. For SQLAlchemy it starts with the move below the commit or the
        ``begin()`` block that ends the transaction in this function, where the autofix's
        move applies, and a Core connection gets no advice about session listeners."""
        if transaction.style != "sqlalchemy":
            return self.ADVICE.get(transaction.style, self.ADVICE["other"])
        move, _ = self.commit_move(analysis, function, call)
        owner = call.session_write.rpartition(":")[0] if call.session_write else None
        if move is not None and move.using is None:
            opener = next((c for c in function.calls if c.line == move.block_line and c.text.endswith(".begin")), None)
            if opener is not None and opens_on_engine(opener):
                return f"move it below the {opener.text}() block, {self.AUTOFIX_MOVES}, {self.CONNECTION_LATER}"
            return f"move it below that block, {self.AUTOFIX_MOVES}, {self.SESSION_LATER}"
        connection = owner is not None and analysis.open_block(function, call.transaction) is None and runs_on_connection(function, owner)
        later = self.CONNECTION_LATER if connection else self.SESSION_LATER
        if move is not None:
            return f"move it below {move.using}.commit(), {self.AUTOFIX_MOVES}, {later}"
        if connection:
            return f"move it below {owner}.commit() or out of an engine.begin() block, {later}"
        return self.ADVICE["sqlalchemy"]

    @staticmethod
    def no_fix_reason(analysis: Analysis, function: FunctionSummary, call: CallSite, transaction: Transaction, direct: bool) -> str | None:
        """Return why the call cannot be deferred by an autofix, or None when the autofix may try."""
        if not direct:
            return "the side effect is sent further down the call chain, so a person must choose the call to defer"
        if call.awaited:
            return "the call is awaited, and an after-commit hook cannot await it"
        if call.runner in THREAD_STARTERS:
            return f"{call.runner}() runs the call in a new thread or process, so a person must choose where to start it after the commit"
        if call.runner:
            return (
                f"{call.runner}() runs the call in a worker thread, and the thread pool may be shut down by "
                "the time the transaction commits, so a person must choose where to run it"
            )
        if call.result_used:
            return "the call's result is used"
        if transaction.style == "sqlalchemy":
            return None  # commit_move() decides
        if transaction.style not in ("django", "opsgen"):
            return "the linter knows no after-commit hook for this transaction"
        if transaction.using == UNKNOWN_ALIAS:
            return (
                "the atomic() decorator takes its database alias from an expression that the function body may not "
                "see, so the autofix cannot pass it to on_commit(using=...)"
            )
        if transaction.style == "opsgen" and transaction.using is None:
            return (
                f"{function.name}() has no parameter or attribute of self that holds the operation's context, so "
                "the autofix cannot call its after_commit(); pass the context to it, or defer the call of it in run()"
            )
        end = transaction.end_line or function.end_line
        raised = next((line for line in function.raises if call.line < line <= end), None)
        if raised is not None:
            return f"the raise at line {raised} rolls the transaction back on purpose, which would drop the deferred call"
        if transaction.style == "opsgen" and function.name != "run":
            caller_raise = raise_after_call(analysis, function.qualname)
            if caller_raise is not None:
                caller, line = caller_raise
                return f"the raise at line {line} in {caller}() rolls the transaction back on purpose, which would drop the deferred call"
        return None

    @staticmethod
    def commit_move(analysis: Analysis, function: FunctionSummary, call: CallSite) -> tuple[Fix | None, str | None]:
        """Return the fix that moves a call out of a SQLAlchemy transaction to just after its
        commit, or the reason there is none.

        The rule offers it for the two shapes where the commit sits in the function's own
        code: the session's implicit transaction with a ``<session>.commit()`` later in the
        same block, and the end of an outermost ``with session.begin():`` block. The
        autofix checks the statements in between.
        """
        if analysis.context(function) is not None:
            return None, "the function runs inside a transaction as a whole (a session event or an operation), so no commit in it ends that transaction"
        if any(in_transaction for _, in_transaction in analysis.callers().get(function.qualname, ())):
            return None, "a caller calls this function inside its own transaction, so the commit here may not end it"
        block = analysis.open_block(function, call.transaction)
        if block is not None:
            if block.kind == "with":
                return None, f"the transaction ends in the code of {(block.name or '').removesuffix('()')}, outside this function, so the autofix does not move the call"
            if block.kind != "session":
                return None, "leaving a begin_nested() block releases a savepoint, not the transaction, so the autofix cannot move the call out of it"
            if analysis.open_block(function, block.parent) is not None:
                return None, "the session block sits inside another transaction block, which is still open after it"
            return Fix("move", call.line, call.column, "sqlalchemy", None, block.line), None
        if not call.session_write:
            return None, "the transaction was begun by a helper function, so the autofix cannot tell which commit ends it"
        session = call.session_write.rpartition(":")[0]
        if not any(later.text == f"{session}.commit" and later.line > call.line for later in function.calls):
            return None, f"no {session}.commit() follows the call in this function, so the autofix cannot tell where the transaction ends"
        written = set()
        for earlier in function.calls:
            owner, _, method = earlier.text.rpartition(".")
            named_session = owner.rpartition(".")[2] in SESSION_NAMES or owner.lower().endswith("session")
            if earlier.line <= call.line and method in SESSION_METHODS and named_session:
                written.add(owner)
        if written - {session}:
            others = ", ".join(sorted(written - {session}))
            return None, f"writes through {others} as well as {session} are pending, so committing {session} alone does not end them"
        return Fix("move", call.line, call.column, "sqlalchemy", session), None

    VALID = [
        Example(
            "from functools import partial\n"
            "from django.db import transaction\n"
            "from shop.tasks import email_receipt\n\n"
            "def place(cart):\n"
            "    with transaction.atomic():\n"
            "        order = cart.checkout()\n"
            "        transaction.on_commit(partial(email_receipt.delay, order.pk))\n"
        ),
        Example(
            "from django.db import transaction\n"
            "import requests\n\n"
            "def place(cart):\n"
            "    with transaction.atomic():\n"
            "        def notify():\n"
            "            requests.post('https://example.invalid/hook')\n"
            "        transaction.on_commit(notify)\n"
            "    requests.post('https://example.invalid/done')\n"
        ),
        Example(
            "from django.conf import settings\n"
            "from django.db import transaction\n"
            "from shop.tasks import email_receipt\n\n"
            "@transaction.atomic\n"
            "def place(cart):\n"
            "    order = cart.checkout()\n"
            "    if settings.MAIL_EAGER:\n"
            "        email_receipt.delay(order.pk)\n"
            "    else:\n"
            "        transaction.on_commit(lambda: email_receipt.delay(order.pk))\n"
        ),
        # The pool gets the function only once the transaction has committed.
        Example(
            "from concurrent.futures import ThreadPoolExecutor\n"
            "from functools import partial\n"
            "from django.db import transaction\n"
            "from shop.mail import email_receipt\n\n"
            "POOL = ThreadPoolExecutor(max_workers=2)\n\n"
            "def place(cart):\n"
            "    with transaction.atomic():\n"
            "        order = cart.checkout()\n"
            "        transaction.on_commit(partial(POOL.submit, email_receipt, order.pk))\n",
            files={"shop/__init__.py": "", "shop/mail.py": "from django.core.mail import send_mail\n\ndef email_receipt(pk):\n    send_mail('Receipt', str(pk), None, ['a@example.invalid'])\n"},
        ),
        Example(
            "import stripe\n"
            "from django.db import transaction\n\n"
            "@transaction.atomic\n"
            "def refund(payment):\n"
            "    stripe.set_app_info('shop', version='1.0')\n"
            "    payment.state = 'refund-requested'\n"
            "    payment.save()\n"
        ),
    ]
    INVALID = [
        # A read under a row lock: the remedy is to make it before the block opens.
        "import requests\n"
        "from django.db import transaction\n\n"
        "def reprice(product_id):\n"
        "    with transaction.atomic():\n"
        "        product = Product.objects.select_for_update().get(pk=product_id)\n"
        "        rate = requests.get('https://rates.example/usd', timeout=5).json()['rate']  # OPS101\n"
        "        product.price *= rate\n"
        "        product.save()\n",
        Example(
            "from django.db import transaction as tx\n"
            "from shop.tasks import email_receipt\n\n"
            "def place(cart):\n"
            "    with tx.atomic():\n"
            "        order = cart.checkout()\n"
            "        email_receipt.delay(order.pk)  # OPS101\n",
            fixed=(
                "from django.db import transaction as tx\n"
                "from shop.tasks import email_receipt\n"
                "from functools import partial\n\n"
                "def place(cart):\n"
                "    with tx.atomic():\n"
                "        order = cart.checkout()\n"
                "        tx.on_commit(partial(email_receipt.delay, order.pk))\n"
            ),
        ),
        Example(
            "from django.db import transaction\n"
            "from shop.notify import tell_customer\n\n"
            "@transaction.atomic\n"
            "def place(cart):\n"
            "    tell_customer(cart.customer)  # OPS101\n",
            files={"shop/__init__.py": "", "shop/notify.py": "import requests\n\ndef tell_customer(c):\n    requests.post(c.url)\n"},
        ),
        # A worker thread sends the request while the transaction is still open.
        Example(
            "import asyncio\n"
            "from functools import partial\n"
            "import requests\n\n"
            "async def refund(session, payment):\n"
            "    async with session.begin():\n"
            "        session.add(payment)\n"
            "        await asyncio.to_thread(partial(requests.post, payment.hook_url, timeout=5))  # OPS101\n"
        ),
        # SQLAlchemy has no on_commit(), so the fix moves the call to after the commit. The
        # ride's id is read before the commit, which expires the instance.
        Example(
            SQLALCHEMY_RIDE + "    dispatch_ride.delay(ride.id)  # OPS101\n" + "    db.session.commit()\n",
            fixed=SQLALCHEMY_RIDE + "    ride_id = ride.id\n" + "    db.session.commit()\n" + "    dispatch_ride.delay(ride_id)\n",
        ),
        # The runtime opens the operation's transaction before run() starts, not at the first write.
        Example(
            OPERATION_IMPORTS + OPERATION_RUN + "        requests.post(SHIPPED_URL, data=order_id)  # OPS101\n",
            path="app/ship.py",
            files=OPERATION_FILES,
            fixed=(
                OPERATION_IMPORTS
                + "from functools import partial\n"
                + OPERATION_RUN
                + "        ctx.after_commit(partial(requests.post, SHIPPED_URL, data=order_id))\n"
            ),
        ),
        # A helper that only run() calls runs inside the same transaction.
        Example(
            OPERATION_IMPORTS
            + OPERATION_RUN
            + "        self._announce(ctx, order_id)\n\n"
            + "    def _announce(self, ctx, order_id):\n"
            + "        requests.post(SHIPPED_URL, data=order_id)  # OPS101\n",
            path="app/ship.py",
            files=OPERATION_FILES,
            fixed=(
                OPERATION_IMPORTS
                + "from functools import partial\n"
                + OPERATION_RUN
                + "        self._announce(ctx, order_id)\n\n"
                + "    def _announce(self, ctx, order_id):\n"
                + "        ctx.after_commit(partial(requests.post, SHIPPED_URL, data=order_id))\n"
            ),
        ),
    ]
