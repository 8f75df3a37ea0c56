"""Regenerate the golden files of the example specs: ``python -m tests.golden.refresh``.

Run it from the repository root after a deliberate change to the templates, the
generator or ``specs/``, then review the diff of ``tests/golden/example`` before committing.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "codegen"))

from codegen_helpers import GOLDEN, generate_example  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory() as temporary:
        files = generate_example(Path(temporary) / "project")
    if GOLDEN.exists():
        shutil.rmtree(GOLDEN)
    for relative, data in files.items():
        path = GOLDEN / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    print(f"wrote {len(files)} golden files into {GOLDEN}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
