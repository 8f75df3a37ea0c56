"""A spec's ``audit.changes`` must name entities that ``[tool.opsgen.audit.entities]`` declares."""

from __future__ import annotations

from pathlib import Path

from codegen_helpers import make_project, run_opsgen

AUDITED = '\n[tool.opsgen.audit.entities.billing_plan]\ntable = "billing_plans"\n'


def _project(root: Path, entity: str, *, audited: bool = True) -> Path:
    make_project(root)
    if audited:
        with (root / "pyproject.toml").open("a", encoding="utf-8") as pyproject:
            pyproject.write(AUDITED)
    spec = root / "specs" / "billing" / "change_plan.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("changes: [billing_plan]", f"changes: [{entity}]"),
                    encoding="utf-8")
    return root


def test_misspelt_audited_entity_stops_generate_with_its_place(tmp_path: Path) -> None:
    root = _project(tmp_path, "biling_plan")

    generated = run_opsgen(root, "generate")

    assert generated.returncode == 2, generated.stdout + generated.stderr
    assert "change_plan.yaml:23:" in generated.stderr
    assert "the entity 'biling_plan' is not audited" in generated.stderr
    assert "did you mean 'billing_plan'?" in generated.stderr
    assert not (root / "generated").exists()


def test_declared_entity_and_projects_without_audit_pass(tmp_path: Path) -> None:
    declared = run_opsgen(_project(tmp_path / "declared", "billing_plan"), "generate")
    unaudited = run_opsgen(_project(tmp_path / "unaudited", "anything", audited=False), "generate")

    assert declared.returncode == 0, declared.stderr
    assert unaudited.returncode == 0, unaudited.stderr
