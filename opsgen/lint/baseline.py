"""``opsgen lint --baseline FILE``: report only the findings that a baseline file does not list.

A baseline lets a code base adopt the linter with its existing findings accepted, while
new code is held to the rules. ``--write-baseline FILE`` records every finding of a run
and ``--baseline FILE`` drops the findings that the file lists.

Each entry is a fingerprint that does not name a line, so code moved up or down keeps
its findings accepted. The fingerprint contains what makes a finding a different one:

* the rule code and the file, relative to the project root;
* the qualified name of the enclosing function (``<module>`` for module-level code);
* the reported line's code, with its comment and extra whitespace removed, so an edit of
  that line makes its findings new;
* for an indirect finding, every side effect that the reported call can reach, each as
  ``function: effect``. A new effect anywhere down the chain changes this set, even when
  the message still names the old effect, which is shorter to reach.

The file stores a count for each fingerprint, so a second identical finding in the same
function is new too.
"""

from __future__ import annotations

import json
import tokenize
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

from opsgen.lint.analysis import Analysis
from opsgen.lint.index import ProjectIndex
from opsgen.lint.rule import Finding, ModuleContext
from opsgen.lint.summary import CallSite, FunctionSummary, ModuleSummary

#: The value of the file's ``opsgen-baseline`` key: the version of the entry format.
FORMAT_VERSION = 1


class BaselineError(ValueError):
    """A baseline file that is missing or not in the format ``--write-baseline`` writes."""


@dataclass(frozen=True, order=True)
class Fingerprint:
    """A finding's identity across runs, without its line number."""

    code: str
    path: str  # POSIX path relative to the project root
    function: str
    source: str
    effects: tuple[str, ...] = ()

    def call_key(self) -> tuple[str, str, str, str]:
        """Return the fingerprint without its effects: what names the reported call."""
        return (self.code, self.path, self.function, self.source)

    def to_json(self, count: int) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "path": self.path, "function": self.function, "source": self.source}
        if self.effects:
            data["effects"] = list(self.effects)
        if count > 1:
            data["count"] = count
        return data


@dataclass(frozen=True)
class BaselineResult:
    """The findings a baseline leaves, how many it accepted, and its entries that matched nothing."""

    new: list[Finding]
    accepted: int
    unmatched: list[Fingerprint]
    #: A new finding whose call the baseline lists with fewer effects -> the effects added
    #: since. Its message may still name an old effect, which is nearer the call.
    new_effects: dict[Finding, tuple[str, ...]] = field(default_factory=dict)


def fingerprints(findings: Sequence[Finding], index: ProjectIndex) -> list[Fingerprint]:
    """Return the fingerprint of each of ``findings``, in the same order."""
    walk = _EffectWalk(index.analysis)
    lines: dict[str, list[str]] = {}
    result: list[Fingerprint] = []
    for finding in findings:
        if finding.path not in lines:
            lines[finding.path] = _read_lines(finding.path)
        text = lines[finding.path]
        source = _code_of(text[finding.line - 1]) if 1 <= finding.line <= len(text) else ""
        module = index.modules.get(finding.path)
        function = ModuleContext(index, module).function_at(finding.line) if module is not None else None
        effects: tuple[str, ...] = ()
        if finding.via:
            effects = _effects(walk, module, function, finding)
        name = function.qualname if function is not None else "<module>"
        result.append(Fingerprint(finding.code, index.relative(finding.path), name, source, effects))
    return result


def write_baseline(path: Path, findings: Sequence[Finding], index: ProjectIndex) -> int:
    """Write the baseline of ``findings`` to ``path``; return the number of findings written."""
    counts = Counter(fingerprints(findings, index))
    entries = [fingerprint.to_json(counts[fingerprint]) for fingerprint in sorted(counts)]
    document = {"opsgen-baseline": FORMAT_VERSION, "findings": entries}
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return len(findings)


