"""Generation into a package that is a symbolic link, lies under one, or contains one."""

from __future__ import annotations

import os
from pathlib import Path

from codegen_helpers import make_project, run_opsgen

CHANGED_SPEC = "specs/billing/credit_account.yaml"


def change_a_spec(root: Path) -> None:
    """Edit a spec so that the next run writes the package again."""
    spec = root / CHANGED_SPEC
    spec.write_text(spec.read_text().replace("Credit an account", "Credit one account"))


def leftovers(folder: Path) -> list[str]:
    """Return the staging and backup entries opsgen left in ``folder``."""
    return sorted(entry.name for entry in folder.iterdir() if ".opsgen-" in entry.name)


def test_package_link_is_written_through(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    outside = tmp_path / "shared"
    target = outside / "generated"
    target.mkdir(parents=True)
    neighbour = outside / "notes.txt"
    neighbour.write_text("the user's file beside the link target\n")
    link = root / "app" / "generated"
    link.symlink_to(target)

    first = run_opsgen(root, "generate")
    change_a_spec(root)
    second = run_opsgen(root, "generate")

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert link.is_symlink()
    assert os.readlink(link) == str(target)
    assert "Credit one account" in (target / "billing" / "credit_account.py").read_text()
    assert (target / "registry.py").is_file()
    assert neighbour.read_text() == "the user's file beside the link target\n"
    assert leftovers(root / "app") == []
    assert leftovers(outside) == []


def test_package_under_linked_folder(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    real_app = tmp_path / "elsewhere" / "app"
    real_app.parent.mkdir()
    (root / "app").rename(real_app)
    (root / "app").symlink_to(real_app)

    first = run_opsgen(root, "generate")
    change_a_spec(root)
    second = run_opsgen(root, "generate")

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert (root / "app").is_symlink()
    registry = (real_app / "generated" / "registry.py").read_text()
    # The import names follow the path in the project, through the link.
    assert '"app.operations.billing.credit_account:CreditAccount"' in registry
    assert "Credit one account" in (real_app / "generated" / "billing" / "credit_account.py").read_text()
    assert leftovers(real_app) == []


def test_link_inside_package_is_kept(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    assert run_opsgen(root, "generate").returncode == 0
    data = tmp_path / "data"
    data.mkdir()
    (data / "rates.csv").write_text("EUR,1\n")
    inner_link = root / "app" / "generated" / "rates"
    inner_link.symlink_to(data)
    change_a_spec(root)

    process = run_opsgen(root, "generate")

    assert process.returncode == 2
    assert "\n  app/generated/rates\n" in process.stderr
    assert inner_link.is_symlink()
    assert (data / "rates.csv").read_text() == "EUR,1\n"
    assert "Credit one account" not in (root / "app" / "generated" / "billing" / "credit_account.py").read_text()


def test_link_at_staging_path_is_not_removed(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    assert run_opsgen(root, "generate").returncode == 0
    target = tmp_path / "shared" / "generated"
    target.mkdir(parents=True)
    (target / "keep.txt").write_text("keep\n")
    staging_link = root / "app" / ".generated.opsgen-staging"
    staging_link.symlink_to(target)
    change_a_spec(root)

    process = run_opsgen(root, "generate")

    assert process.returncode == 2
    assert "Traceback" not in process.stderr
    assert f"opsgen generate: app/.generated.opsgen-staging is a symbolic link (to {target})" in process.stderr
    assert staging_link.is_symlink()
    assert (target / "keep.txt").read_text() == "keep\n"


def test_linked_implementation_updated_in_target(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    assert run_opsgen(root, "generate").returncode == 0
    implementation = root / "app" / "operations" / "billing" / "credit_account.py"
    link_target = tmp_path / "kept" / "credit_account.py"
    link_target.parent.mkdir()
    implementation.rename(link_target)
    implementation.symlink_to(link_target)
    spec = root / CHANGED_SPEC
    spec.write_text(spec.read_text().replace("  account_id: uuid\n", "  account_id: uuid\n  memo: str\n", 1))

    process = run_opsgen(root, "generate")

    assert process.returncode == 0, process.stderr
    assert implementation.is_symlink()
    assert "memo: str" in link_target.read_text()
