"""OPS404: an implementation whose run() signature no longer matches its spec's inputs."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from opsgen.lint.operations import base_class_name, run_parameter_name
from opsgen.lint.rule import Example, Finding, ModuleContext, Rule
from opsgen.lint.services import operation_spec
from opsgen.lint.summary import function_nodes

FILES = {
    "pyproject.toml": '[tool.opsgen]\nspecs = "specs"\n',
    "specs/credit_account.yaml": (
        "name: billing.credit_account\n"
        "input:\n"
        "  account_id: uuid\n"
        "  amount: decimal\n"
        "  reference:\n    type: str\n    optional: true\n"
    ),
    "app/__init__.py": "",
    "app/generated.py": "from opsgen.runtime.operation import Operation\n\nclass CreditAccountBase(Operation):\n    pass\n",
}


class SignatureDiffersFromSpec(Rule):
    """Flags an operation implementation whose ``run`` parameters differ from the spec's inputs.

    What it does:
        For each class that implements an operation of the project's specs, compares the
        parameters of its ``run`` after ``self`` and the context with the spec's inputs.
        Reports ``run`` when an input has no parameter (unless ``run`` takes
        ``**inputs``) or when a parameter without a default is no input. The generated base
        class itself is not checked.

    Why is this bad:
        The pipeline calls ``run(ctx, **inputs)`` with exactly the spec's inputs, each by
        its Python name (an input ``json`` is the parameter ``json_``). A renamed
        or new input makes every call fail with a ``TypeError`` at run time, after the
        execution record, the locks and the transaction were set up. ``opsgen generate``
        updates the signature in place; this rule catches code that was not regenerated or
        was edited by hand.

    Example:
        # spec inputs: account_id, amount, reference (optional)
        class CreditAccount(CreditAccountBase):
            def run(self, ctx, *, account, amount):
                ...

    Use instead:
        class CreditAccount(CreditAccountBase):
            def run(self, ctx, *, account_id, amount, reference=None):
                ...
    """

    code = "OPS404"
    name = "spec-contract"
    MESSAGE = (
        "OPS404 {cls}.run() does not match the inputs of {operation} ({problems}); run "
        "`opsgen generate` to update the signature, or change the spec"
    )

    def check(self, module: ModuleContext) -> Iterator[Finding]:
        analysis = module.analysis
        if not analysis.operations:
            return
        for klass in module.summary.classes.values():
            run = module.summary.functions.get(f"{klass.qualname}.run")
            spec = operation_spec(analysis, klass.qualname) if run is not None else None
            if run is None or spec is None or klass.name == base_class_name(spec.name):
                continue
            for node in function_nodes(module.tree, {run.line}):
                problems = self.compare(node, spec.inputs)
                if problems:
                    message = self.MESSAGE.format(cls=klass.name, operation=spec.name, problems="; ".join(problems))
                    yield module.finding(self.code, message, node.lineno, node.col_offset)

    @staticmethod
    def compare(run: ast.FunctionDef | ast.AsyncFunctionDef, inputs: tuple[str, ...]) -> list[str]:
        arguments = run.args
        positional = [*arguments.posonlyargs, *arguments.args][2:]  # after self and the context
        defaults_from = len([*arguments.posonlyargs, *arguments.args]) - len(arguments.defaults)
        with_default = {a.arg for i, a in enumerate([*arguments.posonlyargs, *arguments.args]) if i >= defaults_from}
        with_default |= {a.arg for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None}
        parameters = [a.arg for a in [*positional, *arguments.kwonlyargs]]
        expected = {run_parameter_name(name): name for name in inputs}
        problems = []
        missing = [name for parameter, name in expected.items() if parameter not in parameters]
        if missing and arguments.kwarg is None:
            problems.append("no parameter for " + ", ".join(missing))
        extra = [name for name in parameters if name not in expected and name not in with_default]
        if extra:
            problems.append("parameter " + ", ".join(extra) + " is not an input")
        return problems

    VALID = [
        Example(
            "from app.generated import CreditAccountBase\n\n"
            "class CreditAccount(CreditAccountBase):\n"
            "    def run(self, ctx, *, account_id, amount, reference=None):\n"
            "        return None\n",
            path="app/credit.py",
            files=FILES,
        ),
        Example(
            "from app.generated import CreditAccountBase\n\n"
            "class CreditAccount(CreditAccountBase):\n"
            "    def run(self, ctx, **inputs):\n"
            "        return None\n",
            path="app/credit.py",
            files=FILES,
        ),
    ]
    INVALID = [
        Example(
            "from app.generated import CreditAccountBase\n\n"
            "class CreditAccount(CreditAccountBase):\n"
            "    def run(self, ctx, *, account, amount):  # OPS404\n"
            "        return None\n",
            path="app/credit.py",
            files=FILES,
        ),
    ]
