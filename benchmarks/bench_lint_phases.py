"""Break the CPU of a cold ``opsgen lint --no-cache`` down by phase and by rule.

Usage::

    PYTHONPATH=TREE python benchmarks/bench_lint_phases.py PROJECT [--runs 3]

TREE is a folder holding ``opsgen/``, ``lint_rules/`` and ``templates/`` (a ``git archive``
export, as for ``bench_lint_trees.py``), or the checkout itself. Each run is a fresh
process that times, with ``time.process_time()`` and the garbage collector off as in a
lint run:

- ``import``: importing the engine, the index and the analysis;
- ``rules``: loading the rule files, which are compiled from source in every process;
- ``index``: reading, parsing and summarizing every module of PROJECT;
- ``analysis``: building the interprocedural analysis;
- ``callers``: the call edges of every module, which OPS101 and OPS102 need;
- ``checks``: every rule on every module, and each rule's share of it.

The figures are medians over ``--runs`` processes. The rules run in code order, and a
fact of the analysis computed on first use is charged to the first rule that uses it.
The sum of the phases is a little less than the CPU of the command, which also prints
its report and reads ``# noqa`` comments.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path


def measure(project: Path) -> dict[str, float]:
    """Time the phases of one cold lint of ``project`` in this process."""
    gc.disable()
    started = time.process_time()
    from opsgen.lint.config import find_project_root, load_config
    from opsgen.lint.index import ProjectIndex
    from opsgen.lint.loader import load_rules
    from opsgen.lint.rule import ModuleContext

    times: dict[str, float] = {"import": time.process_time() - started}

    def timed(name: str, step: float) -> float:
        now = time.process_time()
        times[name] = now - step
        return now

    step = time.process_time()
    config = load_config(find_project_root(project))
    rules = [rule for rule in load_rules() if config.wants(rule.code)]
    step = timed("rules", step)
    index = ProjectIndex.build(config, [project], use_cache=False, save=False)
    step = timed("index", step)
    analysis = index.analysis
    step = timed("analysis", step)
    analysis.callers()
    step = timed("callers", step)
    for summary in index.modules.values():
        if summary.syntax_error:
            continue
        context = ModuleContext(index, summary)
        for rule in rules:
            before = time.process_time()
            for _ in rule().check(context):
                pass
            times[rule.code] = times.get(rule.code, 0.0) + time.process_time() - before
    timed("checks", step)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path, help="folder of Python code to lint")
    parser.add_argument("--runs", type=int, default=3, help="processes to run; the median is reported (default 3)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    project = args.project.resolve()
    if args.child:
        print(json.dumps(measure(project)))
        return

    samples: dict[str, list[float]] = {}
    for _ in range(max(1, args.runs)):
        completed = subprocess.run(
            [sys.executable, __file__, "--child", str(project)], capture_output=True, text=True, check=True
        )
        for name, seconds in json.loads(completed.stdout).items():
            samples.setdefault(name, []).append(seconds)
    phases = ("import", "rules", "index", "analysis", "callers", "checks")
    print("  ".join(f"{name} {statistics.median(samples[name]):.3f} s" for name in phases))
    codes = sorted(name for name in samples if name not in phases)
    print("  ".join(f"{code} {statistics.median(samples[code]):.3f}" for code in codes))


if __name__ == "__main__":
    main()
