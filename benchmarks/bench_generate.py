"""Time ``opsgen generate`` on 1,000 specs, cold and no-op, against datamodel-code-generator.

The baseline is datamodel-code-generator run as it is usually run: the ``datamodel-codegen``
command over a folder of JSON Schemas, one file per operation holding the same input and
output models. Both tools run as subprocesses, so both timings include interpreter
start-up; opsgen's in-process times are printed too.

Usage: python benchmarks/bench_generate.py [--quick] [--specs N] [--repeat N] [--delete-output]

The commands run as in a user's shell: opsgen's modules are compiled first and
``PYTHONDONTWRITEBYTECODE`` is left out of their environment, because
datamodel-code-generator loads the ``.pyc`` files that pip compiled when it installed it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import opsgen_environment  # noqa: E402

OPSGEN = [sys.executable, "-m", "opsgen.cli.main"]
DATAMODEL_CODEGEN = str(Path(sys.executable).with_name("datamodel-codegen"))
DOMAINS = 10

TYPES_SPEC = """\
kind: types
types:
  Money:
    type: decimal
    ge: 0
    decimal_places: 2
  Currency:
    enum: [EUR, USD, GBP]
"""

OPERATION_SPEC = """\
name: {domain}.{name}
description: Synthetic operation {number} for the generator benchmark.
input:
  account_id: uuid
  amount:
    type: Money
    gt: 0
  currency: Currency
  note:
    type: str
    max_length: 200
    optional: true
  count:
    type: int
    ge: 0
    default: 1
  tags:
    type: list[str]
    optional: true
output:
  ok: bool
  total: Money
  created_at: datetime
errors:
  rejected:
    message: The request was rejected.
    details:
      reason: str
transaction: true
locks:
  - key: "account:{{account_id}}"
side_effects:
  notify:
    kind: email
    payload:
      to: str
      total: Money
"""


def camel(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def json_schema(stem: str) -> dict[str, object]:
    """Return the input, output and payload models of one synthetic operation as JSON Schema."""
    money = {"type": "number", "minimum": 0}
    currency = {"type": "string", "enum": ["EUR", "USD", "GBP"]}
    input_model = {
        "type": "object",
        "title": f"{stem}Input",
        "additionalProperties": False,
        "properties": {
            "account_id": {"type": "string", "format": "uuid"},
            "amount": {**money, "exclusiveMinimum": 0},
            "currency": currency,
            "note": {"type": "string", "maxLength": 200},
            "count": {"type": "integer", "minimum": 0, "default": 1},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["account_id", "amount", "currency"],
    }
    output_model = {
        "type": "object",
        "title": f"{stem}Output",
        "additionalProperties": False,
        "properties": {
            "ok": {"type": "boolean"},
            "total": money,
            "created_at": {"type": "string", "format": "date-time"},
        },
        "required": ["ok", "total", "created_at"],
    }
    payload_model = {
        "type": "object",
        "title": f"{stem}NotifyPayload",
        "properties": {"to": {"type": "string"}, "total": money},
        "required": ["to", "total"],
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"{stem}Models",
        "type": "object",
        "properties": {
            "input": {"$ref": f"#/$defs/{stem}Input"},
            "output": {"$ref": f"#/$defs/{stem}Output"},
            "notify": {"$ref": f"#/$defs/{stem}NotifyPayload"},
        },
        "$defs": {f"{stem}Input": input_model, f"{stem}Output": output_model, f"{stem}NotifyPayload": payload_model},
    }


def write_inputs(root: Path, count: int) -> None:
    """Write ``count`` operation specs, the shared types and the matching JSON Schemas."""
    specs = root / "project" / "specs"
    schemas = root / "schemas"
    specs.mkdir(parents=True)
    schemas.mkdir()
    (specs / "types.yaml").write_text(TYPES_SPEC)
    for number in range(count):
        domain = f"domain{number % DOMAINS}"
        name = f"operation_{number:04d}"
        (specs / domain).mkdir(exist_ok=True)
        (specs / domain / f"{name}.yaml").write_text(OPERATION_SPEC.format(domain=domain, name=name, number=number))
        schema = json_schema(camel(name))
        (schemas / f"{domain}_{name}.json").write_text(json.dumps(schema, indent=2))
    (root / "project" / "pyproject.toml").write_text(
        '[tool.opsgen]\nspecs = "specs"\npackage = "app/generated"\nimplementations = "app/operations"\n'
    )
    (root / "project" / "app").mkdir()


def reset_output(project: Path, discarded: Path | None) -> None:
    """Clear the generated output before a cold run: move it into ``discarded``, or delete it when that is None.

    Moving is the default because deleting skews the next cold run on some file systems.
    On ext4 without a journal, Linux skips every inode of the block group freed in the
    last minute, or longer while its inode table block is not yet written back, each
    time it allocates an inode (``recently_deleted()`` in ``fs/ext4/ialloc.c``). Creating
    the 3,028 files of a run right after deleting the previous 3,028 then costs a scan
    per file: 0.4 to 1.1 s of kernel time on the machine of docs/benchmarks.md, caused by
    the benchmark and not by opsgen. The moved folders are deleted with the temporary
    folder, after the last measurement.
    """
    for folder in ("generated", "operations"):
        path = project / "app" / folder
        if discarded is None:
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists():
            discarded.mkdir(exist_ok=True)
            path.rename(discarded / f"{len(list(discarded.iterdir()))}-{folder}")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Run ``command``; return its wall time and the CPU time (user + system) it used."""
    environment = opsgen_environment()
    started, cpu_started = time.perf_counter(), children_cpu()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, env=environment)
    return time.perf_counter() - started, children_cpu() - cpu_started


