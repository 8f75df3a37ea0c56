"""``opsgen lint PATH...``: the project-wide linter, with text, JSON or SARIF output."""

from __future__ import annotations

import argparse
import gc
import logging
import re
import sys
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:

    from opsgen.lint.baseline import Fingerprint
    from opsgen.lint.engine import LintResult
    from opsgen.lint.rule import Finding


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "lint",
        help="check code for side effects in transactions, missing locks and non-uniform services",
        description=(
            "Lint the Python files under PATH against an index of their whole project (the folder "
            "of the nearest pyproject.toml), read from [tool.opsgen.lint]. Exits 1 when it reports "
            "anything, 2 on a usage or configuration error or when a file cannot be parsed or read."
        ),
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders (default: the current folder)")
    parser.add_argument(
        "--format",
        choices=("text", "concise", "json", "sarif", "github"),
        default="text",
        help="output format: text (with the call chain), concise (one line a finding), json, sarif, "
        "or github (GitHub Actions annotations); default: text",
    )
    parser.add_argument("--output", "-o", type=Path, help="write the report, or the --diff output, to this file instead of standard output")
    parser.add_argument("--select", help="comma-separated codes or prefixes to report, such as OPS1,OPS201")
    parser.add_argument(
        "--extend-select",
        help="comma-separated codes or prefixes to report besides those of --select or the select setting, such as OPS003",
    )
    parser.add_argument("--ignore", help="comma-separated codes or prefixes never to report")
    fixing = parser.add_mutually_exclusive_group()
    fixing.add_argument("--fix", action="store_true", help="apply the safe autofixes in place, then report what is left")
    fixing.add_argument("--diff", action="store_true", help="print the safe autofixes as a unified diff and change nothing")
    fixing.add_argument(
        "--add-noqa",
        action="store_true",
        help="append '# noqa: CODE' to each reported line, so that only new findings are reported from now on",
    )
    fixing.add_argument(
        "--write-baseline",
        type=Path,
        metavar="FILE",
        help="write every current finding to FILE as a baseline for --baseline, instead of reporting them",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="with --write-baseline, write the file even when that drops its entries for files outside PATH",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="report only the findings that FILE, written by --write-baseline, does not list",
    )
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write .opsgen-cache/")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings are reported; errors still exit 2")
    parser.add_argument(
        "--statistics",
        action="store_true",
        help="print the number of findings of each rule code instead of the findings (as JSON with --format json)",
    )
    parser.add_argument(
        "--file-counts",
        action="store_true",
        help="print the number of files checked and parsed and of findings to standard error",
    )
    parser.add_argument("--explain", metavar="CODE", help="print the documentation of the rule CODE, such as OPS101, and lint nothing")
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

    from opsgen.lint.config import OPT_IN_CODES, ConfigError, find_project_root, load_config
    from opsgen.lint.engine import lint_paths
    from opsgen.lint.line_length import project_line_length
    from opsgen.lint.loader import RuleLoadError, load_rules
    from opsgen.lint.report import format_concise, format_github, format_json, format_statistics, format_text, shown_path
    from opsgen.lint.unused_noqa import CODE as UNUSED_NOQA_CODE
    from opsgen.lint.unused_noqa import NAME as UNUSED_NOQA_NAME
    from opsgen.lint.sarif import format_sarif
    from opsgen.cli.display import counted
    from opsgen.runtime.config import key_line, read_settings_table
    from opsgen.runtime.errors import ConfigurationError

    logging.basicConfig(level=logging.WARNING, format="opsgen lint: %(message)s")
    if args.explain is not None:
        from opsgen.lint.explain import UnknownCode, explain

        try:
            sys.stdout.write(explain(args.explain))
        except UnknownCode as exc:
            print(f"opsgen lint: {exc}", file=sys.stderr)
            return 2
        return 0
    # The table and its JSON form are the only statistics outputs: SARIF results and
    # workflow-command annotations each need a file and a line.
    no_statistics = {"sarif": "SARIF", "github": "GitHub annotations"}
    if args.statistics and args.format in no_statistics:
        print(
            f"opsgen lint: --statistics cannot be written as {no_statistics[args.format]}; use --format text, concise or json",
            file=sys.stderr,
        )
        return 2
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
    known = [rule.code for rule in rules] + list(OPT_IN_CODES)
    pyproject_path = config.root / "pyproject.toml"
    toml = pyproject_path.read_text(encoding="utf-8") if pyproject_path.is_file() else ""

    def at(key: str) -> str:
        """Return the position of ``key`` in pyproject.toml as a ``path:line: `` prefix, as
        the other configuration errors give it."""
        line = key_line(toml, key, "tool.opsgen.lint")
        return f"{pyproject_path}:{line}: " if line is not None else f"{pyproject_path}: "

    checks = (
        (config.select, at("select"), "select in [tool.opsgen.lint]"),
        (config.extend_select, at("extend-select"), "extend-select in [tool.opsgen.lint]"),
        (config.ignore, at("ignore"), "ignore in [tool.opsgen.lint]"),
        *(
            (codes, at("per-file-ignores"), f"per-file-ignores {pattern!r} in [tool.opsgen.lint]")
            for pattern, codes in config.per_file_ignores
        ),
        (_codes(args.select), "", "--select"),
        (_codes(args.extend_select), "", "--extend-select"),
        (_codes(args.ignore), "", "--ignore"),
    )
    for values, position, where in checks:
        message = _unknown_code(values, known, where)
        if message is not None:
            print(f"opsgen lint: {position}{message}", file=sys.stderr)
            return 2
    if args.select:
        config = replace(config, select=_codes(args.select))
    if args.extend_select:
        config = replace(config, extend_select=config.extend_select + _codes(args.extend_select))
    if args.ignore:
        config = replace(config, ignore=config.ignore + _codes(args.ignore))
    baseline = None
    if args.baseline is not None and args.write_baseline is None:
        from opsgen.lint.baseline import BaselineError, read_baseline

        try:
            baseline = read_baseline(args.baseline)
        except BaselineError as exc:
            print(f"opsgen lint: {exc}", file=sys.stderr)
            return 2

    # The index lives until the process exits and has no garbage cycles worth finding,
    # while each full collection would walk its millions of objects again.
    gc.disable()
    try:
        result = lint_paths(paths, config, rules, use_cache=not args.no_cache)
    except ConfigError as exc:
        print(f"opsgen lint: {exc}", file=sys.stderr)
        return 2
    if result.index is not None:
        for pattern in config.exclude:
            # A bare name such as "migrations" is meant for any project that has one; a
            # path that matches nothing is more likely a typo.
            if "/" in pattern.strip("/") and pattern not in result.index.exclude_matched:
                print(f"opsgen lint: {at('exclude')}warning: exclude entry {pattern!r} in [tool.opsgen.lint] matches no file or folder", file=sys.stderr)
    new_effects: dict[Finding, tuple[str, ...]] = {}
    if baseline is not None:
        result, new_effects = _without_baseline(result, baseline, paths, args.baseline)

    folder = Path.cwd()
    line_length = project_line_length(result.root)

    def shown(path: str) -> str:
        return shown_path(path, folder)

    def root_relative(path: str) -> str:
        # SARIF locations are relative to %SRCROOT%, which the log states is the project root.
        try:
            return Path(path).resolve().relative_to(result.root).as_posix()
        except ValueError:
            return Path(path).as_posix()

    if args.write_baseline is not None:
        return _write_baseline(result, args.write_baseline, shown, paths, args.force)
    if args.add_noqa:
        return _add_noqa(result, shown)
    if args.diff:
        diff = _diff_fixes(result.findings, shown, line_length)
        if args.output:
            args.output.write_text(diff)
        else:
            sys.stdout.write(diff)
        if _report_unchecked(result, shown):
            return 2
        # --diff changes nothing, so every finding remains, fixable or not.
        return 1 if result.findings and not args.exit_zero else 0
    if args.fix:
        before = result.findings
        fixed = _write_fixes(before, shown, line_length)
        result = lint_paths(paths, config, rules, use_cache=not args.no_cache)
        if baseline is not None:
            result, new_effects = _without_baseline(result, baseline, paths, args.baseline, quiet=True)
        _report_left_after_fix(len(before), fixed, result.findings, shown, line_length)

    if args.format != "sarif":
        # Rules write the paths in a message relative to the project root, as SARIF wants them.
        rewritten = {finding: _with_shown_paths(finding, shown, root_relative) for finding in result.findings}
        result = replace(result, findings=list(rewritten.values()))
        new_effects = {rewritten.get(finding, finding): effects for finding, effects in new_effects.items()}

    not_checked = _report_unchecked(result, shown)
    names = {rule.code: rule.name for rule in rules}
    names[UNUSED_NOQA_CODE] = UNUSED_NOQA_NAME
    if args.statistics:
        report = format_statistics(result.findings, names, as_json=args.format == "json")
    elif args.format == "json":
        from opsgen.lint.fixplan import plan_fixes

        report = format_json(result.findings, shown, plan_fixes(result.findings, line_length).not_fixable, names, new_effects)
    elif args.format == "concise":
        report = format_concise(result.findings, shown)
    elif args.format == "github":
        report = format_github(result.findings, shown)
    elif args.format == "sarif":
        from opsgen import __version__

        selected = [rule for rule in rules if config.wants(rule.code)]
        report = format_sarif(result.findings, selected, root_relative, __version__)
    else:
        report = format_text(result.findings, shown)
    if args.output:
        args.output.write_text(report)
    else:
        sys.stdout.write(report)
    if args.file_counts:
        checked = counted(result.files, "file")
        found = counted(len(result.findings), "finding")
        print(f"opsgen lint: {checked} checked, {result.parsed} parsed, {found}", file=sys.stderr)
    # A file that does not parse, or was not read, was not checked, so the run must not pass.
    if not_checked:
        return 2
    return 1 if result.findings and not args.exit_zero else 0


