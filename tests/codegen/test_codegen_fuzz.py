"""Any text in a spec renders to code that compiles, with the text kept as literal data."""

from __future__ import annotations

import ast

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsgen.codegen.render import RenderSettings, render_project
from opsgen.codegen.source import SourceOperation, SpecSource
from opsgen.codegen.view import build_project
from opsgen.spec.model import OperationSpec

SETTINGS = RenderSettings("app/operations", "app.generated", "app.operations")
texts = st.text(max_size=60)


def constants(source: str) -> set[str]:
    return {node.value for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Constant) and isinstance(node.value, str)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    description=texts,
    message=texts,
    default=texts,
    field_description=texts,
    lock_key=texts.filter(bool),
    enum_values=st.lists(texts.filter(bool), min_size=1, max_size=3, unique=True),
)
def test_any_text_compiles_as_literal(
    description: str,
    message: str,
    default: str,
    field_description: str,
    lock_key: str,
    enum_values: list[str],
) -> None:
    spec = OperationSpec.model_validate(
        {
            "name": "fuzz.case",
            "description": description,
            "input": {
                "note": {"type": "str", "default": default, "description": field_description or None},
                "choice": {"enum": enum_values},
            },
            "errors": {"failed": {"message": message}},
            "locks": [{"key": lock_key[:300]}],
        }
    )
    source = SpecSource((SourceOperation(spec, "specs/fuzz/case.yaml"),), (), ())

    rendered = render_project(build_project(source, "app.operations"), SETTINGS)

    for path, text in {**rendered.package, **rendered.scaffolds}.items():
        if path.endswith((".py", ".pyi")):
            compile(text, path, "exec")
    literals = constants(rendered.package["fuzz/case.py"])
    assert description in literals or not description
    assert message in literals
    assert default in literals
    assert lock_key[:300] in literals
    assert set(enum_values) <= literals
