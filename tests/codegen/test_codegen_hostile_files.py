"""Files where ``opsgen generate`` expects something else: each stops the run with one line and exit 2.

The run writes nothing in these cases: no generated package, no scaffold.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from codegen_helpers import OPSGEN, make_project, run_opsgen
from opsgen.codegen.errors import PathError
from opsgen.codegen.writer import recover, stage_package, staging_dir

SPEC = """\
name: shop.place_order
input:
  quantity: int
output:
  total: int
"""


def one_spec_project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "project", specs=None).resolve()
    (root / "specs" / "shop").mkdir()
    (root / "specs" / "shop" / "place_order.yaml").write_text(SPEC)
    return root


def implementation(root: Path) -> Path:
    path = root / "app" / "operations" / "shop" / "place_order.py"
    path.parent.mkdir(parents=True)
    return path


def assert_one_line_error(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr


def test_non_utf8_implementation_rejected(tmp_path: Path) -> None:
    root = one_spec_project(tmp_path)
    path = implementation(root)
    path.write_bytes(b'"""Place an order."""\nx = "\xff"\n')

    result = run_opsgen(root, "generate")

    assert_one_line_error(result)
    assert f"{path}:2:6: invalid UTF-8 (byte 0xff); save the file as UTF-8" in result.stderr
    assert not (root / "app" / "generated").exists()


def test_folder_at_implementation_path_rejected(tmp_path: Path) -> None:
    root = one_spec_project(tmp_path)
    path = implementation(root)
    path.mkdir()

    result = run_opsgen(root, "generate")

    assert_one_line_error(result)
    assert f"{path} is a folder, where opsgen expects a regular file" in result.stderr
    assert not (root / "app" / "generated").exists()


def test_fifo_at_implementation_path_rejected(tmp_path: Path) -> None:
    root = one_spec_project(tmp_path)
    path = implementation(root)
    os.mkfifo(path)

    # Opening the FIFO for reading would block until the timeout.
    result = subprocess.run([*OPSGEN, "generate"], cwd=root, capture_output=True, text=True, timeout=60)

    assert_one_line_error(result)
    assert f"{path} is a FIFO, socket or device, where opsgen expects a regular file" in result.stderr
    assert not (root / "app" / "generated").exists()


@pytest.mark.parametrize(("target", "problem"), [("missing.py", "to missing.py, which does not exist"), ("place_order.py", "that loops")])
def test_broken_implementation_link_rejected(tmp_path: Path, target: str, problem: str) -> None:
    root = one_spec_project(tmp_path)
    path = implementation(root)
    path.symlink_to(target)

    first = run_opsgen(root, "generate")
    second = run_opsgen(root, "generate")

    for result in (first, second):
        assert_one_line_error(result)
        assert f"{path} is a symbolic link {problem}" in result.stderr
        assert "created" not in result.stdout
    assert not (root / "app" / "generated").exists()
    assert not (path.parent / target).exists()


def test_non_utf8_spec_file_name_rejected(tmp_path: Path) -> None:
    root = one_spec_project(tmp_path)
    (root / "specs" / "shop" / os.fsdecode(b"bad\xff.yaml")).write_text(SPEC.replace("place_order", "other"))

    result = run_opsgen(root, "generate")

    assert_one_line_error(result)
    assert f"the spec file name {root}/specs/shop/bad\\xff.yaml is not valid UTF-8; rename the file" in result.stderr
    assert not (root / "app" / "generated").exists()


def test_file_at_staging_path_kept(tmp_path: Path) -> None:
    root = one_spec_project(tmp_path)
    leftover = root / "app" / ".generated.opsgen-staging"
    leftover.write_text("the user's notes\n")

    result = run_opsgen(root, "generate")

    assert_one_line_error(result)
    assert f"{leftover} is not a folder, but opsgen keeps its staging and backup folders" in result.stderr
    assert leftover.read_text() == "the user's notes\n"
    assert not (root / "app" / "generated").exists()


def test_unremovable_leftover_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "generated"
    package.mkdir()
    staging_dir(package).mkdir()

    def denied(path: object, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    # Root may remove any file, so the failing removal is simulated.
    monkeypatch.setattr(shutil, "rmtree", denied)
    with pytest.raises(PathError) as raised:
        recover(package)

    assert "failed to clean up after an earlier run of opsgen: [Errno 13] Permission denied" in str(raised.value)
    assert "remove them by hand" in str(raised.value)


def test_read_only_package_rejected_before_swap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "generated"
    (package / "shop").mkdir(parents=True)
    (package / "shop").chmod(0o555)
    if os.geteuid() == 0:
        # Root may write into read-only folders, so access is denied as to another user.
        real_access = os.access
        monkeypatch.setattr(
            os, "access", lambda path, mode: False if Path(path) == package / "shop" else real_access(path, mode)
        )
    try:
        with pytest.raises(PathError) as raised:
            stage_package(package, {"registry.py": "# Generated by opsgen\n# opsgen: generated file\n"})
    finally:
        (package / "shop").chmod(0o755)

    assert f"{package / 'shop'} is read-only" in str(raised.value)
    assert not staging_dir(package).exists()


def test_interrupted_generate_prints_one_line(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    environment = {**os.environ, "OPSGEN_TEST_WRITE_DELAY": "0.05"}
    process = subprocess.Popen(
        [*OPSGEN, "generate"], cwd=root, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    staging = root / "app" / ".generated.opsgen-staging"
    deadline = time.monotonic() + 60
    while not staging.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    writing = staging.exists()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)

    assert writing
    assert process.returncode == 130, stderr
    assert stderr == "opsgen generate: interrupted; run it again to bring the generated code up to date\n"
    assert not (root / "app" / "generated").exists()
    assert not staging.exists()
