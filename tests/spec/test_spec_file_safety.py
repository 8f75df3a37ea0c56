"""Spec paths that are not plain files in the specs folder, and what errors may echo.

A spec folder may come from anyone, such as a pull request checked by a CI hook. So a
symlink must not make the loader read a file elsewhere on the machine, and a FIFO must
not block it. No error may print a secret, a terminal escape sequence or a megabyte of
text.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from opsgen.spec.errors import MAX_SHOWN_SOURCE, SpecError, SpecErrors
from opsgen.spec.files import RejectedSpecFile, read_spec_bytes
from opsgen.spec.loader import load_specs

SECRET = "TOKEN=s3cr3t-value"
VALID = "name: a.valid\n"
#: Generous bound on how long a rejected spec folder may take to load.
FAST_SECONDS = 2.0

needs_symlinks = pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")


def load_errors(specs: Path) -> tuple[list[SpecError], str]:
    started = time.perf_counter()
    with pytest.raises(SpecErrors) as caught:
        load_specs(specs)
    assert time.perf_counter() - started < FAST_SECONDS
    return caught.value.errors, str(caught.value)


def make_specs(root: Path) -> Path:
    specs = root / "specs"
    (specs / "sub").mkdir(parents=True)
    (specs / "valid.yaml").write_text(VALID, encoding="utf-8")
    return specs


def secret_file(root: Path) -> Path:
    # A NUL makes the YAML reader fail on line 1, which once echoed the whole line.
    outside = root / "outside" / "secrets.txt"
    outside.parent.mkdir()
    outside.write_text(f"name: x\x00{SECRET}\n", encoding="utf-8")
    return outside


@needs_symlinks
def test_symlink_outside_folder_rejected_unread(tmp_path: Path) -> None:
    specs = make_specs(tmp_path)
    (specs / "sub" / "leak.yaml").symlink_to(secret_file(tmp_path))

    errors, text = load_errors(specs)

    assert [error.path.name for error in errors] == ["leak.yaml"]
    assert "symlink" in errors[0].message
    assert "outside the specs folder" in errors[0].message
    assert errors[0].source_line is None
    assert SECRET not in text


@needs_symlinks
def test_file_in_linked_folder_outside_rejected(tmp_path: Path) -> None:
    # The folder listing skips linked folders, but one can replace a folder after the listing.
    specs = make_specs(tmp_path)
    outside = secret_file(tmp_path).parent
    (outside / "second.yaml").write_text(VALID, encoding="utf-8")
    (specs / "linked").symlink_to(outside, target_is_directory=True)
    folders_inside: dict[Path, bool] = {}

    for name in ("secrets.txt", "second.yaml"):
        with pytest.raises(RejectedSpecFile) as caught:
            read_spec_bytes(specs / "linked" / name, specs.resolve(), folders_inside)
        assert "lies outside the specs folder" in caught.value.message
    assert folders_inside == {specs / "linked": False}


@needs_symlinks
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_symlink_to_proc_environ_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSGEN_TEST_SECRET", SECRET)
    specs = make_specs(tmp_path)
    (specs / "env.yaml").symlink_to("/proc/self/environ")

    errors, text = load_errors(specs)

    assert len(errors) == 1
    assert "outside the specs folder" in errors[0].message
    assert SECRET not in text


@needs_symlinks
def test_dangling_symlink_rejected(tmp_path: Path) -> None:
    specs = make_specs(tmp_path)
    (specs / "gone.yaml").symlink_to(tmp_path / "missing.yaml")

    errors, _ = load_errors(specs)

    assert len(errors) == 1
    assert "target does not exist" in errors[0].message


@needs_symlinks
def test_symlink_inside_folder_loads(tmp_path: Path) -> None:
    specs = make_specs(tmp_path)
    # The target has no spec suffix, so only the symlink makes it a spec.
    (specs / "sub" / "real.txt").write_text("name: a.other\n", encoding="utf-8")
    (specs / "alias.yml").symlink_to(Path("sub") / "real.txt")

    loaded = load_specs(specs)

    assert sorted(op.name for op in loaded.operations) == ["a.other", "a.valid"]


@needs_symlinks
def test_symlink_to_another_spec_rejected(tmp_path: Path) -> None:
    specs = make_specs(tmp_path)
    (specs / "sub" / "again.yaml").symlink_to(Path("..") / "valid.yaml")

    errors, text = load_errors(specs)

    assert [error.path.name for error in errors] == ["again.yaml"]
    assert errors[0].message == "the spec file is a symlink to valid.yaml, which is read as a spec already"
    assert errors[0].hint == "remove the symlink; every spec under the specs folder is read once"
    # An error about the file as a whole names no line and column.
    assert text.splitlines()[0].endswith("again.yaml: the spec file is a symlink to valid.yaml, which is read as a spec already")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_fifo_rejected_without_blocking(tmp_path: Path) -> None:
    specs = make_specs(tmp_path)
    os.mkfifo(specs / "pipe.yaml")
    (specs / "broken.yaml").write_text("name: a.b\ninput: {x: bogus}\n", encoding="utf-8")

    errors, _ = load_errors(specs)

    by_file = {error.path.name: error for error in errors}
    assert sorted(by_file) == ["broken.yaml", "pipe.yaml"]
    assert "FIFO" in by_file["pipe.yaml"].message
    assert "unknown type" in by_file["broken.yaml"].message


@needs_symlinks
@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_symlink_to_device_rejected(tmp_path: Path) -> None:
    specs = make_specs(tmp_path)
    (specs / "zero.yaml").symlink_to("/dev/zero")

    errors, _ = load_errors(specs)

    assert len(errors) == 1
    assert "outside the specs folder" in errors[0].message


def test_nul_line_echo_capped_and_escaped(tmp_path: Path) -> None:
    specs = make_specs(tmp_path)
    long_line = "name: a.b\x00" + "x" * 900_000
    (specs / "nul.yaml").write_text(long_line + "\n", encoding="utf-8")

    errors, text = load_errors(specs)

    assert len(errors) == 1
    assert "NUL" in errors[0].message
    assert len(text) < 1000
    assert "\x00" not in text
    assert "\\x00" in text


def test_long_line_excerpt_keeps_caret_on_column(tmp_path: Path) -> None:
    specs = make_specs(tmp_path)
    padding = "y" * 5000
    (specs / "wide.yaml").write_text(f"name: a.b\ndescription: {padding}\ninput: {{x: bogus}}\n", encoding="utf-8")
    fields = "".join(f"a{index}: str, " for index in range(600))
    (specs / "far.yaml").write_text("name: a.c\ninput: {" + fields + "x: bogus}\n", encoding="utf-8")

    errors, _ = load_errors(specs)

    far = next(error for error in errors if error.path.name == "far.yaml")
    source, caret = far.format().splitlines()[1:3]
    assert len(source) <= MAX_SHOWN_SOURCE + 4 + 6
    assert source.startswith("    ...")
    assert source[caret.index("^") :].startswith("bogus")


@pytest.mark.skipif(sys.platform == "win32", reason="Windows file names cannot hold control characters")
def test_control_characters_escaped_in_output(tmp_path: Path) -> None:
    specs = make_specs(tmp_path)
    hostile_name = "\x1b]0;owned\x07\x1b[2Jz.yaml"
    (specs / hostile_name).write_text('name: a.b\ninput: {x: "\\e[31mred"}\n', encoding="utf-8")

    errors, text = load_errors(specs)

    assert len(errors) == 1
    assert "\x1b" not in text
    assert "\x07" not in text
    assert "\\x1b]0;owned\\x07\\x1b[2Jz.yaml:2:" in text