def _write_baseline(result: LintResult, path: Path, shown: Callable[[str], str], paths: list[Path], force: bool) -> int:
    """Write every finding of ``result`` to the baseline file ``path``; return the exit status.

    When a file was not checked (it does not parse, or was not read), its findings are
    unknown, so nothing is written and the status is 2. A run over part of the project
    would drop the entries of an existing baseline for the files it did not lint, so
    unless ``force`` is set it writes nothing and returns 2 too.
    """
    from opsgen.lint.baseline import BaselineError, in_paths, read_baseline, write_baseline

    assert result.index is not None
    if _report_unchecked(result, shown):
        print(f"opsgen lint: not writing the baseline {path}, because a file above was not checked; fix or exclude it and run again", file=sys.stderr)
        return 2
    if path.is_file() and not force:
        try:
            existing = read_baseline(path)
        except BaselineError:
            existing = Counter()
        outside = sum(count for entry, count in existing.items() if not in_paths(entry, result.root, paths))
        if outside:
            print(
                f"opsgen lint: not writing the baseline {path}: it lists {outside} finding(s) in files outside "
                f"the linted paths, which this run would drop. Run {_whole_project_command(path, result.root)} "
                "to write it from the whole project, or add --force to write only the findings of this run",
                file=sys.stderr,
            )
            return 2
    written = write_baseline(path, result.findings, result.index)
    print(f"opsgen lint: wrote {written} finding(s) to the baseline {path}", file=sys.stderr)
    return 0


