"""Time the check that warns about specs changed after generation, on 1,000 specs.

The generated registry runs :func:`opsgen.runtime.stale_specs.warn_if_specs_changed`
when the application imports it. This script times, in process, interleaved, and in CPU
time, because the files are in the page cache and the machine may be busy:

- the check with the specs present and unchanged, its full cost (read the manifest,
  list the specs folder, read and hash every spec);
- the baseline: listing the same folder with ``os.walk`` and reading the same files,
  without the manifest and without hashing;
- the check in a deployed copy of the package, where the specs folder is absent;

and, in fresh interpreters, the first check of the process against the import of the
generated registry, with the specs present and in the deployed copy.
Every figure is with the files in the page cache: the script does not drop caches.

Usage: python benchmarks/bench_stale_specs.py [--quick] [--specs N] [--imports N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench_common import compare, machine
from bench_generate import children_cpu, write_inputs

#: Runs in a fresh interpreter: the first check of the process, then the import of the
#: registry (which checks again), each in CPU milliseconds.
IMPORT_REGISTRY = """
import time
from pathlib import Path
from opsgen.runtime.stale_specs import find_spec_changes
started = time.process_time()
find_spec_changes(Path("app/generated"))
checked = time.process_time()
import app.generated.registry
imported = time.process_time()
print((checked - started) * 1e3, (imported - checked) * 1e3)
"""


def read_specs(folder: Path) -> None:
    """List ``folder`` with ``os.walk`` and read every spec file: the same I/O as the check, no hashing."""
    for current, _folders, names in os.walk(folder):
        for name in names:
            if name.endswith((".yaml", ".yml")):
                with open(os.path.join(current, name), "rb") as file:
                    file.read()


def timed_import(project: Path) -> tuple[float, float, float, float]:
    """Run :data:`IMPORT_REGISTRY` in ``project`` and return four times in milliseconds.

    They are the process's wall and CPU time, then the CPU time of its first check and
    of its import of the registry.
    """
    started, cpu_started = time.perf_counter(), children_cpu()
    finished = subprocess.run([sys.executable, "-c", IMPORT_REGISTRY], cwd=project, capture_output=True, text=True)
    if finished.returncode != 0:
        raise RuntimeError(f"importing the registry in {project} failed:\n{finished.stderr}")
    wall, cpu = (time.perf_counter() - started) * 1e3, (children_cpu() - cpu_started) * 1e3
    check, registry = (float(part) for part in finished.stdout.split())
    return wall, cpu, check, registry


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 specs, fewer rounds")
    parser.add_argument("--specs", type=int, default=1000, help="number of operation specs (default 1000)")
    parser.add_argument("--imports", type=int, default=7, help="fresh-interpreter imports of each variant (default 7)")
    args = parser.parse_args()
    count = 200 if args.quick else args.specs
    rounds = 5 if args.quick else 15
    imports = 3 if args.quick else args.imports

    from opsgen.codegen.config import load_config
    from opsgen.codegen.generator import generate
    from opsgen.runtime.stale_specs import find_spec_changes

    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        write_inputs(root, count)
        project = root / "project"
        generate(load_config(project))
        package = project / "app" / "generated"
        # The deployed copy's manifest names ../../specs, which does not exist beside it.
        deployed = root / "deployed"
        shutil.copytree(project / "app", deployed / "app")
        spec_files = len(list((project / "specs").rglob("*.yaml")))

        changes = find_spec_changes(package)
        assert changes is not None and not changes.any, changes
        assert find_spec_changes(deployed / "app" / "generated") is None

        in_process = compare(
            {
                "check, specs present": lambda: find_spec_changes(package),
                "read the spec files": lambda: read_specs(project / "specs"),
                "check, specs absent": lambda: find_spec_changes(deployed / "app" / "generated"),
            },
            calls=3,
            rounds=rounds,
            clock=time.process_time,
        )

        for folder in (project, deployed):  # compile the .pyc files before timing
            timed_import(folder)
        with_specs: list[tuple[float, float, float, float]] = []
        without_specs: list[tuple[float, float, float, float]] = []
        for number in range(imports):
            order = [(project, with_specs), (deployed, without_specs)]
            for folder, samples in order if number % 2 == 0 else reversed(order):
                samples.append(timed_import(folder))

    def median(samples: list[tuple[float, float, float, float]], index: int) -> float:
        return statistics.median(sample[index] for sample in samples)

    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"machine: {machine()}; {now}; load average {os.getloadavg()[0]:.1f} at the end")
    print(f"{count} operation specs ({spec_files} spec files); in process: CPU time, median of {rounds} rounds of 3 calls")
    for name, micros in in_process.items():
        print(f"  {name:<28} {micros / 1e3:8.2f} ms")
    baseline = in_process["read the spec files"]
    print(f"  check / read: {in_process['check, specs present'] / baseline:.2f}x")
    print(f"fresh interpreter: first check, then import of the registry; median of {imports} runs")
    print(f"  {'':<26} {'process wall ms':>15} {'process CPU ms':>14} {'check CPU ms':>12} {'import CPU ms':>13}")
    for label, samples in (("specs present", with_specs), ("specs absent (deployed)", without_specs)):
        figures = " ".join(f"{median(samples, index):{width}.1f}" for index, width in enumerate((15, 14, 12, 13)))
        print(f"  {label:<26} {figures}")
    share = median(with_specs, 2) / median(with_specs, 3)
    print(f"  first check / import of the registry, specs present: {share:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
