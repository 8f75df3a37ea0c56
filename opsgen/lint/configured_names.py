"""Check that the qualified names of ``[tool.opsgen.lint]`` exist in the project's modules.

``side-effects``, ``deferral-wrappers``, ``safe-task-bases`` and ``transaction-openers``
name functions and classes by qualified name, and the rules compare those names with
the targets of calls. An entry that names a project module but a function, class or
variable that the module does not define (``shop.sms.send_smss``) matches no call, so a
typo turns the setting off without a word. Such an entry is a configuration error,
with the closest names of that module as the suggestion.

An entry whose first part is not a module or package of the project names third-party
code. The linter does not import it (importing runs its code, and the linter may run in
an environment without the project's dependencies), so such an entry is accepted as
written. So is an entry under a project package whose file exists but is not indexed
(excluded, too large or unreadable), since its names cannot be read.
"""

from __future__ import annotations

import ast
import difflib
from pathlib import Path

from opsgen.lint.config import ConfigError
from opsgen.lint.index import ProjectIndex
from opsgen.lint.summary import ModuleSummary
from opsgen.runtime.config import key_line

#: The settings checked, by key, each with its ``LintConfig`` field.
NAME_KEYS = {
    "side-effects": "side_effects",
    "deferral-wrappers": "deferral_wrappers",
    "safe-task-bases": "safe_task_bases",
    "transaction-openers": "transaction_openers",
}


def check_configured_names(index: ProjectIndex) -> None:
    """Raise :class:`ConfigError` naming each entry of :data:`NAME_KEYS` that names a missing
    function, class or module of the project, with a suggestion when one is close."""
    checker = _NameChecker(index)
    errors: list[str] = []
    for key, attribute in NAME_KEYS.items():
        for entry in getattr(index.config, attribute):
            problem = checker.problem(entry, key)
            if problem is not None:
                errors.append(f"{_where(index, key)}: {key} entry {entry!r} {problem}")
    if errors:
        raise ConfigError("\n".join(errors))


def _where(index: ProjectIndex, key: str) -> str:
    pyproject = index.config.root / "pyproject.toml"
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return "[tool.opsgen.lint]"
    line = key_line(text, key, "tool.opsgen.lint")
    return f"{pyproject}:{line}: [tool.opsgen.lint]" if line is not None else f"{pyproject} [tool.opsgen.lint]"


