"""Fields named like a BaseModel attribute or a name the generated module uses.

Such a field (``date``, ``json``, ``copy``, ``schema``) gets a Python name with a
trailing underscore and keeps its spec name as the pydantic alias, so its JSON key in
input, output, records and effect payloads is still the spec name. The generated
package must pass mypy --strict with and without the pydantic plugin, and flake8.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from codegen_helpers import make_project, run_opsgen

TYPES = """\
kind: types
types:
  Document:
    fields:
      schema: str
      token: {type: str, sensitive: true}
"""

SPEC = """\
name: shop.archive
description: Archive a document of a JSON API whose fields have common names.
input:
  date: date
  json: {type: str, sensitive: true}
  copy: {type: int, default: 1}
  schema: {type: "list[str]", optional: true}
  document: {type: Document, optional: true}
output:
  date: date
  json: str
  copy: int
errors:
  refused:
    message: The archive refused the document.
    details: {json: str, copy: int}
side_effects:
  notify:
    kind: custom
    payload: {json: str, self: int}
locks:
  - key: "archive:{date}:{copy}"
"""

IMPLEMENTATION = '''\
from __future__ import annotations

from datetime import date

from opsgen.runtime.execution import ExecutionContext

from app.generated.shared_types import Document
from app.generated.shop.archive import ArchiveBase, ArchiveOutput


class Archive(ArchiveBase):
    def run(
        self,
        ctx: ExecutionContext,
        *,
        date_: date,
        json_: str,
        copy_: int,
        schema_: list[str],
        document: Document | None,
    ) -> ArchiveOutput:
        if copy_ < 0:
            raise self.errors.refused(json_="refused", copy_=copy_)
        self.notify(ctx, json_=",".join(schema_), self_=copy_)
        return ArchiveOutput.model_validate({"date": date_, "json": json_.upper(), "copy": copy_})
'''

SCRIPT = """
import json, sys
from datetime import date
from sqlalchemy import select
from opsgen.runtime.runtime import configure
from opsgen.runtime.schema import executions
from app.generated import ops
runtime = configure(database_url=sys.argv[1])
delivered = []
runtime.register_effect_handler("custom", lambda call: delivered.append(dict(call.payload)))

def row(execution_id):
    with runtime.engine.connect() as connection:
        found = connection.execute(select(executions).where(executions.c.id == execution_id)).one()
    return {"input": found.input, "output": found.output}

