"""OPS306: a Celery task's body called synchronously."""

from __future__ import annotations

from collections.abc import Iterator
from weakref import WeakKeyDictionary

from opsgen.lint.analysis import Analysis
from opsgen.lint.knowledge import is_task_decorator
from opsgen.lint.orm import is_test_path
from opsgen.lint.rule import Example, Finding, ModuleContext, Rule
from opsgen.lint.summary import FunctionSummary

#: Calls of a task that run its body in the caller as a plain function. ``apply()`` is left
#: alone: it is Celery's explicit eager run, with a task request and an EagerResult, and
#: pretix uses it on purpose to build a missing PDF while the user waits.
SYNCHRONOUS_METHODS = ("run", "__call__")


#: analysis -> the qualified names of the project's Celery tasks
_TASKS: WeakKeyDictionary[Analysis, frozenset[str]] = WeakKeyDictionary()


def is_task(function: FunctionSummary) -> bool:
    return not function.nested and any(is_task_decorator(d) for d in function.decorators)


def project_tasks(analysis: Analysis) -> frozenset[str]:
    """Return the qualified names of the project's Celery tasks, found once per analysis."""
    found = _TASKS.get(analysis)
    if found is None:
        functions = analysis.index.functions
        found = _TASKS[analysis] = frozenset(qualname for qualname, (_, function) in functions.items() if is_task(function))
    return found


class TaskBodyCalledSynchronously(Rule):
    """Flags a call of a Celery task as a plain function, ``task(...)`` or ``task.run(...)``.

    What it does:
        Finds the project's Celery tasks (functions decorated with ``@shared_task``,
        ``@app.task``, ``@celery.task`` or ``@periodic_task``, with or without arguments)
        and reports each call of one, in production code, that runs its body in the caller:
        ``send_invoice(order.pk)`` or ``send_invoice.run(order.pk)``. ``apply()``, Celery's
        explicit eager run, is not reported. Calls resolve through
        imports, so ``from billing.tasks import send_invoice as send`` counts. Test code is
        skipped, and so is a task calling itself.

    Why is this bad:
        The body then runs in the caller's process and transaction, without the task's
        retries, time limits, rate limits or queue routing, and the caller waits for it. A
        ``bind=True`` task gets a request that no worker sent. If the synchronous call is
        meant, the shared work belongs in a plain function that the task and the caller
        both call.

    Example:
        @shared_task(bind=True, max_retries=5)
        def cancel_order(self, order_id): ...

        def cancel_view(request, pk):
            cancel_order(pk)

    Use instead:
        def cancel_view(request, pk):
            cancel_order.delay(pk)   # or apply_async(), or call a plain cancel() both share
    """

    code = "OPS306"
    name = "non-uniform-interface"
    MESSAGE = (
        "OPS306 {call}() runs the body of Celery task {task} synchronously, in this process "
        "and transaction and without the task's retries, limits or routing; call "
        ".delay() or .apply_async(), or move the body into a plain function both use"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        if is_test_path(module.path):
            return
        analysis = module.analysis
        tasks = project_tasks(analysis)
        if not tasks:
            return  # no call can run a task body, so no call target needs resolving
        for function in module.functions():
            for call in function.calls:
                if call.target is None:
                    continue
                target = call.target
                for method in SYNCHRONOUS_METHODS:
                    if target.endswith("." + method):
                        target = target[: -len(method) - 1]
                        break
                task = analysis.canonical(target)
                if task not in tasks or task == function.qualname:
                    continue
                message = self.MESSAGE.format(call=call.text, task=task)
                yield module.finding(self.code, message, call.line, call.column)

    VALID = [
        Example(
            "from billing.tasks import send_invoice\n\n"
            "def close(order):\n"
            "    send_invoice.delay(order.pk)\n"
            "    send_invoice.apply_async((order.pk,), countdown=5)\n",
            path="billing/views.py",
            files={
                "billing/__init__.py": "",
                "billing/tasks.py": "from celery import shared_task\n\n@shared_task\ndef send_invoice(order_id):\n    pass\n",
            },
        ),
        # A plain function shared by the task and the caller.
        Example(
            "from billing.tasks import render_invoice\n\n"
            "def preview(order):\n"
            "    return render_invoice(order.pk)\n",
            path="billing/views.py",
            files={
                "billing/__init__.py": "",
                "billing/tasks.py": (
                    "from proj.celery import app\n\n"
                    "def render_invoice(order_id):\n    return b''\n\n"
                    "@app.task\ndef send_invoice(order_id):\n    return render_invoice(order_id)\n"
                ),
            },
        ),
        # Tests may run a task's body directly.
        Example(
            "from billing.tasks import send_invoice\n\n"
            "def test_send_invoice():\n"
            "    send_invoice(1)\n",
            path="tests/test_tasks.py",
            files={
                "billing/__init__.py": "",
                "billing/tasks.py": "from celery import shared_task\n\n@shared_task\ndef send_invoice(order_id):\n    pass\n",
            },
        ),
    ]
    INVALID = [
        Example(
            "from billing.tasks import send_invoice as send\n\n"
            "def close(order):\n"
            "    send(order.pk)  # OPS306\n"
            "    send.run(order.pk)  # OPS306\n"
            "    send.apply((order.pk,))\n",
            path="billing/views.py",
            files={
                "billing/__init__.py": "",
                "billing/tasks.py": "from celery import shared_task\n\n@shared_task(bind=True)\ndef send_invoice(self, order_id):\n    pass\n",
            },
        ),
        # A task defined with the project's app, called from the same module.
        "from proj.celery import app\n\n"
        "@app.task(max_retries=5)\n"
        "def cancel_order(order_id):\n"
        "    pass\n\n"
        "def cancel_view(request, pk):\n"
        "    cancel_order(pk)  # OPS306\n",
    ]