def timed_in_process(project: Path) -> tuple[float, float]:
    from opsgen.codegen.config import load_config
    from opsgen.codegen.generator import generate

    started, cpu_started = time.perf_counter(), time.process_time()
    generate(load_config(project))
    return time.perf_counter() - started, time.process_time() - cpu_started


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 specs, 2 repetitions")
    parser.add_argument("--specs", type=int, default=1000, help="number of operation specs (default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of each opsgen measurement (default 3)")
    parser.add_argument(
        "--baseline-repeat", type=int, default=1, help="repetitions of datamodel-codegen (default 1; it is slow)"
    )
    parser.add_argument(
        "--delete-output",
        action="store_true",
        help="delete the previous output right before each cold run instead of moving it aside (see reset_output)",
    )
    args = parser.parse_args()
    count, repeat = (200, 2) if args.quick else (args.specs, args.repeat)
    baseline_repeat = 1 if args.quick else args.baseline_repeat

    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        write_inputs(root, count)
        project = root / "project"
        discarded = None if args.delete_output else root / "discarded"

        cold: list[tuple[float, float]] = []
        cold_in_process: list[tuple[float, float]] = []
        noop: list[tuple[float, float]] = []
        noop_in_process: list[tuple[float, float]] = []
        baseline: list[tuple[float, float]] = []
        for _ in range(repeat):
            reset_output(project, discarded)
            cold.append(timed([*OPSGEN, "generate", "--quiet"], project))
            noop.append(timed([*OPSGEN, "generate", "--quiet"], project))
            reset_output(project, discarded)
            cold_in_process.append(timed_in_process(project))
            noop_in_process.append(timed_in_process(project))
        for _ in range(baseline_repeat):
            output = root / "datamodel_out"
            shutil.rmtree(output, ignore_errors=True)
            baseline.append(
                timed(
                    [
                        DATAMODEL_CODEGEN,
                        "--input", str(root / "schemas"),
                        "--input-file-type", "jsonschema",
                        "--output", str(output),
                        "--output-model-type", "pydantic_v2.BaseModel",
                        "--disable-timestamp",
                    ],
                    root,
                )
            )
        generated_files = sum(1 for p in (project / "app").rglob("*") if p.is_file())
        baseline_files = sum(1 for p in (root / "datamodel_out").rglob("*.py"))

    def median(values: list[tuple[float, float]], index: int) -> float:
        return statistics.median(value[index] for value in values)

    def row(label: str, values: list[tuple[float, float]], note: str = "") -> None:
        print(f"{label:<38} {median(values, 0):8.3f} {median(values, 1):8.3f}  {note}")

    print(f"machine: {machine()}, load average {os.getloadavg()[0]:.1f} at the end")
    print(f"{count} operation specs; medians of {repeat} runs ({baseline_repeat} for the baseline)")
    print(f"{'':<38} {'wall s':>8} {'CPU s':>8}")
    row("opsgen generate, cold (subprocess)", cold, f"{generated_files} files")
    row("opsgen generate, cold (in process)", cold_in_process)
    row("opsgen generate, no-op (subprocess)", noop)
    row("opsgen generate, no-op (in process)", noop_in_process)
    row("datamodel-codegen (subprocess)", baseline, f"{baseline_files} files, models only")
    for index, kind in ((0, "wall"), (1, "CPU")):
        print(
            f"datamodel-codegen / opsgen, {kind}: cold {median(baseline, index) / median(cold, index):.1f}x, "
            f"no-op {median(baseline, index) / median(noop, index):.1f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
