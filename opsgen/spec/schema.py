"""The published JSON Schema of the spec format, for editors and other tools.

The schema comes from the pydantic models in :mod:`opsgen.spec.model`, so it never
drifts from what the loader accepts. The loader checks more than the schema can express
(name rules, type references, key templates), so a file that passes the schema may
still fail ``load_specs``. A copy is committed as ``opsgen/spec/spec.schema.json`` and
a test keeps it equal to :func:`render_schema`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from opsgen.spec.model import spec_document_schema

#: The committed copy, shipped inside the package.
COMMITTED_SCHEMA = Path(__file__).with_name("spec.schema.json")

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: Text in the schema's ``$comment`` that marks a copy opsgen may rewrite; it begins with
#: the same marker as every generated file.
SCHEMA_MARKER = "opsgen: generated file"


def spec_json_schema() -> dict[str, Any]:
    """Return the JSON Schema of one spec file, with a title and description for editors."""
    schema = spec_document_schema()
    schema["$schema"] = JSON_SCHEMA_DIALECT
    schema["$comment"] = (
        f"{SCHEMA_MARKER}. `opsgen init` writes this schema and `opsgen generate` refreshes a copy "
        "that keeps this comment; remove the comment to keep your own edits."
    )
    schema["title"] = "opsgen spec"
    schema["description"] = (
        "One opsgen operation (name, input, output, errors, context, transaction, locks, "
        "singleton, side_effects, progress, audit), or a `kind: types` file of shared types."
    )
    return schema


def render_schema() -> str:
    """Return the schema as JSON text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(spec_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
