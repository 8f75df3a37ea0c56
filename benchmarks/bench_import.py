"""Time importing a generated registry of 1,000 operations, and the first call of one of them.

The generated registry imports an operation's module, with its models, the first time
its handle is read, and the models set ``defer_build=True``, so pydantic builds each
validator at its first validation. Three variants come from one generation of the specs
of the code generation benchmark, in the same run:

- "built at import": the registry imports every operation module when it is imported,
  and the models have ``defer_build`` removed, as generated code did at first;
- "deferred build": the registry imports every operation module, with deferred builds;
- "lazy modules": the generated package as it is.

The first two get a line at the end of ``registry.py`` that imports every operation
module, which is what the registry did before it read modules lazily.

Each sample is a fresh interpreter, and the variants alternate. One sample times the
import statement of the registry alone, in wall and CPU time. Then it configures a
runtime on a new SQLite database and calls one operation, which creates the database and
the lock file. Last it times the first and the second call of another operation, in wall
and process CPU time (SQLite runs in the process). Both operations
have a real implementation that returns its output. The ``.pyc`` files are compiled
before timing and every file is in the page cache.

Usage: python benchmarks/bench_import.py [--quick] [--specs N] [--runs N]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from bench_common import machine
from bench_generate import write_inputs

#: The setting that the "built at import" variant has removed from every model.
DEFERRED_LINE = "        defer_build=True,\n"

#: Operations of the synthetic specs (``bench_generate.write_inputs``). The first call
#: of ``WARM_UP`` creates the database, then ``TIMED`` is timed.
WARM_UP = ("domain1", "operation_0001", "Operation0001")
TIMED = ("domain0", "operation_0000", "Operation0000")

#: The body that replaces the scaffold's ``raise NotImplementedError(...)``.
RETURN_OUTPUT = "        return {stem}Output(ok=True, total=amount * count, created_at=datetime.now(timezone.utc))\n"

#: One sample, run in a fresh interpreter in the project folder. It prints milliseconds as JSON.
SAMPLE = """
import json, sys, time
from decimal import Decimal
from uuid import uuid4

wall, cpu = time.perf_counter(), time.process_time()
from app.generated.registry import ops
import_wall, import_cpu = time.perf_counter() - wall, time.process_time() - cpu

from opsgen.runtime.runtime import configure

configure(database_url=sys.argv[1])
arguments = {"account_id": uuid4(), "amount": Decimal("2.50"), "currency": "EUR"}
results = [ops.%s.%s(None, **arguments)]
timings = []
for _ in range(2):
    wall, cpu = time.perf_counter(), time.process_time()
    results.append(ops.%s.%s(None, **arguments))
    timings += [(time.perf_counter() - wall) * 1e3, (time.process_time() - cpu) * 1e3]
failed = [result for result in results if not result.ok]
if failed:
    sys.exit(f"a call failed: {failed}")
