"""Measure `opsgen lint` and the flake8 plugin against pyflakes and ast.parse on one project.

Usage::

    python benchmarks/bench_lint.py [PATH] [--runs N] [--quick] [--edit FILE] [--edit-at {end,start}] [--no-flake8]

PATH is a folder of Python code; the default is the unpacked pretix wheel at
/tmp/fieldtest/pretix/pretix. Fetch it with the venv's pip (pure-Python wheels hold
every source file)::

    .venv/bin/pip download --no-deps pretix -d /tmp/fieldtest
    unzip -q /tmp/fieldtest/pretix-*.whl -d /tmp/fieldtest/pretix

The project is copied to a temporary folder first, so the lint cache and the file this
script edits for the warm run never touch the original. The copy gets an empty
``pyproject.toml`` at its top, which marks the project root for both runners. Every figure is the median of
``--runs`` runs of a fresh process, measured in this run:

- ``ast.parse``: parse every file, the floor any ast-based linter pays;
- ``pyflakes``: ``python -m pyflakes PATH``, the baseline for a cold lint;
- ``opsgen lint (cold)``: ``opsgen lint PATH`` after deleting the cache;
- ``opsgen lint (warm, 1 file changed)``: the same after one file's content changed. The
  file is the largest one unless ``--edit`` names another (relative to PATH). Each run adds
  a comment line at its end, which moves no other line, or with ``--edit-at start`` at its
  top, which moves every line and so every call chain that passes through the file;
- ``flake8 without/with the plugin``: ``flake8 --select=E,F,W,C,OPS PATH``. flake8 loads
  every installed plugin regardless of ``--select``, so the plugin is switched off by
  running flake8 through a launcher that lists the ``opsgen`` distribution among
  flake8's obsolete plugins (``flake8.plugins.finder.BANNED_PLUGINS``), which makes
  flake8 skip its entry point. Both arms use the same interpreter, flake8 and options.
  ``--no-flake8`` leaves both arms out.

Every command runs as in a user's shell: opsgen's modules are compiled first and
``PYTHONDONTWRITEBYTECODE`` is left out of the environment, because pyflakes and flake8
load the ``.pyc`` files that pip compiled when it installed them.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import opsgen_environment  # noqa: E402

DEFAULT_PROJECT = Path("/tmp/fieldtest/pretix/pretix")
CACHE_NAMES = (".opsgen-cache",)

PARSE_ALL = """
import ast, pathlib, sys
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.py")):
    try:
        ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError):
        pass
