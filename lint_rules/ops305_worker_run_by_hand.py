"""OPS305: a worker built and run by hand."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from opsgen.lint.orm import is_test_path, scope_nodes
from opsgen.lint.rule import Finding, ModuleContext, Rule

#: Worker classes of Celery and kombu, matched by qualified name.
WORKER_CLASSES = frozenset(
    {
        "celery.apps.worker.Worker",
        "celery.worker.WorkController",
        "celery.worker.worker.WorkController",
    }
)
RUN_METHODS = frozenset({"run", "start", "run_forever", "consume", "work"})


class WorkerRunByHand(Rule):
    """Flags ``Worker(...).run()``: a worker built and started in application code.

    What it does:
        Reports a call of ``run()``, ``start()``, ``run_forever()``, ``consume()`` or
        ``work()`` on a worker built in the same function: ``Worker(...).run()``, or
        ``worker = Worker(...)`` followed by ``worker.run()``. A worker is Celery's
        ``Worker`` or ``WorkController`` (by qualified name, so aliases count), an
        ``app.Worker(...)``, or any class whose name ends in ``Worker``. Tests are skipped.

    Why is this bad:
        A worker started by hand skips what the worker command sets up: configuration
        from the command line and environment, signal handlers for a warm shutdown, logging,
        the process pool and its limits. It also runs inside whatever process happened to
        call it, often a web request or a management command that was not meant to block.

    Example:
        def consume():
            InvoiceWorker(queue="invoices").run()

    Use instead:
        # run `opsgen worker --queue invoices` (or `celery -A app worker -Q invoices`)
        # as its own process under the process supervisor.
    """

    code = "OPS305"
    name = "non-uniform-interface"
    scope = "module"
    MESSAGE = (
        "OPS305 {worker} is built and started by hand, which skips the worker command's "
        "configuration, signal handling and process management; run it with `opsgen worker` "
        "or `celery worker` as its own process"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        if ("Worker" not in module.source and "WorkController" not in module.source) or is_test_path(module.path):
            return
        for node in ast.walk(module.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
                yield from self.check_body(module, node.body)

    def check_body(self, module: ModuleContext, body: list[ast.stmt]) -> Iterator[Finding]:
        built: dict[str, str] = {}  # variable -> worker class text
        for node in scope_nodes(body):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                worker = self.worker_built_by(module, node.value)
                if worker is not None:
                    built[node.targets[0].id] = worker
                else:
                    built.pop(node.targets[0].id, None)
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in RUN_METHODS):
                continue
            owner = node.func.value
            worker = self.worker_built_by(module, owner)
            if worker is None and isinstance(owner, ast.Name):
                worker = built.get(owner.id)
            if worker is not None:
                yield module.finding(self.code, self.MESSAGE.format(worker=worker), node.lineno, node.col_offset)

    @staticmethod
    def worker_built_by(module: ModuleContext, expr: ast.expr) -> str | None:
        """Return the worker class text when ``expr`` builds a worker, else None."""
        if not isinstance(expr, ast.Call) or not isinstance(expr.func, (ast.Name, ast.Attribute)):
            return None
        qualified = module.qualify(expr.func) or ""
        last = expr.func.attr if isinstance(expr.func, ast.Attribute) else expr.func.id
        if qualified in WORKER_CLASSES or last.endswith("Worker") or last == "WorkController":
            return ast.unparse(expr.func)
        return None

    VALID = [
        # Starting the worker command in its own process is fine.
        "import subprocess\n\n"
        "def start_workers():\n"
        "    subprocess.Popen(['opsgen', 'worker', '--queue', 'invoices'])\n",
        # A worker handed in from outside is not built here.
        "def serve(worker):\n"
        "    worker.run()\n",
        # A worker class that is only defined, with a run method of its own.
        "class InvoiceWorker:\n"
        "    def run(self):\n"
        "        return self.poll()\n",
    ]
    INVALID = [
        "def consume():\n"
        "    InvoiceWorker(queue='invoices').run()  # OPS305\n",
        "from celery.apps.worker import Worker as CeleryWorker\n"
        "from proj.celery import app\n\n"
        "def boot():\n"
        "    worker = CeleryWorker(app=app, queues=['default'])\n"
        "    worker.start()  # OPS305\n",
        "from proj.celery import app\n\n"
        "def boot():\n"
        "    app.Worker(loglevel='INFO').start()  # OPS305\n",
    ]
