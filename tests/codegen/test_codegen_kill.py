"""A generate run killed with SIGKILL at any moment leaves the package wholly old or wholly new.

``OPSGEN_TEST_WRITE_DELAY`` slows each staged file down, so kills land while the new
package is being written, during the swap and after it.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from codegen_helpers import OPSGEN, make_project, read_tree

KILLS = 10


def package_tree(root: Path) -> dict[str, bytes]:
    return read_tree(root / "app" / "generated")


def change_specs(root: Path) -> None:
    for path in sorted((root / "specs").rglob("*.yaml")):
        text = path.read_text()
        if "\ndescription: " in text:
            path.write_text(text.replace("\ndescription: ", "\ndescription: Revised. ", 1))
    (root / "specs" / "billing" / "close_account.yaml").write_text(
        "name: billing.close_account\ninput:\n  account_id: uuid\noutput:\n  closed: bool\n"
    )


def restore(root: Path, files: dict[str, bytes]) -> None:
    package = root / "app" / "generated"
    if package.exists():
        shutil.rmtree(package)
    for relative, data in files.items():
        path = package / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


@pytest.mark.slow
def test_killed_generate_leaves_old_or_new(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    assert subprocess.run([*OPSGEN, "generate"], cwd=root, timeout=120).returncode == 0
    old = package_tree(root)

    expected_root = make_project(tmp_path / "expected")
    change_specs(expected_root)
    assert subprocess.run([*OPSGEN, "generate"], cwd=expected_root, timeout=120).returncode == 0
    new = package_tree(expected_root)
    assert old != new

    change_specs(root)
    staging = root / "app" / ".generated.opsgen-staging"
    rng = random.Random(20261204)
    outcomes = {"old": 0, "new": 0}
    killed_while_staging = 0
    for attempt in range(KILLS):
        restore(root, old)
        process = subprocess.Popen(
            [*OPSGEN, "generate", "--quiet"],
            cwd=root,
            env={**os.environ, "OPSGEN_TEST_WRITE_DELAY": "0.01"},
        )
        if attempt % 2 == 0:
            deadline = time.monotonic() + 30
            while not staging.exists() and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.002)
            time.sleep(rng.uniform(0, 0.3))
        else:
            time.sleep(rng.uniform(0.2, 1.5))
        killed_while_staging += staging.exists() and process.poll() is None
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

        tree = package_tree(root)
        assert tree in (old, new), f"kill {attempt}: the package is a mix of old and new files"
        outcomes["old" if tree == old else "new"] += 1
        leftovers = [p for p in (root / "app" / "generated").rglob("*") if "opsgen-" in p.name or p.name.endswith(".tmp")]
        assert leftovers == [], f"kill {attempt}: temporary files in the package: {leftovers}"

    assert killed_while_staging >= 2, "no kill landed while the new package was being written"
    assert outcomes["old"] >= 1

    finished = subprocess.run([*OPSGEN, "generate"], cwd=root, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert package_tree(root) == new
    assert not staging.exists()
    assert not (root / "app" / ".generated.opsgen-old").exists()


@pytest.mark.slow
def test_concurrent_runs_are_serialized(tmp_path: Path) -> None:
    expected_root = make_project(tmp_path / "expected")
    assert subprocess.run([*OPSGEN, "generate"], cwd=expected_root, timeout=120).returncode == 0
    root = make_project(tmp_path / "project")

    processes = [
        subprocess.Popen(
            [*OPSGEN, "generate", "--quiet"],
            cwd=root,
            env={**os.environ, "OPSGEN_TEST_WRITE_DELAY": "0.005"},
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    errors = [process.communicate(timeout=120)[1] for process in processes]

    assert [process.returncode for process in processes] == [0, 0, 0], errors
    assert package_tree(root) == package_tree(expected_root)
    assert sorted(p.name for p in (root / "app").iterdir()) == ["__init__.py", "generated", "operations"]
