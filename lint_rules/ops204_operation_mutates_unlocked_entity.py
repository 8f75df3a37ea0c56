"""OPS204: an operation that loads an entity by an input id and changes it, without a lock in its spec."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from opsgen.lint.operation_locks import locks_of
from opsgen.lint.operations import OperationInfo, run_parameter_name
from opsgen.lint.orm import classify_load, row_lock_remedy, scope_nodes
from opsgen.lint.rule import Example, Finding, ModuleContext, Rule
from opsgen.lint.services import operation_spec
from opsgen.lint.summary import function_nodes

SPEC = (
    "name: billing.credit_account\n"
    "transaction: true\n"
    "input:\n"
    "  account_id: uuid\n"
    "  amount: decimal\n"
)
LOCKED_SPEC = SPEC + "locks:\n  - key: \"account:{account_id}\"\n"
GENERATED = (
    "from opsgen.runtime.operation import Operation\n\n"
    "class CreditAccountBase(Operation):\n"
    "    pass\n"
)
FILES = {"app/__init__.py": "", "app/generated.py": GENERATED, "pyproject.toml": '[tool.opsgen]\nspecs = "specs"\n'}


class OperationMutatesUnlockedEntity(Rule):
    """Flags an operation's ``run`` that loads a row by one of its inputs and changes it, when no lock covers that input.

    What it does:
        For each class that implements an operation of the project's specs (it derives
        from the generated ``<Name>Base``), looks at ``run`` for a row load whose
        arguments use an input (``session.get(Account, account_id)``,
        ``Account.objects.get(pk=account_id)``, or ``inputs["account_id"]`` when ``run()``
        takes its inputs as ``**inputs``) followed by a change to a field of the
        loaded row. Reports the load when the spec declares no lock whose key uses that
        input (``account:{account_id}``), no singleton, and the query takes no row lock
        (``with_for_update()``, ``select_for_update()``). The message names the row lock
        of the ORM that loaded the row: ``select_for_update()`` for Django, and
        ``with_for_update`` for SQLAlchemy. A row loaded by any other value, such as a
        foreign key read from another row, is no input's, and OPS201 and OPS202 judge it.

    Why is this bad:
        The pipeline runs two calls for the same account at the same time unless the spec
        says otherwise. Both read the same balance and the later write wins. A declared
        lock makes the pipeline serialise the calls on that key, before the transaction
        opens, and documents the contract in the spec where callers can see it.

    Example:
        # credit_account.yaml declares no locks
        class CreditAccount(CreditAccountBase):
            def run(self, ctx, *, account_id, amount):
                account = ctx.session.get(Account, account_id)
                account.balance += amount

    Use instead:
        # credit_account.yaml
        locks:
          - key: "account:{account_id}"
    """

    code = "OPS204"
    name = "missing-lock"
    MESSAGE = (
        "OPS204 operation {operation} loads {variable} by its input {input} and changes it, "
        "but its spec declares no lock on {input}; add `locks: [{{key: \"{entity}:{{{input}}}\"}}]` "
        "to the spec, or load the row with {row_lock}"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        analysis = module.analysis
        if not analysis.operations:
            return
        for klass in module.summary.classes.values():
            spec = operation_spec(analysis, klass.qualname)
            run = module.summary.functions.get(f"{klass.qualname}.run")
            if spec is None or run is None or spec.singleton:
                continue
            for node in function_nodes(module.tree, {run.line}):
                yield from self.check_run(module, node, spec)

    def check_run(self, module: ModuleContext, run: ast.FunctionDef | ast.AsyncFunctionDef, spec: OperationInfo) -> Iterator[Finding]:
        locks = locks_of(spec, run)
        loads: dict[str, tuple[ast.Assign, str, str]] = {}  # variable -> (load, input used, ORM)
        reported: set[str] = set()
        for node in scope_nodes(run.body):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                variable = node.targets[0].id
                loads.pop(variable, None)
                load = classify_load(node.value, module.qualify)
                used = sorted(locks.inputs_in(node.value, {}, {}) - locks.covered)
                if load is not None and not load.locked and used:
                    loads[variable] = (node, used[0], load.orm)
                continue
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                targets = [node.target]
            for target in targets:
                if isinstance(target, ast.Subscript):
                    target = target.value
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                    variable = target.value.id
                    if variable in loads and variable not in reported:
                        reported.add(variable)
                        load_node, used_parameter, orm = loads[variable]
                        # The message suggests a lock key, which names the input by its spec name.
                        spec_names = {run_parameter_name(name): name for name in spec.inputs}
                        used_input = spec_names.get(used_parameter, used_parameter)
                        entity = used_input.removesuffix("_id").removesuffix("_ids") or variable
                        row_lock = row_lock_remedy(orm, load_node.value)
                        message = self.MESSAGE.format(
                            operation=spec.name, variable=variable, input=used_input, entity=entity, row_lock=row_lock
                        )
                        yield module.finding(self.code, message, load_node.lineno, load_node.col_offset)

    VALID = [
        Example(
            "from app.generated import CreditAccountBase\n\n"
            "class CreditAccount(CreditAccountBase):\n"
            "    def run(self, ctx, *, account_id, amount):\n"
            "        account = ctx.session.get(Account, account_id)\n"
            "        account.balance += amount\n",
            path="app/credit.py",
            files={**FILES, "specs/credit_account.yaml": LOCKED_SPEC},
        ),
        # A row lock in the query serves as well.
        Example(
            "from app.generated import CreditAccountBase\n\n"
            "class CreditAccount(CreditAccountBase):\n"
            "    def run(self, ctx, *, account_id, amount):\n"
            "        account = ctx.session.get(Account, account_id, with_for_update=True)\n"
            "        account.balance += amount\n",
            path="app/credit.py",
            files={**FILES, "specs/credit_account.yaml": SPEC},
        ),
        # Reading without changing needs no lock.
        Example(
            "from app.generated import CreditAccountBase\n\n"
            "class CreditAccount(CreditAccountBase):\n"
            "    def run(self, ctx, *, account_id, amount):\n"
            "        account = ctx.session.get(Account, account_id)\n"
            "        return account.balance + amount\n",
            path="app/credit.py",
            files={**FILES, "specs/credit_account.yaml": SPEC},
        ),
    ]
    INVALID = [
        Example(
            "from app.generated import CreditAccountBase\n\n"
            "class CreditAccount(CreditAccountBase):\n"
            "    def run(self, ctx, *, account_id, amount):\n"
            "        account = ctx.session.get(Account, account_id)  # OPS204\n"
            "        account.balance += amount\n",
            path="app/credit.py",
            files={**FILES, "specs/credit_account.yaml": SPEC},
        ),
        # A Django load through a keyword lookup; a lock on another input does not cover it.
        Example(
            "from app.generated import CreditAccountBase\n\n"
            "class CreditAccount(CreditAccountBase):\n"
            "    def run(self, ctx, *, account_id, amount):\n"
            "        account = Account.objects.get(pk=account_id)  # OPS204\n"
            "        account.balance = account.balance + amount\n"
            "        account.save()\n",
            path="app/credit.py",
            files={**FILES, "specs/credit_account.yaml": SPEC + "locks:\n  - key: \"amount:{amount}\"\n"},
        ),
    ]