def _without_baseline(
    result: LintResult, baseline: Counter[Fingerprint], paths: list[Path], path: Path, quiet: bool = False
) -> tuple[LintResult, dict[Finding, tuple[str, ...]]]:
    """Return ``result`` without the findings that ``baseline`` lists, and the new effects of
    each finding that the baseline lists with fewer effects. Print on standard error how many
    it accepted and how many of its entries under ``paths`` matched nothing.

    Such a finding's message may still name an old effect, so its message gets the new
    effects appended, and every output format shows them.
    """
    from dataclasses import replace

    from opsgen.lint.baseline import apply_baseline, in_paths
    from opsgen.lint.report import shown_path

    assert result.index is not None
    applied = apply_baseline(result.findings, baseline, result.index)
    unmatched = [entry for entry in applied.unmatched if in_paths(entry, result.root, paths)]
    new_effects: dict[Finding, tuple[str, ...]] = {}
    findings: list[Finding] = []
    for finding in applied.new:
        effects = applied.new_effects.get(finding)
        if effects is None:
            findings.append(finding)
            continue
        added = "; ".join(effects)
        where = f"{shown_path(finding.path, Path.cwd())}:{finding.line}:{finding.column + 1}"
        print(f"opsgen lint: {where}: {finding.code} is new: the call now also reaches {added}, which the baseline does not list", file=sys.stderr)
        marked = replace(finding, message=f"{finding.message} (new since the baseline: the call now also reaches {added})")
        new_effects[marked] = effects
        findings.append(marked)
    if not quiet and (applied.accepted or unmatched):
        note = f"opsgen lint: the baseline {path} accepted {applied.accepted} finding(s)"
        if unmatched:
            note += (
                f"; {len(unmatched)} of its entries match no finding, so run "
                f"{_whole_project_command(path, result.root)} to drop them"
            )
        print(note, file=sys.stderr)
    return replace(result, findings=findings), new_effects


