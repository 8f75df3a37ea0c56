"""A generate run writes the package and the user's files together, or none of them.

An unsafe signature update stops the run before it writes anything. A file system error
at any write, rename or swap of a run puts back everything the run had changed.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from codegen_helpers import PLACE_ORDER_IMPLEMENTATION, PLACE_ORDER_SPEC, make_project, run_opsgen
from opsgen.codegen import writer
from opsgen.codegen.changeset import WriteFailed
from opsgen.codegen.config import load_config
from opsgen.codegen.generator import generate

CANCEL_ORDER = """\
name: shop.cancel_order
input:
  order_id: uuid
output:
  cancelled: bool
"""

RESERVE_STOCK = """\
name: stock.reserve
input:
  sku: str
output:
  reserved: bool
"""

IMPLEMENTATIONS = Path("app/operations")


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Return every file (path -> bytes) and folder (path -> None) under ``root / "app"``, caches skipped."""
    entries: dict[str, bytes | None] = {}
    for path in sorted((root / "app").rglob("*")):
        if "__pycache__" in path.parts:
            continue
        relative = path.relative_to(root).as_posix()
        entries[relative] = path.read_bytes() if path.is_file() else None
    return entries


def restore(root: Path, entries: dict[str, bytes | None]) -> None:
    shutil.rmtree(root / "app")
    for relative, data in entries.items():
        path = root / relative
        if data is None:
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


