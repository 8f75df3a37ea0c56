"""``opsgen generate`` names the modules it removes, and ``--check`` leaves the manifest out of its diff."""

from __future__ import annotations

import shutil
from pathlib import Path

from codegen_helpers import make_project, run_opsgen


def test_generate_other_folder_lists_removed_modules(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    assert run_opsgen(root, "generate").returncode == 0
    shutil.copytree(root / "specs", root / "other")
    shutil.rmtree(root / "other" / "accounts")

    checked = run_opsgen(root, "generate", "--check", "other")
    written = run_opsgen(root, "generate", "other")

    assert checked.returncode == 1
    assert "would remove 3 generated files whose specs are not in other:" in checked.stderr
    assert "app/generated/accounts/register_user.py\n" in checked.stderr
    assert written.returncode == 0
    assert "removed 3 generated files whose specs are not in other:" in written.stderr
    assert "app/generated/accounts/register_user.pyi" in written.stderr
    assert not (root / "app" / "generated" / "accounts").exists()


def test_generate_without_removals_prints_none(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    assert run_opsgen(root, "generate").returncode == 0
    (root / "specs" / "billing" / "refund.yaml").write_text("name: billing.refund\n", encoding="utf-8")

    written = run_opsgen(root, "generate")

    assert written.returncode == 0
    assert "remove" not in written.stderr


def test_generate_help_says_package_mirrors_specs() -> None:
    helped = run_opsgen(Path.cwd(), "generate", "--help")

    assert "mirrors the one specs folder given" in " ".join(helped.stdout.split())


def test_check_leaves_manifest_out_of_diff(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    assert run_opsgen(root, "generate").returncode == 0
    spec = root / "specs" / "billing" / "credit_account.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("description:", "description: Now", 1), encoding="utf-8")

    checked = run_opsgen(root, "generate", "--check")

    assert checked.returncode == 1
    assert "credit_account.py" in checked.stdout
    assert "_opsgen_manifest.json" not in checked.stdout
    assert "only _opsgen_manifest.json differs" not in checked.stderr


def test_check_reports_manifest_only_change(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    assert run_opsgen(root, "generate").returncode == 0
    spec = root / "specs" / "billing" / "credit_account.yaml"
    spec.write_text(spec.read_text(encoding="utf-8") + "# a comment changes only the recorded hash\n", encoding="utf-8")

    checked = run_opsgen(root, "generate", "--check")

    assert checked.returncode == 1
    assert checked.stdout == ""
    assert "only _opsgen_manifest.json differs" in checked.stderr
