"""The spec files that the README and docs/spec-format.md show generate as they are written."""

from __future__ import annotations

import re
from pathlib import Path

from cli_support import run_opsgen

from opsgen.spec.loader import load_specs

ROOT = Path(__file__).resolve().parents[2]

#: A file shown in the docs: "`specs/NAME.yaml`:", a blank line, then a yaml block.
SHOWN_FILE = re.compile(r"`(specs/[\w/]+\.ya?ml)`:\n\n```yaml\n(.*?)```", re.DOTALL)


def shown_files(page: str, heading: str) -> dict[str, str]:
    """Return the spec files shown under ``heading`` of the page, by path."""
    text = (ROOT / page).read_text(encoding="utf-8")
    section = text.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]
    return dict(SHOWN_FILE.findall(section))


def write_files(folder: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def test_readme_spec_generates(tmp_path: Path) -> None:
    files = shown_files("README.md", "## A spec")
    assert sorted(files) == ["specs/billing/credit_account.yaml", "specs/types.yaml"]
    write_files(tmp_path, files)

    generated = run_opsgen(tmp_path, "generate", "specs", "--package", "app/generated", "--implementations", "app/operations")

    assert generated.returncode == 0, generated.stderr
    assert (tmp_path / "app" / "generated" / "billing" / "credit_account.py").is_file()
    assert (tmp_path / "app" / "operations" / "billing" / "credit_account.py").is_file()


def test_format_types_cover_readme_spec(tmp_path: Path) -> None:
    readme_spec = shown_files("README.md", "## A spec")["specs/billing/credit_account.yaml"]
    files = shown_files("docs/spec-format.md", "## A complete example")
    assert sorted(files) == ["specs/billing/credit_account.yaml", "specs/types.yaml"]
    files["specs/billing/credit_account.yaml"] = readme_spec
    write_files(tmp_path, files)

    specs = load_specs(tmp_path / "specs")

    assert [operation.name for operation in specs.operations] == ["billing.credit_account"]