def _with_shown_paths(finding: Finding, shown: Callable[[str], str], root_relative: Callable[[str], str]) -> Finding:
    """Return ``finding`` with each ``path:line`` of its chain in the message written as ``shown`` writes it."""
    from dataclasses import replace

    message = finding.message
    for hop in finding.via:
        old = f"{root_relative(hop.path)}:{hop.line}"
        new = f"{shown(hop.path)}:{hop.line}"
        if old != new:
            # Bounded, so that shop/erp.py:5 does not match inside myshop/erp.py:55.
            message = re.sub(rf"(?<![\w./-]){re.escape(old)}(?!\d)", lambda _: new, message)
    return replace(finding, message=message) if message != finding.message else finding


def _whole_project_command(baseline: Path, root: Path) -> str:
    """Return the command that writes ``baseline`` from a run over the whole project at ``root``."""
    import shlex

    from opsgen.lint.report import shown_path

    return f"'opsgen lint --write-baseline {shlex.quote(str(baseline))} {shlex.quote(shown_path(str(root), Path.cwd()))}'"


def _add_noqa(result: LintResult, shown: Callable[[str], str]) -> int:
    """Write a ``# noqa`` comment for each finding, print what was written, and return the
    exit status: 2 when a file was not checked or could not be edited, else 0."""
    from opsgen.lint.add_noqa import add_noqa

    edits = add_noqa(result.findings)
    for edit in edits:
        if edit.error is not None:
            print(f"opsgen lint: cannot add noqa comments to {shown(edit.path)}: {edit.error}", file=sys.stderr)
    codes = sum(edit.codes for edit in edits)
    lines = sum(edit.lines for edit in edits)
    files = sum(1 for edit in edits if edit.lines)
    print(f"opsgen lint: added {codes} noqa code(s) to {lines} line(s) in {files} file(s)", file=sys.stderr)
    unused = sum(1 for finding in result.findings if finding.code == "OPS003")
    if unused:
        print(f"opsgen lint: left {unused} unused noqa comment(s) (OPS003) unchanged; 'opsgen lint --fix' removes the unused codes", file=sys.stderr)
    not_checked = _report_unchecked(result, shown)
    return 2 if not_checked or any(edit.error for edit in edits) else 0


def _report_unchecked(result: LintResult, shown: Callable[[str], str]) -> bool:
    """Print the files that were not checked, and the project files left out of the index.

    Return True when a file under the linted paths was not checked, which fails the run.
    """
    _report_syntax_errors(result.syntax_errors, result.root, shown)
    from opsgen.lint.report import shown_path

    for label, lines in (("not checked", result.unchecked), ("not indexed", result.not_indexed)):
        for line in sorted(lines):
            relative, _, reason = line.partition(": ")
            # Following the link would name the missing target, or fail on a loop.
            path = shown_path(str(result.root / relative), Path.cwd(), follow_links=False)
            print(f"opsgen lint: {label} {path}: {reason}", file=sys.stderr)
    return bool(result.syntax_errors or result.unchecked)


