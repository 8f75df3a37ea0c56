"""``opsgen lint PATH...``: the project-wide linter, with text, JSON or SARIF output."""

from __future__ import annotations

import argparse
import gc
import logging
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opsgen.lint.rule import Finding


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "lint",
        help="check code for side effects in transactions, missing locks and non-uniform services",
        description=(
            "Lint the Python files under PATH against an index of their whole project (the folder "
            "of the nearest pyproject.toml), read from [tool.opsgen.lint]. Exits 1 when it reports "
            "anything, 2 on a usage or configuration error or when a file cannot be parsed."
        ),
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders (default: the current folder)")
    parser.add_argument("--format", choices=("text", "json", "sarif"), default="text", help="output format (default: text)")
    parser.add_argument("--output", "-o", type=Path, help="write the report, or the --diff output, to this file instead of standard output")
    parser.add_argument("--select", help="comma-separated codes or prefixes to report, such as OPS1,OPS201")
    parser.add_argument("--ignore", help="comma-separated codes or prefixes never to report")
    fixing = parser.add_mutually_exclusive_group()
    fixing.add_argument("--fix", action="store_true", help="apply the safe autofixes in place, then report what is left")
    fixing.add_argument("--diff", action="store_true", help="print the safe autofixes as a unified diff and change nothing")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write .opsgen-cache/")
    parser.add_argument("--statistics", action="store_true", help="print the number of files read and parsed to standard error")
    parser.set_defaults(handler=run)


def _codes(value: str | None) -> tuple[str, ...]:
    return tuple(code.strip().upper() for code in (value or "").split(",") if code.strip())


def _unknown_code(values: tuple[str, ...], known: list[str], where: str) -> str | None:
    """Return an error message naming the first of ``values`` that selects no rule, or None."""
    for value in values:
        if not any(code.startswith(value.upper()) for code in known):
            families = ", ".join(sorted({code[:4] for code in known}))
            return (
                f"invalid rule code or prefix {value!r} in {where}: it matches no rule. "
                f"Use one of the families {families} or a code: {', '.join(sorted(known))}"
            )
    return None


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from opsgen.lint.config import ConfigError, find_project_root, load_config
    from opsgen.lint.engine import lint_paths
    from opsgen.lint.loader import RuleLoadError, load_rules
    from opsgen.lint.report import format_json, format_text
    from opsgen.lint.sarif import format_sarif
    from opsgen.runtime.config import read_settings_table
    from opsgen.runtime.errors import ConfigurationError

    logging.basicConfig(level=logging.WARNING, format="opsgen lint: %(message)s")
    paths: list[Path] = args.paths or [Path.cwd()]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        print(f"opsgen lint: path not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        root = find_project_root(paths[0])
        if (root / "pyproject.toml").is_file():
            # The linter reads only [tool.opsgen.lint] and specs, so the other keys are checked here.
            read_settings_table(root / "pyproject.toml")
        config = load_config(root)
        rules = load_rules()
    except (ConfigError, ConfigurationError, RuleLoadError) as exc:
        print(f"opsgen lint: {exc}", file=sys.stderr)
        return 2
    known = [rule.code for rule in rules]
    pyproject = f"[tool.opsgen.lint] of {config.root / 'pyproject.toml'}"
    checks = (
        (config.select, f"select in {pyproject}"),
        (config.ignore, f"ignore in {pyproject}"),
        (_codes(args.select), "--select"),
        (_codes(args.ignore), "--ignore"),
    )
    for values, where in checks:
        message = _unknown_code(values, known, where)
        if message is not None:
            print(f"opsgen lint: {message}", file=sys.stderr)
            return 2
    if args.select:
        config = replace(config, select=_codes(args.select))
    if args.ignore:
        config = replace(config, ignore=config.ignore + _codes(args.ignore))

    # The index lives until the process exits and has no garbage cycles worth finding,
    # while each full collection would walk its millions of objects again.
    gc.disable()
    result = lint_paths(paths, config, rules, use_cache=not args.no_cache)

    def relative(path: str) -> str:
        try:
            return Path(path).resolve().relative_to(result.root).as_posix()
        except ValueError:
            return Path(path).as_posix()

    if args.fix or args.diff:
        diff = _apply_fixes(result.findings, relative, write=args.fix)
        if args.diff:
            if args.output:
                args.output.write_text(diff)
            else:
                sys.stdout.write(diff)
            _report_syntax_errors(result.syntax_errors)
            if result.syntax_errors:
                return 2
            # --diff changes nothing, so every finding remains, fixable or not.
            return 1 if result.findings else 0
        result = lint_paths(paths, config, rules, use_cache=not args.no_cache)

    _report_syntax_errors(result.syntax_errors)
    if args.format == "json":
        from opsgen.lint.fixplan import plan_fixes

        report = format_json(result.findings, relative, plan_fixes(result.findings).not_fixable)
    elif args.format == "sarif":
        from opsgen.lint.index import opsgen_version

        selected = [rule for rule in rules if config.wants(rule.code)]
        report = format_sarif(result.findings, selected, relative, opsgen_version())
    else:
        report = format_text(result.findings, relative)
    if args.output:
        args.output.write_text(report)
    else:
        sys.stdout.write(report)
    if args.statistics:
        print(f"opsgen lint: {result.files} files checked, {result.parsed} parsed, {len(result.findings)} findings", file=sys.stderr)
    # A file that does not parse was not checked, so the run must not pass.
    if result.syntax_errors:
        return 2
    return 1 if result.findings else 0


def _report_syntax_errors(errors: list[str]) -> None:
    """Print each file that does not parse once, in path order, as ``path:line: message``."""
    for error in sorted(set(errors)):
        # A SyntaxError's text ends with "(file, line N)", which would name the file again.
        match = re.fullmatch(r"(?P<path>.*?): (?P<message>.*) \([^()]*, line (?P<line>\d+)\)", error)
        if match is not None:
            error = f"{match['path']}:{match['line']}: {match['message']}"
        print(f"opsgen lint: cannot parse {error}", file=sys.stderr)


def _apply_fixes(findings: list[Finding], relative: Callable[[str], str], write: bool) -> str:
    """Apply the safe fixes of ``findings``, only in memory unless ``write``, and return their diff.

    Standard error gets a ``not fixable`` line, with the reason, for each finding the
    fixes leave in place, then one line that counts the findings.
    """
    from opsgen.lint.autofix import unified_diff
    from opsgen.lint.fixplan import plan_fixes

    plan = plan_fixes(findings)
    diffs: list[str] = []
    for file in plan.files:
        shown = relative(file.path)
        diffs.append(unified_diff(shown, file.before, file.after))
        if write:
            Path(file.path).write_text(file.after, encoding="utf-8")
            print(f"opsgen lint: fixed {file.applied} finding(s) in {shown}", file=sys.stderr)
    for finding in findings:
        reason = plan.not_fixable.get(finding)
        if reason is not None:
            print(f"opsgen lint: not fixable {relative(finding.path)}:{finding.line}:{finding.column + 1}: {reason}", file=sys.stderr)
    if findings:
        fixable = len(findings) - len(plan.not_fixable)
        done = "fixed" if write else "fixable with --fix"
        print(f"opsgen lint: {len(findings)} finding(s), {fixable} {done}, {len(plan.not_fixable)} not fixable", file=sys.stderr)
    return "".join(diffs)
