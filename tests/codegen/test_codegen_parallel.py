"""Rendering in two halves: the same result as one pass, and safe when either side fails."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from opsgen.codegen import parallel
from opsgen.codegen.parallel import in_two_halves

from codegen_helpers import make_project  # type: ignore[import-not-found]

ITEMS = list(range(400))


def squares(items: Sequence[int]) -> tuple[list[int], int]:
    return [item * item for item in items], os.getpid()


@pytest.fixture(autouse=True)
def forking_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    # pytest may run other threads, which make in_two_halves stay in one process.
    monkeypatch.setattr(parallel, "_may_fork", lambda count: count >= parallel.MINIMUM_ITEMS)


def test_halves_match_one_pass() -> None:
    (first, parent), (second, child) = in_two_halves(squares, ITEMS)

    assert first + second == squares(ITEMS)[0]
    assert parent == os.getpid()
    assert child != os.getpid()


def test_small_input_stays_in_process() -> None:
    results = in_two_halves(squares, ITEMS[:10])

    assert results == [squares(ITEMS[:10])]


def test_failed_child_half_redone_here() -> None:
    parent = os.getpid()

    def only_here(items: Sequence[int]) -> list[int]:
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return [item + 1 for item in items]

    first, second = in_two_halves(only_here, ITEMS)

    assert first + second == [item + 1 for item in ITEMS]


def test_parent_failure_reaps_blocked_child(tmp_path: Path) -> None:
    parent = os.getpid()
    child_pid = tmp_path / "child.pid"

    def large_in_child(items: Sequence[int]) -> bytes:
        if os.getpid() == parent:
            raise ValueError("the parent fails")
        child_pid.write_text(str(os.getpid()))
        return b"x" * (8 * 1024 * 1024)  # far more than a pipe buffers

    with pytest.raises(ValueError, match="the parent fails"):
        in_two_halves(large_in_child, ITEMS)

    with pytest.raises(ChildProcessError):
        os.waitpid(int(child_pid.read_text()), os.WNOHANG)  # already reaped, not left a zombie


SPEC = """\
name: catalog.op_{number:03d}
description: Operation number {number}, with a long enough name to wrap a few generated lines.
input:
  sku:
    type: str
    max_length: 40
  quantity:
    type: int
    ge: 1
output:
  reserved: int
transaction: true
"""


def test_large_project_renders_as_in_one_pass(tmp_path: Path) -> None:
    from opsgen.codegen.config import load_config
    from opsgen.codegen.generator import read_spec_files
    from opsgen.codegen.render import RenderSettings, render_project
    from opsgen.codegen.source import load_source
    from opsgen.codegen.view import build_project

    root = make_project(tmp_path / "project", specs=None)
    for number in range(parallel.MINIMUM_ITEMS + 10):
        (root / "specs" / f"op_{number:03d}.yaml").write_text(SPEC.format(number=number), encoding="utf-8")
    config = load_config(root)
    source = load_source(config.specs, config.audit_entities, read_spec_files(config.specs))
    project = build_project(source, config.implementations_module)
    settings = RenderSettings("app/operations", config.package_module, config.implementations_module)

    halves = render_project(project, settings)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallel, "_may_fork", lambda count: False)
        one_pass = render_project(project, settings)

    assert halves.package == one_pass.package
    assert halves.scaffolds == one_pass.scaffolds
    assert list(halves.scaffold_operations) == list(one_pass.scaffold_operations)
