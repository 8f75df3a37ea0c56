"""``opsgen generate`` names the generated files whose hand edits it replaces."""

from __future__ import annotations

from pathlib import Path

from codegen_helpers import make_project, run_opsgen

EDITED = "app/generated/billing/change_plan.py"


def edit_by_hand(root: Path) -> None:
    path = root / EDITED
    path.write_text(path.read_text(encoding="utf-8") + "\nHOTFIX = True\n", encoding="utf-8")


def test_generate_names_edited_files(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    assert run_opsgen(root, "generate").returncode == 0
    edit_by_hand(root)

    checked = run_opsgen(root, "generate", "--check")
    written = run_opsgen(root, "generate")

    assert checked.returncode == 1
    assert "would replace the hand edits of 1 generated file:\n  app/generated/billing/change_plan.py\n" in checked.stderr
    assert written.returncode == 0, written.stderr
    assert "opsgen generate: replaced the hand edits of 1 generated file:" in written.stderr
    assert "put code in app/operations, or change the spec" in written.stderr
    assert "HOTFIX" not in (root / EDITED).read_text(encoding="utf-8")


def test_spec_change_is_no_hand_edit(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    assert run_opsgen(root, "generate").returncode == 0
    spec = root / "specs" / "billing" / "change_plan.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("immediately", "at once"), encoding="utf-8")

    written = run_opsgen(root, "generate")

    assert written.returncode == 0, written.stderr
    assert "2 generated files updated" in written.stdout  # the module and the manifest
    assert "hand edits" not in written.stderr
