"""Finding operations by name in a generated registry, and enqueue without an integration."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
from integration_ops import ops

from opsgen.integrations.operations import UnknownOperation, index_operations, lookup
from opsgen.runtime.config import Settings
from opsgen.runtime.context import Context
from opsgen.runtime.errors import IntegrationNotConfigured
from opsgen.runtime.runtime import Runtime

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def test_index_walks_generated_registry() -> None:
    loaded = set(sys.modules)
    sys.path.insert(0, str(GOLDEN))
    try:
        registry = importlib.import_module("example.generated.registry")
        # Reading the handles imports the operation modules, so the package must stay importable.
        handles = index_operations(registry.ops)
    finally:
        sys.path.remove(str(GOLDEN))
        for name in set(sys.modules) - loaded:
            if name == "example" or name.startswith("example."):
                del sys.modules[name]

    assert "billing.generate_invoices" in handles
    assert "accounts.register_user" in handles
    assert handles["billing.generate_invoices"].declaration.queue == "invoices"
    assert all(name == handle.name for name, handle in handles.items())


def test_index_binds_unbound_handles(sqlite_url: str) -> None:
    runtime = Runtime(Settings(root=Path.cwd(), database_url=sqlite_url))

    handles = index_operations(ops, runtime)

    assert handles["demo.record_note"].runtime is runtime
    assert ops.demo.record_note.runtime is None
    runtime.dispose()


def test_lookup_names_known_operations() -> None:
    handles = index_operations(ops)

    with pytest.raises(UnknownOperation, match="demo.record_note"):
        lookup(handles, "demo.missing")


def test_index_rejects_object_without_handles() -> None:
    with pytest.raises(ValueError, match="no operation handles"):
        index_operations(object())


def test_enqueue_without_integration_raises(sqlite_url: str) -> None:
    runtime = Runtime(Settings(root=Path.cwd(), database_url=sqlite_url))
    handle = ops.demo.record_note.bind(runtime)

    with pytest.raises(IntegrationNotConfigured, match="opsgen.integrations.celery"):
        handle.enqueue(Context(actor="x"), text="not sent")
    runtime.dispose()