def _report_syntax_errors(errors: list[str], root: Path, shown: Callable[[str], str]) -> None:
    """Print each file that does not parse once, in path order, as ``path:line: message``.

    ``errors`` hold paths relative to the project ``root``; they are printed as ``shown`` gives them.
    """
    for error in sorted(set(errors)):
        relative, _, message = error.partition(": ")
        error = f"{shown(str(root / relative))}: {message}"
        # A SyntaxError's text ends with "(file, line N)", which would name the file again.
        match = re.fullmatch(r"(?P<path>.*?): (?P<message>.*) \([^()]*, line (?P<line>\d+)\)", error)
        if match is not None:
            error = f"{match['path']}:{match['line']}: {match['message']}"
        print(f"opsgen lint: cannot parse {error}", file=sys.stderr)


def _diff_fixes(findings: list[Finding], shown: Callable[[str], str], line_length: int) -> str:
    """Return the unified diff of the safe fixes of ``findings``, changing no file.

    Standard error gets a ``not fixable`` line, with the reason, for each finding the
    fixes leave in place, then one line that counts the findings.
    """
    from opsgen.lint.autofix import unified_diff
    from opsgen.lint.fixplan import plan_fixes

    plan = plan_fixes(findings, line_length)
    diff = "".join(unified_diff(shown(file.path), file.before, file.after) for file in plan.files)
    _report_not_fixable(findings, plan.not_fixable, shown)
    if findings:
        fixable = len(findings) - len(plan.not_fixable)
        print(
            f"opsgen lint: {len(findings)} finding(s), {fixable} fixable with --fix, {len(plan.not_fixable)} not fixable",
            file=sys.stderr,
        )
    return diff


def _write_fixes(findings: list[Finding], shown: Callable[[str], str], line_length: int) -> int:
    """Write the safe fixes of ``findings`` in place, name each file rewritten, and return
    how many of the findings the written fixes address."""
    from opsgen.lint.fixplan import plan_fixes

    plan = plan_fixes(findings, line_length)
    for file in plan.files:
        Path(file.path).write_text(file.after, encoding="utf-8")
        print(f"opsgen lint: fixed {file.applied} finding(s) in {shown(file.path)}", file=sys.stderr)
    return len(findings) - len(plan.not_fixable)


def _report_left_after_fix(found: int, fixed: int, left: list[Finding], shown: Callable[[str], str], line_length: int) -> None:
    """Name each finding that the re-check after ``--fix`` still reports, then count them.

    ``left`` comes from linting the fixed files again, so the lines match the report
    printed after them. A fix can clear more than its own finding (a deferred call that
    another rule flagged too), and those findings are counted as cleared, not listed.
    """
    from opsgen.lint.fixplan import plan_fixes

    plan = plan_fixes(left, line_length)
    _report_not_fixable(left, plan.not_fixable, shown)
    for finding in left:
        if finding not in plan.not_fixable:
            # The written fixes changed the file, so a fix that was skipped may apply now.
            where = f"{shown(finding.path)}:{finding.line}:{finding.column + 1}"
            print(f"opsgen lint: fixable by running --fix again {where}", file=sys.stderr)
    if not found and not left:
        return
    summary = f"{found} finding(s), {fixed} fixed"
    others = found - fixed - len(left)
    if others > 0:
        summary += f", {others} more cleared by the fixes"
    elif others < 0:
        summary += f", {-others} more found after the fixes"
    summary += f", {len(plan.not_fixable)} not fixable"
    if len(left) > len(plan.not_fixable):
        summary += f", {len(left) - len(plan.not_fixable)} fixable by running --fix again"
    print(f"opsgen lint: {summary}", file=sys.stderr)


def _report_not_fixable(findings: list[Finding], not_fixable: Mapping[Finding, str], shown: Callable[[str], str]) -> None:
    """Print one line for each finding that the fixes leave in place: where, its code, and the reason."""
    for finding in findings:
        reason = not_fixable.get(finding)
        if reason is not None:
            where = f"{shown(finding.path)}:{finding.line}:{finding.column + 1}"
            print(f"opsgen lint: not fixable {where}: {finding.code} {reason}", file=sys.stderr)
