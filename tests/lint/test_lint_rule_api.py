"""The rule API other rule families build on: ModuleContext look-ups and walk_scope."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

from opsgen.lint.config import LintConfig
from opsgen.lint.index import ProjectIndex
from opsgen.lint.rule import ModuleContext, walk_scope

SOURCE = textwrap.dedent(
    """\
    import requests as http
    from django.db import transaction


    def helper(order):
        order.save()


    def outer(order):
        with transaction.atomic():
            helper(order)
            order.refresh_from_db()
        return order


    @transaction.atomic
    def decorated():
        pass


    def alone():
        http.get("https://example.invalid")
    """
)


def context_for(tmp_path: Path) -> ModuleContext:
    (tmp_path / "app.py").write_text(SOURCE)
    index = ProjectIndex.build(LintConfig(root=tmp_path), use_cache=False)
    return ModuleContext(index, index.modules[str(tmp_path / "app.py")])


def test_transaction_at_block_context_and_caller(tmp_path: Path) -> None:
    module = context_for(tmp_path)
    in_block = module.transaction_at(12)
    assert in_block is not None
    assert in_block.line == 10
    assert in_block.style == "django"
    assert not in_block.possible

    decorated = module.transaction_at(18)
    assert decorated is not None
    assert "@atomic" in decorated.reason

    through_caller = module.transaction_at(6)
    assert through_caller is not None
    assert through_caller.possible

    assert module.transaction_at(22) is None
    assert module.transaction_at(13) is None


def test_function_at_and_qualify(tmp_path: Path) -> None:
    module = context_for(tmp_path)
    function = module.function_at(11)
    assert function is not None
    assert function.qualname == "app.outer"
    call = ast.parse("http.get").body[0]
    assert isinstance(call, ast.Expr)
    assert module.qualify(call.value) == "requests.get"
    assert module.qualify(ast.parse("helper").body[0].value) == "app.helper"  # type: ignore[attr-defined]


def test_walk_scope_skips_nested_bodies() -> None:
    tree = ast.parse(
        "def f():\n"
        "    a()\n"
        "    def g(x=b()):\n"
        "        c()\n"
        "    h = lambda: d()\n"
        "    e()\n"
    )
    function = tree.body[0]
    called = sorted(
        node.func.id for node in walk_scope(function) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    )
    assert called == ["a", "b", "e"]