typed = ops.shop.archive(None, date_=date(2024, 5, 1), json_="s3cret-json", copy_=2, schema_=["a", "b"])
raw = ops.shop.archive.call_with(
    None, {"date": "2024-05-02", "json": "other-secret", "document": {"schema": "v1", "token": "tok-123"}}
)
refused = ops.shop.archive(None, date_=date(2024, 5, 3), json_="third-secret", copy_=-1)
print(json.dumps({
    "typed": [typed.ok, typed.value.json_, typed.value.model_dump(mode="json", by_alias=True), row(typed.execution_id)],
    "raw": [raw.ok, row(raw.execution_id)],
    "refused": [refused.ok, refused.code, dict(refused.details)],
    "delivered": delivered,
}))
"""


def generate_project(root: Path) -> Path:
    make_project(root, specs=None)
    (root / "specs" / "types.yaml").write_text(TYPES)
    (root / "specs" / "shop").mkdir()
    (root / "specs" / "shop" / "archive.yaml").write_text(SPEC)
    generated = run_opsgen(root, "generate")
    assert generated.returncode == 0, generated.stdout + generated.stderr
    (root / "app" / "operations" / "shop" / "archive.py").write_text(IMPLEMENTATION)
    return root


def run_mypy(root: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(root / ".mypy_cache"), *options, "app"],
        cwd=root, capture_output=True, text=True, timeout=300,
    )


def test_aliased_fields_generate_with_alias(tmp_path: Path) -> None:
    root = generate_project(tmp_path / "project")
    module = (root / "app" / "generated" / "shop" / "archive.py").read_text()
    shared = (root / "app" / "generated" / "shared_types.py").read_text()

    assert '    date_: date = Field(alias="date")\n' in module
    assert '    json_: str = Field(alias="json", repr=False)\n' in module
    assert '    copy_: int = Field(alias="copy", default=1)\n' in module
    assert "        populate_by_name=True,\n" in module
    assert '    schema_: str = Field(alias="schema")\n' in shared
    assert '"input.json", "input.json_"' in module
    assert '{"json": json_, "copy": copy_}' in module


def test_aliased_fields_pass_mypy_and_flake8(tmp_path: Path) -> None:
    root = generate_project(tmp_path / "project")
    (root / "no_plugin.ini").write_text("[mypy]\nstrict = true\n")

    with_plugin = run_mypy(root)
    without_plugin = run_mypy(root, "--config-file", "no_plugin.ini")
    flake8 = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--max-line-length", "88", "--select", "E,W,F",
         "--filename", "*.py,*.pyi", "app/generated"],
        cwd=root, capture_output=True, text=True, timeout=300,
    )

    assert with_plugin.returncode == 0, with_plugin.stdout + with_plugin.stderr
    assert without_plugin.returncode == 0, without_plugin.stdout + without_plugin.stderr
    assert flake8.returncode == 0, flake8.stdout + flake8.stderr


def run_script(root: Path, script: str, database_url: str) -> Any:
    """Run ``script`` in the project with ``database_url`` and return the JSON of its last line."""
    ran = subprocess.run(
        [sys.executable, "-c", script, database_url], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout.splitlines()[-1])


def test_aliased_fields_keep_json_keys_at_runtime(tmp_path: Path, sqlite_url: str) -> None:
    root = generate_project(tmp_path / "project")

    result = run_script(root, SCRIPT, sqlite_url)

    ok, value_json, dumped, typed_row = result["typed"]
    assert ok is True
    assert value_json == "S3CRET-JSON"
    assert dumped == {"date": "2024-05-01", "json": "S3CRET-JSON", "copy": 2}
    assert typed_row["input"] == {"date": "2024-05-01", "json": "***", "copy": 2, "schema": ["a", "b"], "document": None}
    assert typed_row["output"] == {"date": "2024-05-01", "json": "S3CRET-JSON", "copy": 2}
    raw_ok, raw_row = result["raw"]
    assert raw_ok is True
    assert raw_row["input"]["json"] == "***"
    assert raw_row["input"]["document"] == {"schema": "v1", "token": "***"}
    assert result["refused"] == [False, "refused", {"json": "refused", "copy": -1}]
    assert result["delivered"] == [{"json": "a,b", "self": 2}, {"json": "", "self": 1}]


SPEC_NAME_SCRIPT = """
import json, sys
from datetime import date
from sqlalchemy import func, select
from opsgen.runtime.runtime import configure
from opsgen.runtime.schema import executions
from app.generated import ops
runtime = configure(database_url=sys.argv[1])
runtime.ensure_schema()
messages = []
for call in (
    lambda: ops.shop.archive(None, date=date(2024, 5, 1), json_="x"),
    lambda: ops.shop.archive(None, date=date(2024, 5, 1), json="x", copy_=2),
    lambda: ops.shop.archive.enqueue(None, date_=date(2024, 5, 1), json="x"),
    lambda: ops.shop.archive(None, date_=date(2024, 5, 1), json_="x", colour="red"),
):
    try:
        call()
    except TypeError as error:
        messages.append(str(error))
with runtime.engine.connect() as connection:
    recorded = connection.execute(select(func.count()).select_from(executions)).scalar_one()
print(json.dumps({"messages": messages, "recorded": recorded}))
"""


def test_spec_name_keyword_names_python_name(tmp_path: Path, sqlite_url: str) -> None:
    root = generate_project(tmp_path / "project")

    result = run_script(root, SPEC_NAME_SCRIPT, sqlite_url)

    single, several, queued, unknown = result["messages"]
    assert single == (
        "shop.archive got the unexpected keyword argument 'date', the spec name of an input. The typed call "
        "takes that input by its Python name, so pass date_=... instead, or pass spec names in a mapping to "
        "call_with(ctx, {'date': ...})"
    )
    assert several.startswith("shop.archive got the unexpected keyword arguments 'date', 'json', the spec names of inputs.")
    assert "so pass date_=..., json_=... instead" in several
    assert queued.startswith("shop.archive.enqueue got the unexpected keyword argument 'json'")
    assert queued.endswith("enqueue_with(ctx, {'json': ...})")
    assert unknown == "ArchiveHandle.__call__() got an unexpected keyword argument 'colour'"
    assert result["recorded"] == 0