"""

FLAKE8_WITHOUT_PLUGIN = """
import sys
import flake8.plugins.finder as finder
finder.BANNED_PLUGINS["opsgen"] = "0"
from flake8.main.cli import main
sys.exit(main())
"""

FLAKE8_WITH_PLUGIN = """
import sys
from flake8.main.cli import main
sys.exit(main())
"""


def run_timed(command: Sequence[str], cwd: Path) -> tuple[float, float]:
    """Run ``command`` and return its wall time and CPU time (user + system, with its
    children) in seconds; findings do not fail it."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    # PYTHONSAFEPATH keeps `python -c` and `-m` from putting the project folder first on
    # sys.path, where a module such as SQLAlchemy's types.py would shadow the standard
    # library's and make every run fail at start-up (Python 3.11 and newer).
    env = {**opsgen_environment(), "PYTHONSAFEPATH": "1"}
    completed = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # Exit status 1 means findings, unless the run died with a traceback.
    if completed.returncode not in (0, 1) or "Traceback (most recent call last)" in completed.stderr:
        raise RuntimeError(f"{' '.join(command)} failed with exit status {completed.returncode}:\n{completed.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def median_of(runs: int, measure: Callable[[], tuple[float, float]]) -> tuple[float, float]:
    """Return the median wall time and the median CPU time of ``runs`` measurements."""
    samples = [measure() for _ in range(runs)]
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def clear_cache(root: Path) -> None:
    for name in CACHE_NAMES:
        for cache in [root / name, *root.rglob(name)]:
            if cache.is_dir():
                shutil.rmtree(cache)


def touch_one_file(path: Path, counter: list[int], at_start: bool = False) -> None:
    """Change ``path``'s content (not only its mtime) so the cache must re-read it.

    The comment goes at the end of the file, or at its top when ``at_start`` is set, which
    moves every line below it.
    """
    counter[0] += 1
    comment = f"# benchmark edit {counter[0]}\n"
    if at_start:
        path.write_text(comment + path.read_text(encoding="utf-8"), encoding="utf-8")
        return
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n" + comment)


def machine_description() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), Python {sys.version.split()[0]}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PROJECT, help="folder of Python code to lint")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement; the median is reported (default 3)")
    parser.add_argument("--quick", action="store_true", help="one run each, flake8 arms included")
    parser.add_argument("--edit", help="file the warm runs change, relative to PATH (default: the largest file)")
    parser.add_argument(
        "--edit-at", choices=("end", "start"), default="end", help="where the warm runs add a comment line (default: end)"
    )
    parser.add_argument("--no-flake8", action="store_true", help="leave out the two flake8 measurements")
    args = parser.parse_args(argv)

    source = args.path.resolve()
    if not source.is_dir():
        parser.error(f"{source} is not a folder; see the module docstring for how to fetch the default project")
    runs = 1 if args.quick else max(1, args.runs)
    python = sys.executable
    opsgen = [python, "-m", "opsgen.cli.main", "lint"]

    with tempfile.TemporaryDirectory(prefix="opsgen-bench-") as scratch:
        project = Path(scratch) / source.name
        shutil.copytree(source, project, ignore=shutil.ignore_patterns(*CACHE_NAMES, "__pycache__"))
        # A project root, as a real checkout has: without it, the flake8 plugin would take each
        # file's own folder for the project and build one small index per folder.
        (project / "pyproject.toml").write_text("[tool.opsgen.lint]\n")
        files = sorted(project.rglob("*.py"))
        lines = sum(len(p.read_bytes().splitlines()) for p in files)
        edited = project / args.edit if args.edit else max(files, key=lambda p: p.stat().st_size)
        if edited not in files:
            parser.error(f"--edit {args.edit}: no such Python file under {source}")
        counter = [0]
        print(f"project: {source} ({len(files)} files, {lines} lines); machine: {machine_description()}; runs: {runs}")
        print(f"warm runs: a comment line added at the {args.edit_at} of {edited.relative_to(project)}")

        results: dict[str, tuple[float, float]] = {}
        results["ast.parse"] = median_of(runs, lambda: run_timed([python, "-c", PARSE_ALL, str(project)], project))
        results["pyflakes"] = median_of(runs, lambda: run_timed([python, "-m", "pyflakes", str(project)], project))

        def cold() -> tuple[float, float]:
            clear_cache(project)
            return run_timed([*opsgen, str(project)], project)

        def warm() -> tuple[float, float]:
            touch_one_file(edited, counter, at_start=args.edit_at == "start")
            return run_timed([*opsgen, str(project)], project)

        results["opsgen lint (cold)"] = median_of(runs, cold)
        run_timed([*opsgen, str(project)], project)  # fill the cache once more before the warm runs
        results["opsgen lint (warm, 1 file changed)"] = median_of(runs, warm)

        if not args.no_flake8:
            flake8_options = ["--select=E,F,W,C,OPS", str(project)]
            results["flake8 without the plugin"] = median_of(
                runs, lambda: run_timed([python, "-c", FLAKE8_WITHOUT_PLUGIN, *flake8_options], project)
            )
            results["flake8 with the plugin"] = median_of(
                runs, lambda: run_timed([python, "-c", FLAKE8_WITH_PLUGIN, *flake8_options], project)
            )

    width = max(len(name) for name in results)
    print(f"{'':<{width}}  {'wall':>9}  {'CPU':>9}")
    for name, (seconds, cpu) in results.items():
        print(f"{name:<{width}}  {seconds:7.2f} s  {cpu:7.2f} s")
    for column, label in ((0, "wall"), (1, "CPU")):
        cold_ratio = results["opsgen lint (cold)"][column] / results["pyflakes"][column]
        print(f"{label}: cold lint / pyflakes: {cold_ratio:.2f}x (goal <= 1.5x)")
        print(f"{label}: cold lint / ast.parse: {results['opsgen lint (cold)'][column] / results['ast.parse'][column]:.2f}x")
        print(f"{label}: warm lint, 1 file changed: {results['opsgen lint (warm, 1 file changed)'][column]:.2f} s (goal < 1 s)")
        if not args.no_flake8:
            plugin_ratio = results["flake8 with the plugin"][column] / results["flake8 without the plugin"][column] - 1
            print(f"{label}: flake8 plugin overhead: {plugin_ratio * 100:+.0f}% (goal <= +20%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
