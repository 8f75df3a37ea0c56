"""``opsgen ops watch`` written to a pipe is as wide as the tables: 200 columns unless ``COLUMNS`` is set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from opsgen.runtime.context import Context
from opsgen.runtime.declarations import OperationDeclaration
from opsgen.runtime.execution import ExecutionContext
from opsgen.runtime.handle import OperationHandle
from opsgen.runtime.operation import Operation
from opsgen.runtime.runtime import Runtime

OPSGEN = str(Path(sys.executable).with_name("opsgen"))

#: A progress message too long for 80 columns beside the bar, the counts, the rate and the ETA.
LONG_MESSAGE = "imported batch 12 of the north-east regional warehouse feed, 3 rows retried"


class FeedInput(BaseModel):
    total: int


class FeedOutput(BaseModel):
    done: int


class ImportFeed(Operation[FeedInput, FeedOutput]):
    def run(self, ctx: ExecutionContext, **inputs: Any) -> FeedOutput:  # type: ignore[override]
        ctx.progress.set_total(inputs["total"])
        ctx.progress.advance(inputs["total"], message=LONG_MESSAGE)
        return FeedOutput(done=inputs["total"])


IMPORT_FEED = OperationDeclaration("feeds.import_feed", 1, "Import a feed.", FeedInput, FeedOutput, progress=True)
ImportFeed.declaration = IMPORT_FEED


def watch(runtime: Runtime, execution_id: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """Run ``opsgen ops watch`` with its output to a pipe and without ``COLUMNS`` unless given."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith("OPSGEN_") and key != "COLUMNS"}
    clean["OPSGEN_DATABASE_URL"] = runtime.engine.url.render_as_string(hide_password=False)
    clean.update(environment)
    return subprocess.run(
        [OPSGEN, "ops", "watch", execution_id, "--interval", "0.1"], env=clean, capture_output=True, text=True,
        timeout=60,
    )


def test_piped_watch_keeps_long_message(runtime: Runtime) -> None:
    result = OperationHandle(IMPORT_FEED, ImportFeed, runtime)(Context(actor="importer"), total=40)
    assert result.ok

    watched = watch(runtime, str(result.execution_id))

    assert watched.returncode == 0, watched.stderr
    assert LONG_MESSAGE in watched.stdout
    assert "40/40" in watched.stdout
    assert f"execution {result.execution_id} succeeded" in watched.stdout


def test_piped_watch_follows_columns(runtime: Runtime) -> None:
    result = OperationHandle(IMPORT_FEED, ImportFeed, runtime)(Context(actor="importer"), total=40)
    assert result.ok

    watched = watch(runtime, str(result.execution_id), COLUMNS="60")

    assert watched.returncode == 0, watched.stderr
    assert max(len(line) for line in watched.stdout.splitlines()) <= 60