def read_baseline(path: Path) -> Counter[Fingerprint]:
    """Read the fingerprints of a baseline file, with their counts; raise :class:`BaselineError`."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BaselineError(f"baseline file not found: {path}; create it with --write-baseline {path}") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"cannot read the baseline file {path}: {exc}") from exc
    if not isinstance(document, dict) or document.get("opsgen-baseline") != FORMAT_VERSION:
        raise BaselineError(
            f"{path} is not an opsgen baseline of format {FORMAT_VERSION} "
            f'(no "opsgen-baseline": {FORMAT_VERSION} key); write it again with --write-baseline {path}'
        )
    entries = document.get("findings")
    if not isinstance(entries, list):
        raise BaselineError(f'{path}: "findings" must be a list of entries')
    counts: Counter[Fingerprint] = Counter()
    for number, entry in enumerate(entries, start=1):
        counts[_entry(entry, path, number)] += _count(entry, path, number)
    return counts


def apply_baseline(findings: Sequence[Finding], baseline: Counter[Fingerprint], index: ProjectIndex) -> BaselineResult:
    """Drop the findings that ``baseline`` lists, each entry as many times as its count.

    When a fingerprint occurs more often than the baseline counts it, the findings on the
    later lines are the new ones. An indirect finding whose effects are a subset of those
    its entry lists is accepted too.
    """
    left = Counter(baseline)
    new: list[tuple[Finding, Fingerprint]] = []
    ordered = sorted(findings, key=Finding.sort_key)
    for finding, fingerprint in zip(ordered, fingerprints(ordered, index)):
        if left[fingerprint] > 0:
            left[fingerprint] -= 1
        else:
            new.append((finding, fingerprint))
    # A call that reaches fewer effects than its entry lists is still accepted: one of them
    # was removed. One that reaches an effect the entry does not list is new.
    by_call: dict[tuple[str, str, str, str], list[Fingerprint]] = defaultdict(list)
    for entry in sorted(left):
        if entry.effects and left[entry] > 0:
            by_call[entry.call_key()].append(entry)
    still_new: list[Finding] = []
    new_effects: dict[Finding, tuple[str, ...]] = {}
    for finding, fingerprint in new:
        same_call = [entry for entry in by_call.get(fingerprint.call_key(), ()) if left[entry] > 0] if fingerprint.effects else []
        wider = next((entry for entry in same_call if set(fingerprint.effects) <= set(entry.effects)), None)
        if wider is not None:
            left[wider] -= 1
            continue
        still_new.append(finding)
        if same_call:
            left[same_call[0]] -= 1
            new_effects[finding] = tuple(effect for effect in fingerprint.effects if effect not in same_call[0].effects)
    unmatched = sorted(fingerprint for fingerprint, count in left.items() for _ in range(count))
    return BaselineResult(still_new, len(ordered) - len(still_new), unmatched, new_effects)


def _entry(entry: Any, path: Path, number: int) -> Fingerprint:
    if not isinstance(entry, dict):
        raise BaselineError(f"{path}: entry {number} must be an object, got {entry!r}")
    fields = {}
    for key in ("code", "path", "function", "source"):
        value = entry.get(key)
        if not isinstance(value, str):
            raise BaselineError(f"{path}: entry {number} needs the string {key!r}, got {value!r}")
        fields[key] = value
    effects = entry.get("effects", [])
    if not isinstance(effects, list) or not all(isinstance(effect, str) for effect in effects):
        raise BaselineError(f"{path}: entry {number}: 'effects' must be a list of strings, got {effects!r}")
    return Fingerprint(fields["code"], fields["path"], fields["function"], fields["source"], tuple(effects))


def _count(entry: dict[str, Any], path: Path, number: int) -> int:
    count = entry.get("count", 1)
    # bool is a subclass of int, but true is no count.
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise BaselineError(f"{path}: entry {number}: 'count' must be a whole number of at least 1, got {count!r}")
    return count


def _read_lines(path: str) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _code_of(line: str) -> str:
    """Return the code on a physical line without its comment, whitespace runs made one space."""
    code = line
    try:
        for token in tokenize.generate_tokens(StringIO(line).readline):
            if token.type == tokenize.COMMENT:
                code = line[: token.start[1]]
                break
    except (tokenize.TokenError, IndentationError, SyntaxError):
        # A line inside a bracket or a string does not tokenize alone; it keeps any comment.
        pass
    return " ".join(code.split())


def _effects(walk: _EffectWalk, module: ModuleSummary | None, function: FunctionSummary | None, finding: Finding) -> tuple[str, ...]:
    """Return the effects that the call reported by ``finding`` can reach.

    When no call of the summary starts at the finding's place, the chain that the finding
    names is used instead.
    """
    found: set[str] = set()
    call = _call_at(function, finding) if function is not None else None
    if module is not None and function is not None and call is not None:
        found = set(walk.of_call(module, function, call))
    if not found:
        found = {" -> ".join(hop.name for hop in finding.via)}
    return tuple(sorted(found))


def _call_at(function: FunctionSummary, finding: Finding) -> CallSite | None:
    return next((call for call in function.calls if call.line == finding.line and call.column == finding.column), None)


class _EffectWalk:
    """Collect the side effects reachable from a call, as ``Analysis.call_reach`` follows
    calls, but every effect rather than the one at the end of the shortest chain."""

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self.done: dict[tuple[str, bool], frozenset[str]] = {}
        self.active: set[tuple[str, bool]] = set()

    def of_call(self, module: ModuleSummary, function: FunctionSummary, call: CallSite) -> frozenset[str]:
        analysis = self.analysis
        effect = analysis.effect(call)
        if effect is not None:
            if analysis.deferred_in_other_arm(function, call):
                return frozenset()
            return frozenset({f"{function.qualname}: {effect.name}"})
        found: set[str] = set()
        for link in analysis.links(function, call):
            if link.qualname != function.qualname:
                found |= self.of_function(link.qualname, through_signal=link.entry is not None)
        return frozenset(found)

    def of_function(self, qualname: str, through_signal: bool) -> frozenset[str]:
        """Return the effects of the calls that ``qualname`` makes outside its own transactions."""
        key = (qualname, through_signal)
        if key in self.done:
            return self.done[key]
        entry = self.analysis.index.functions.get(qualname)
        if key in self.active or entry is None or not self._reaches(qualname, through_signal):
            return frozenset()
        module, function = entry
        self.active.add(key)
        found: set[str] = set()
        for call in function.calls:
            # A receiver of a delete signal runs inside the write's block as a whole, so only
            # its own blocks hide a call, as in ``Analysis.signal_reach``.
            inside = self.analysis.block_transaction(function, call) if through_signal else self.analysis.transaction_at(function, call)
            if inside is None:
                found |= self.of_call(module, function, call)
        self.active.discard(key)
        result = self.done[key] = frozenset(found)
        return result

    def _reaches(self, qualname: str, through_signal: bool) -> bool:
        """Return True when the analysis finds some chain from ``qualname`` to an effect."""
        if self.analysis.reach(qualname) is not None:
            return True
        return through_signal and self.analysis.signal_reach(qualname) is not None


def in_paths(fingerprint: Fingerprint, root: Path, targets: Iterable[Path]) -> bool:
    """Return True when the fingerprint's file lies under one of the linted ``targets``."""
    file = root / fingerprint.path
    for target in targets:
        resolved = target.resolve()
        if file == resolved or resolved in file.parents:
            return True
    return False