def write_spec(root: Path, relative: str, text: str) -> None:
    path = root / "specs" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A generated project whose PlaceOrder.run uses its input ``quantity``."""
    root = make_project(tmp_path / "project", specs=None)
    write_spec(root, "shop/place_order.yaml", PLACE_ORDER_SPEC)
    write_spec(root, "shop/cancel_order.yaml", CANCEL_ORDER)
    first = run_opsgen(root, "generate")
    assert first.returncode == 0, first.stderr
    (root / IMPLEMENTATIONS / "shop" / "place_order.py").write_text(PLACE_ORDER_IMPLEMENTATION)
    return root


def change_specs(root: Path, *, drop_quantity: bool) -> None:
    """Change the specs so a run rewrites the package, updates a signature and adds a scaffold."""
    write_spec(root, "shop/cancel_order.yaml", CANCEL_ORDER.replace("  order_id: uuid\n", "  order_id: uuid\n  reason: str\n"))
    write_spec(root, "stock/reserve.yaml", RESERVE_STOCK)
    if drop_quantity:
        write_spec(root, "shop/place_order.yaml", PLACE_ORDER_SPEC.replace("  quantity: int\n", "  count: int\n"))


def test_unsafe_signature_writes_nothing(project: Path) -> None:
    change_specs(project, drop_quantity=True)
    before = snapshot(project)

    process = run_opsgen(project, "generate")

    assert process.returncode == 1
    assert snapshot(project) == before
    assert "cannot update PlaceOrder.run (defined on line 15) because its body still uses quantity" in process.stderr
    assert "wrote no files" in process.stderr
    assert "generated files changed" not in process.stdout


def test_unsafe_signature_rerun_writes_nothing(project: Path) -> None:
    change_specs(project, drop_quantity=True)
    before = snapshot(project)
    run_opsgen(project, "generate")

    again = run_opsgen(project, "generate")

    assert again.returncode == 1
    assert snapshot(project) == before
    assert "uses quantity" in again.stderr


def test_fixed_body_writes_everything(project: Path) -> None:
    change_specs(project, drop_quantity=True)
    assert run_opsgen(project, "generate").returncode == 1
    implementation = project / IMPLEMENTATIONS / "shop" / "place_order.py"
    implementation.write_text(implementation.read_text().replace("unit * quantity", "unit"))

    process = run_opsgen(project, "generate")

    assert process.returncode == 0, process.stderr
    assert "count: int" in implementation.read_text()
    assert "reason: str" in (project / IMPLEMENTATIONS / "shop" / "cancel_order.py").read_text()
    assert (project / IMPLEMENTATIONS / "stock" / "reserve.py").exists()
    assert (project / IMPLEMENTATIONS / "stock" / "__init__.py").exists()
    assert (project / "app" / "generated" / "stock" / "reserve.py").exists()


def test_check_reports_unsafe_signature(project: Path) -> None:
    change_specs(project, drop_quantity=True)
    before = snapshot(project)

    process = run_opsgen(project, "generate", "--check")

    assert process.returncode == 1
    assert snapshot(project) == before
    assert "uses quantity" in process.stderr
    assert "+++ b/app/operations/stock/reserve.py" in process.stdout


class InjectedFailure:
    """Count the file system calls of a run, and raise at call number ``fail_at``."""

    def __init__(self, fail_at: int | None, error: Callable[[], BaseException]) -> None:
        self.fail_at = fail_at
        self.error = error
        self.calls = 0

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            if self.calls == self.fail_at:
                raise self.error()
            return function(*args, **kwargs)

        return wrapper


def generate_with_failure(root: Path, monkeypatch: pytest.MonkeyPatch, injected: InjectedFailure, *, fallback: bool) -> BaseException | None:
    """Run generate in this process with ``injected`` around every call that writes, renames or creates."""
    config = load_config(root)
    exchange: Callable[..., Any] = (lambda first, second: False) if fallback else writer.exchange
    with monkeypatch.context() as patch:
        patch.setattr(writer, "write_new_file", injected.wrap(writer.write_new_file))
        patch.setattr(writer, "flush_to_disk", injected.wrap(writer.flush_to_disk))
        patch.setattr(writer, "exchange", injected.wrap(exchange))
        for name in ("link", "replace", "rename", "mkdir"):
            patch.setattr(os, name, injected.wrap(getattr(os, name)))
        try:
            generate(config)
        except BaseException as exc:  # noqa: BLE001 - the test inspects whatever the run raised
            return exc
    return None


def disk_full() -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("fallback", [False, True], ids=["exchange", "two-renames"])
@pytest.mark.parametrize("error", [disk_full, KeyboardInterrupt], ids=["disk-full", "interrupt"])
def test_failed_write_leaves_old_tree(
    project: Path, monkeypatch: pytest.MonkeyPatch, fallback: bool, error: Callable[[], BaseException]
) -> None:
    change_specs(project, drop_quantity=False)
    old = snapshot(project)
    counter = InjectedFailure(None, error)
    assert generate_with_failure(project, monkeypatch, counter, fallback=fallback) is None
    new = snapshot(project)
    assert new != old
    assert counter.calls >= 10, "the run made fewer file system calls than a package swap needs"

    for fail_at in range(1, counter.calls + 1):
        restore(project, old)

        raised = generate_with_failure(project, monkeypatch, InjectedFailure(fail_at, error), fallback=fallback)

        if raised is None:
            # A failed mkdir of a folder that exists is no error (pathlib checks again).
            assert snapshot(project) == new, f"call {fail_at}: the run returned without writing everything"
            continue
        if isinstance(raised, WriteFailed):
            assert raised.not_restored == [], f"call {fail_at}: {raised}"
        assert snapshot(project) == old, f"call {fail_at}: the run left a mix of old and new files"

    restore(project, old)
    assert generate_with_failure(project, monkeypatch, InjectedFailure(None, error), fallback=fallback) is None
    assert snapshot(project) == new


def test_interrupt_after_swap_keeps_new_files(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_spec(project, "stock/reserve.yaml", RESERVE_STOCK)
    scaffold = project / IMPLEMENTATIONS / "stock" / "reserve.py"
    real_rmtree = shutil.rmtree
    calls = []

    def interrupted_rmtree(path: Any, *args: Any, **kwargs: Any) -> None:
        # The first removal is the old package's, after the swap.
        calls.append(path)
        if len(calls) == 1:
            raise KeyboardInterrupt
        real_rmtree(path, *args, **kwargs)

    monkeypatch.setattr(shutil, "rmtree", interrupted_rmtree)
    with pytest.raises(KeyboardInterrupt):
        generate(load_config(project))
    monkeypatch.setattr(shutil, "rmtree", real_rmtree)

    assert scaffold.is_file(), "the new scaffold was removed although the new package is in place"
    assert (project / "app" / "generated" / "stock" / "reserve.py").is_file()
    rerun = run_opsgen(project, "generate")
    assert rerun.returncode == 0, rerun.stderr
    assert not (project / "app" / ".generated.opsgen-staging").exists()