class _NameChecker:
    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.modules = index.by_module
        #: Every module and package of the project, namespace packages included.
        self.packages: set[str] = set()
        for name in self.modules:
            parts = name.split(".")
            self.packages.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))
        self.top_level = {name.partition(".")[0] for name in self.modules}

    def problem(self, entry: str, key: str) -> str | None:
        """Return why ``entry`` names nothing in the project, or None when it does or may."""
        covers_module = entry.endswith(".")
        parts = entry.removesuffix(".").split(".")
        if parts[0] not in self.top_level:
            return None
        known = max(end for end in range(1, len(parts) + 1) if ".".join(parts[:end]) in self.packages)
        owner = ".".join(parts[:known])
        if known == len(parts):
            if covers_module:
                return None
            if key == "side-effects":
                return f"names the module {owner}, which no call targets; write {owner + '.'!r} to cover every function of it"
            return f"names the module {owner}, not a function or class"
        name = parts[known]
        module = self.modules.get(owner)
        if module is not None and module.syntax_error:
            return None
        qualified = f"{owner}.{name}"
        declared = qualified in self.index.functions or qualified in self.index.classes
        if not declared and (module is None or name not in module.imports):
            # Reading the module's assignments parses it, so it waits for a name not found so far.
            names = self._names(owner, module)
            if name not in names:
                return None if self._on_disk(owner, name) else self._missing(entry, key, names, owner, module)
        if known + 1 < len(parts):
            return self._member_problem(qualified, parts[known + 1])
        return None

    def _names(self, owner: str, module: ModuleSummary | None) -> set[str]:
        """Return the names that ``owner`` defines: functions, classes, imports, assigned
        variables, and its submodules when it is a package."""
        names = {module_name.rpartition(".")[2] for module_name in self.packages if module_name.rpartition(".")[0] == owner}
        if module is None:
            return names
        prefix = f"{owner}."
        for qualname in (*module.functions, *module.classes):
            rest = qualname.removeprefix(prefix)
            if qualname.startswith(prefix) and "." not in rest:
                names.add(rest)
        names.update(module.imports)
        tree = self.index.tree(module.path)
        if tree is not None:
            names.update(_assigned_names(tree))
        return names

    def _on_disk(self, owner: str, name: str) -> bool:
        """Return True when package ``owner`` has a submodule or subpackage ``name`` that
        the index left out."""
        folder = self._folder(owner)
        return folder is not None and ((folder / f"{name}.py").exists() or (folder / name).is_dir())

    def _folder(self, package: str) -> Path | None:
        """Return the folder of ``package``, found from the path of any module inside it."""
        depth = package.count(".") + 1
        for module_name, summary in self.modules.items():
            if module_name != package and not module_name.startswith(f"{package}."):
                continue
            path = Path(summary.path)
            if path.name == "__init__.py":
                path = path.parent
            elif module_name == package:
                return None  # a module file, not a package
            below = module_name.count(".") + 1 - depth
            return path.parents[below - 1] if below else path
        return None

    def _member_problem(self, owner: str, member: str) -> str | None:
        """Return why ``owner.member`` is missing when ``owner`` is a project class whose
        bases are all in the project, or None."""
        if owner not in self.index.classes:
            return None
        members: set[str] = set()
        for klass in self.index.analysis.mro(owner):
            entry = self.index.classes.get(klass)
            if entry is None:
                return None  # a base outside the project may define it
            summary = entry[1]
            members.update(summary.methods, summary.list_attributes, summary.attribute_classes, summary.name_attributes)
        if member in members:
            return None
        suggestion = difflib.get_close_matches(member, sorted(members), n=1)
        hint = f"; did you mean {owner + '.' + suggestion[0]!r}?" if suggestion else "; check the spelling, or remove the entry"
        return f"names no method of the project class {owner}{hint}"

    def _missing(self, entry: str, key: str, names: set[str], owner: str, module: ModuleSummary | None) -> str:
        """Describe a missing name, suggesting the project name below ``owner`` closest to the whole ``entry``.

        The suggestion is written in a form that :meth:`problem` accepts for ``key``: a
        module ends with ``.``, and only ``side-effects`` takes a module at all unless the
        entry already ends with ``.``.
        """
        where = f" ({self.index.relative(module.path)})" if module is not None else ""
        prefix = f"{owner}."
        below = (name for name in (*self.packages, *self.index.functions, *self.index.classes) if name.startswith(prefix))
        candidates = {*(f"{owner}.{name}" for name in names), *(name for name in below if "<locals>" not in name)}
        covers_module = entry.endswith(".")
        if covers_module:
            candidates &= self.packages
        elif key != "side-effects":
            candidates -= self.packages
        suggestion = difflib.get_close_matches(entry.removesuffix("."), sorted(candidates), n=1)
        if suggestion and suggestion[0] in self.packages:
            hint = f"; did you mean {suggestion[0] + '.'!r}?"
        elif suggestion:
            hint = f"; did you mean {suggestion[0]!r}?"
        else:
            hint = "; check the spelling, or remove the entry"
        return f"names nothing that the project module {owner}{where} defines{hint}"


def _assigned_names(tree: ast.Module) -> set[str]:
    """Return the names bound at module level by assignments, also inside ``if`` and ``try``."""
    names: set[str] = set()
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        statement = pending.pop()
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
            targets = [statement.target]
        elif isinstance(statement, (ast.If, ast.Try)):
            pending.extend(statement.body)
            pending.extend(statement.orelse)
            if isinstance(statement, ast.Try):
                pending.extend(statement.finalbody)
                for handler in statement.handlers:
                    pending.extend(handler.body)
            continue
        else:
            continue
        for target in targets:
            names.update(node.id for node in ast.walk(target) if isinstance(node, ast.Name))
    return names
