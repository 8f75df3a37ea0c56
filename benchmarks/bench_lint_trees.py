"""Compare the cold lint CPU of two or more opsgen trees with pyflakes on one project.

Usage::

    git archive OLD opsgen lint_rules templates | tar -x -C /tmp/old
    git archive NEW opsgen lint_rules templates | tar -x -C /tmp/new
    python benchmarks/bench_lint_trees.py PROJECT /tmp/old /tmp/new [--rounds 9] [--write-cache]

Each round runs ``opsgen lint --no-cache .`` in PROJECT once per tree, in a fresh
process with ``PYTHONPATH`` set to the tree, and ``python -m pyflakes .`` once, in an
order that rotates from round to round. The figure for each arm is the median over the
rounds of the child's CPU time (user + system), which a shared machine disturbs less than
wall time. It also prints the number of output lines of each arm, so that a change of
findings between trees shows.

With ``--write-cache`` each lint run is ``opsgen lint .``, the cold run that also writes
its cache: the project's ``.opsgen-cache`` folder is deleted before every run, and after
the last one. The project needs a ``pyproject.toml`` at its top, since a folder outside
any project gets no cache.

Each tree's ``opsgen`` package is compiled first and the runs leave
``PYTHONDONTWRITEBYTECODE`` out of their environment, as in a user's shell, because
pyflakes loads the ``.pyc`` files that pip compiled when it installed it.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import installed_environment  # noqa: E402


def child_cpu(command: list[str], folder: Path, environment: dict[str, str]) -> tuple[float, int]:
    """Run ``command`` in ``folder``; return its CPU seconds and the lines it printed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    completed = subprocess.run(command, cwd=folder, env=environment, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, completed.stdout.count("\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path, help="folder of Python code to lint")
    parser.add_argument("trees", nargs="+", type=Path, help="folders holding opsgen/, lint_rules/ and templates/")
    parser.add_argument("--rounds", type=int, default=9, help="rounds of every arm (default 9)")
    parser.add_argument(
        "--write-cache", action="store_true", help="time cold runs that write the lint cache instead of runs with --no-cache"
    )
    args = parser.parse_args()
    if args.write_cache and not (args.project / "pyproject.toml").is_file():
        parser.error(f"--write-cache: {args.project} has no pyproject.toml, so opsgen lint would write no cache there")
    cache = args.project / ".opsgen-cache"

    lint = [sys.executable, "-c", "import sys; from opsgen.cli.main import main; sys.exit(main())", "lint", "."]
    if not args.write_cache:
        lint.insert(-1, "--no-cache")
    environment = installed_environment(*(tree / "opsgen" for tree in args.trees))
    arms: dict[str, tuple[list[str], dict[str, str]]] = {
        str(tree): (lint, {**environment, "PYTHONPATH": str(tree.resolve())}) for tree in args.trees
    }
    arms["pyflakes"] = ([sys.executable, "-m", "pyflakes", "."], environment)
    names = list(arms)
    samples: dict[str, list[float]] = {name: [] for name in names}
    lines: dict[str, int] = {}
    for number in range(args.rounds):
        shift = number % len(names)
        for name in names[shift:] + names[:shift]:
            command, environment = arms[name]
            if args.write_cache:
                shutil.rmtree(cache, ignore_errors=True)
            cpu, lines[name] = child_cpu(command, args.project, environment)
            samples[name].append(cpu)
        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
        print(f"round {number + 1}: " + ", ".join(f"{name} {samples[name][-1]:.2f} s" for name in names) + f" (load {load})")
    if args.write_cache:
        shutil.rmtree(cache, ignore_errors=True)

    pyflakes = statistics.median(samples["pyflakes"])
    for name in names:
        median = statistics.median(samples[name])
        print(f"{name}: median CPU {median:.2f} s, {median / pyflakes:.2f} times pyflakes, {lines[name]} output lines")


if __name__ == "__main__":
    main()