figures = dict(zip(["first_call_wall", "first_call_cpu", "second_call_wall", "second_call_cpu"], timings))
print(json.dumps({"import_wall": import_wall * 1e3, "import_cpu": import_cpu * 1e3, **figures}))
""" % (WARM_UP[0], WARM_UP[1], TIMED[0], TIMED[1])

LABELS = {
    "import_wall": "import of the registry, wall",
    "import_cpu": "import of the registry, CPU",
    "first_call_wall": "first call of one operation, wall",
    "first_call_cpu": "first call of one operation, CPU",
    "second_call_wall": "second call of that operation, wall",
    "second_call_cpu": "second call of that operation, CPU",
}


def write_implementations(project: Path) -> None:
    """Give the scaffolds of the two called operations a body that returns their output."""
    for domain, name, stem in (WARM_UP, TIMED):
        path = project / "app" / "operations" / domain / f"{name}.py"
        scaffold = path.read_text()
        signature, _, _ = scaffold.partition("        raise NotImplementedError(")
        signature = signature.replace(
            "from __future__ import annotations\n",
            "from __future__ import annotations\n\nfrom datetime import datetime, timezone\n",
        )
        path.write_text(signature + RETURN_OUTPUT.format(stem=stem))


def import_every_module(package: Path) -> int:
    """Make ``registry.py`` of ``package`` import every operation module; return how many."""
    lines = []
    for path in sorted(package.rglob("*.py")):
        if path.name.startswith("_") or path.name in {"registry.py", "shared_types.py"}:
            continue
        if "\nDECLARATION = " not in path.read_text():
            continue
        relative = path.relative_to(package).with_suffix("")
        lines.append(f"from .{'.'.join(relative.parts[:-1])} import {relative.parts[-1]} as _eager_{len(lines)}\n")
    with (package / "registry.py").open("a") as registry:
        registry.write("\n# Every operation module at import, as the registry did before it read them lazily.\n")
        registry.writelines(lines)
    return len(lines)


def remove_deferred_build(package: Path) -> int:
    """Remove ``defer_build=True`` from every generated module of ``package``; return the models changed."""
    changed = 0
    for path in sorted(package.rglob("*.py")):
        text = path.read_text()
        count = text.count(DEFERRED_LINE)
        if count:
            path.write_text(text.replace(DEFERRED_LINE, ""))
            changed += count
    return changed


def compile_sources(project: Path) -> None:
    """Write the ``.pyc`` files, which PYTHONDONTWRITEBYTECODE would otherwise keep from every sample."""
    if not compileall.compile_dir(str(project / "app"), quiet=1):
        raise RuntimeError(f"compiling {project / 'app'} failed")


def sample(project: Path, database: Path) -> dict[str, float]:
    """Run :data:`SAMPLE` in a fresh interpreter in ``project`` and return its figures."""
    finished = subprocess.run(
        [sys.executable, "-c", SAMPLE, f"sqlite:///{database}"], cwd=project, capture_output=True, text=True
    )
    if finished.returncode != 0:
        raise RuntimeError(f"the sample in {project} failed:\n{finished.stderr}")
    figures: dict[str, float] = json.loads(finished.stdout.strip().splitlines()[-1])
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 specs, 3 runs")
    parser.add_argument("--specs", type=int, default=1000, help="number of operation specs (default 1000)")
    parser.add_argument("--runs", type=int, default=7, help="fresh-interpreter samples of each variant (default 7)")
    args = parser.parse_args()
    count, runs = (200, 3) if args.quick else (args.specs, args.runs)

    from opsgen.codegen.config import load_config
    from opsgen.codegen.generator import generate

    load_before = os.getloadavg()[0]
    started = datetime.now(timezone.utc)
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        write_inputs(root, count)
        deferred = root / "project"
        generate(load_config(deferred))
        write_implementations(deferred)
        eager = root / "eager"
        shutil.copytree(deferred, eager)
        models = remove_deferred_build(eager / "app" / "generated")
        if models == 0:
            raise RuntimeError("the generated package has no model with defer_build=True to compare against")
        imported = root / "imported"
        shutil.copytree(deferred, imported)
        if import_every_module(eager / "app" / "generated") != count or import_every_module(
            imported / "app" / "generated"
        ) != count:
            raise RuntimeError(f"expected {count} operation modules in the generated package")
        variants = {"built at import": eager, "deferred build": imported, "lazy modules": deferred}
        for project in variants.values():
            compile_sources(project)
            sample(project, root / f"warm-{project.name}.db")

        samples: dict[str, list[dict[str, float]]] = {label: [] for label in variants}
        for number in range(runs):
            shift = number % len(variants)
            labels = list(variants)[shift:] + list(variants)[:shift]
            for label in labels:
                database = root / f"{variants[label].name}-{number}.db"
                samples[label].append(sample(variants[label], database))

    medians = {
        label: {figure: statistics.median(run[figure] for run in runs_of) for figure in LABELS}
        for label, runs_of in samples.items()
    }
    print(f"machine: {machine()}; nproc {len(os.sched_getaffinity(0))}")
    print(
        f"started {started:%Y-%m-%d %H:%M} UTC; load average {load_before:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end"
    )
    print(f"{count} operations, {models} models; medians of {runs} fresh interpreters per variant, in ms")
    print(f"{'':<38} " + " ".join(f"{label:>16}" for label in medians) + "   lazy vs deferred")
    for figure in LABELS:
        row = " ".join(f"{medians[label][figure]:16.1f}" for label in medians)
        ratio = medians["deferred build"][figure] / medians["lazy modules"][figure]
        print(f"{LABELS[figure]:<38} {row}   {ratio:6.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
