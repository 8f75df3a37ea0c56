"""The ``run`` definition an implementation should have, a cheap check that it does, and
the implementations whose operation is gone.

This module uses only ``ast``, so checking that every implementation is current does not
import LibCST; :mod:`opsgen.codegen.signature` rewrites the ones that are not. It imports
the renderer (and Jinja2) only when it lays out a definition, so the generator's no-op
path can look for orphaned implementations cheaply.
"""

from __future__ import annotations

import ast
import json
import os
import re
from collections.abc import Container, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from opsgen.codegen.errors import PathError
from opsgen.codegen.typeexpr import AnnotationResolver, UnresolvedAnnotation, bound_names, import_names, module_names
from opsgen.codegen.user_files import read_regular_file
from opsgen.runtime.stale_specs import MANIFEST

if TYPE_CHECKING:
    from opsgen.codegen.view import OperationView, ProjectView


@dataclass(frozen=True)
class SignatureTypes:
    """Resolution of the names in the generated annotations of ``run``, for one project."""

    package_module: str
    #: Shared type name -> qualified name in the generated ``shared_types`` module.
    shared: dict[str, str | None]
    #: Resolver that expands the shared type aliases to their targets.
    resolver: AnnotationResolver


def signature_types(project: ProjectView, package_module: str) -> SignatureTypes:
    """Collect the shared types of ``project``, generated into ``package_module``."""
    shared_module = f"{package_module}.shared_types"
    shared: dict[str, str | None] = {t.name: f"{shared_module}.{t.name}" for t in project.shared_types}
    names = {**import_names(project.shared_imports), **shared}
    aliases = {f"{shared_module}.{t.name}": (t.annotation, names) for t in project.shared_types if t.kind == "alias"}
    return SignatureTypes(package_module, shared, AnnotationResolver(aliases))


def expected_params(op: OperationView) -> list[str]:
    from opsgen.codegen.render import keyword_params

    return ["self", "ctx: ExecutionContext", *keyword_params(op.input_model.fields, False)]


def expected_definition(op: OperationView) -> str:
    from opsgen.codegen.layout import define

    return define("    ", "run", expected_params(op), f"{op.stem}Output")


def find_run(tree: ast.Module, stem: str) -> tuple[ast.ClassDef, ast.FunctionDef] | None:
    """Return the top-level class ``stem`` and its ``run`` method, or None when either is missing."""
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == stem:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "run":
                    return node, item
    return None


def is_current(source: str, op: OperationView, types: SignatureTypes) -> bool:
    """Return whether ``run`` in ``source`` already has the spec's keyword parameters and return type.

    Each annotation only has to denote the same type as the generated one, by the rules
    of :class:`opsgen.codegen.typeexpr.AnnotationResolver`, so ``amount: Decimal`` is
    current where the spec says ``Money`` and ``Money`` is an alias of ``decimal``.
    Parameter names and their order must match exactly, and defaults are not compared.
    """
    if expected_definition(op) in source:
        return True
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    found = find_run(tree, op.stem)
    if found is None:
        return False
    arguments = found[1].args
    if arguments.vararg or arguments.kwarg or arguments.posonlyargs or len(arguments.args) != 2:
        return False
    if [a.arg for a in arguments.kwonlyargs] != [f.name for f in op.input_model.fields]:
        return False
    matching = _matching_annotations(tree, found, op, types)
    return len(matching) == len(op.input_model.fields) + 1


def matching_annotations(source: str, op: OperationView, types: SignatureTypes) -> dict[str, str]:
    """Return the source text of each annotation of ``run`` that denotes the spec's type.

    Keyword parameters are keyed by name, the return annotation by :data:`RETURN`. A
    signature update keeps these spellings, so it changes only what the spec changed.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    found = find_run(tree, op.stem)
    if found is None:
        return {}
    texts = {name: ast.get_source_segment(source, node) for name, node in _matching_annotations(tree, found, op, types).items()}
    return {name: text for name, text in texts.items() if text is not None}


#: Key of the return annotation in :func:`matching_annotations`; no parameter has this name.
RETURN = "return"


def _matching_annotations(
    tree: ast.Module, found: tuple[ast.ClassDef, ast.FunctionDef], op: OperationView, types: SignatureTypes
) -> dict[str, ast.expr]:
    """Return the annotation node of each parameter (and :data:`RETURN`) that denotes the spec's type."""
    cls, run = found
    # Names bound in the class body shadow the module's in a method's annotations.
    user_names = module_names(tree, op.implementation_module)
    for statement in cls.body:
        user_names.update(dict.fromkeys(bound_names(statement)))
    output = f"{op.stem}Output"
    expected_names = {
        **import_names(op.imports),
        **types.shared,
        output: f"{types.package_module}.{op.module_name}.{output}",
    }
    expected = {f.name: f.annotation for f in op.input_model.fields}
    expected[RETURN] = output
    actual = {a.arg: a.annotation for a in run.args.kwonlyargs}
    actual[RETURN] = run.returns

    matching: dict[str, ast.expr] = {}
    for name, annotation in actual.items():
        if annotation is None or name not in expected:
            continue
        try:
            same = types.resolver.canonical(annotation, user_names) == types.resolver.canonical(
                ast.parse(expected[name], mode="eval").body, expected_names
            )
        except UnresolvedAnnotation:
            continue
        if same:
            matching[name] = annotation
    return matching


# -- implementations whose operation is gone ---------------------------------------------

_FROM_IMPORT = re.compile(r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import\b", re.MULTILINE)


@dataclass(frozen=True)
class OrphanedImplementation:
    """An implementation class whose operation no spec defines any more."""

    #: Path relative to the implementations folder, with ``/`` separators.
    path: str
    #: Line of the ``class`` statement.
    line: int
    class_name: str
    #: The removed operation, from the generated module the class still imports.
    operation: str
    #: The one operation of the same package whose scaffold the run creates, which the
    #: spec was probably renamed to, or None when there is no such operation or several.
    successor: str | None = None
    #: Path of the successor's implementation, relative to the implementations folder.
    successor_path: str | None = None


class FilesOnDisk(Container[str]):
    """The files of a generated package on disk, by relative path, for :func:`find_orphans`.

    Membership is one ``stat`` call, so the no-op path need not list the package.
    """

    def __init__(self, package: Path) -> None:
        self.package = package

    def __contains__(self, relative: object) -> bool:
        return isinstance(relative, str) and (self.package / relative).is_file()


def recorded_implementations(package: Path) -> frozenset[str]:
    """Return the implementation paths that the manifest of ``package`` records, or none when it is unreadable."""
    try:
        manifest = json.loads((package / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return frozenset()
    signatures = manifest.get("signatures") if isinstance(manifest, dict) else None
    return frozenset(signatures) if isinstance(signatures, dict) else frozenset()


def find_orphans(
    implementations: Path,
    implementations_module: str,
    package: Path,
    package_module: str,
    generated: Container[str],
    current: Container[str] = (),
) -> list[OrphanedImplementation]:
    """Find the classes in ``implementations`` that subclass a base of an operation that is gone.

    Such a class subclasses a ``...Base`` class imported from a module of the generated
    package that is not in ``generated``, the package's relative file paths. The files of
    ``current``, the implementations of the operations that exist, are not read, and of
    the others only those with a ``from ... import`` of such a module are parsed.
    ``package`` is skipped when it lies inside ``implementations``.
    """
    orphans: list[OrphanedImplementation] = []
    for relative in _python_files(implementations, package):
        if relative in current:
            continue
        try:
            text = read_regular_file(implementations / relative).decode("utf-8")
        except (PathError, UnicodeDecodeError):
            continue
        module = ".".join([implementations_module, *relative.removesuffix(".py").split("/")])
        imported = (_absolute(match.group(1), module) for match in _FROM_IMPORT.finditer(text))
        if not any(_missing_module(name, package_module, generated) for name in imported if name is not None):
            continue
        orphans.extend(_orphaned_classes(text, relative, module, package_module, generated))
    return orphans


def _python_files(folder: Path, package: Path) -> list[str]:
    """Return the ``*.py`` files under ``folder`` except ``__init__.py``, caches and ``package``, sorted."""
    found: list[str] = []
    skipped = os.path.abspath(package)
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d != "__pycache__" and os.path.join(os.path.abspath(root), d) != skipped]
        relative_root = os.path.relpath(root, folder).replace(os.sep, "/")
        prefix = "" if relative_root == "." else relative_root + "/"
        found.extend(prefix + name for name in files if name.endswith(".py") and name != "__init__.py")
    return sorted(found)


def name_successors(
    orphans: Iterable[OrphanedImplementation], created: dict[str, str], noted: dict[str, tuple[str, str]]
) -> list[OrphanedImplementation]:
    """Set each orphan's successor when exactly one operation of ``created`` is in the same package.

    ``created`` maps each operation whose implementation scaffold the run creates to the
    path of that scaffold. That scaffold gets a note naming the orphan's operation (see
    :func:`with_successor_note`), so later runs find the successor in ``noted``, which
    :func:`noted_successors` builds.
    """
    named = []
    for orphan in orphans:
        prefix = orphan.operation.rpartition(".")[0]
        candidates = [name for name in created if name.rpartition(".")[0] == prefix]
        if len(candidates) == 1:
            orphan = replace(orphan, successor=candidates[0], successor_path=created[candidates[0]])
        elif orphan.operation in noted:
            successor, path = noted[orphan.operation]
            orphan = replace(orphan, successor=successor, successor_path=path)
        named.append(orphan)
    return named


#: Start of the note that a scaffold created for a renamed spec carries in its docstring.
_SUCCESSOR_NOTE = "opsgen created this file in the run that found the spec of"
_NOTED_OPERATION = re.compile(re.escape(_SUCCESSOR_NOTE) + r" ([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+) gone")


def with_successor_note(scaffold: str, orphan: OrphanedImplementation, implementations_folder: str) -> str:
    """Add a paragraph to the docstring of ``scaffold`` that names the orphan it probably replaces.

    The paragraph shows the user where the old code is, and lets later runs name the
    successor after this run has written the scaffold. A scaffold whose docstring is
    not a plain triple-quoted string, or a note with quotes or backslashes, is returned
    unchanged.
    """
    import textwrap

    from opsgen.codegen.layout import SCAFFOLD_WIDTH
    from opsgen.codegen.literals import fits_plain_docstring

    note = (
        f"{_SUCCESSOR_NOTE} {orphan.operation} gone, so this is probably the spec's new name. Move the code of "
        f"{orphan.class_name} from {implementations_folder}/{orphan.path} here, then delete that file."
    )
    end = scaffold.find('\n"""\n')
    if not scaffold.startswith('"""') or end < 0 or not fits_plain_docstring(note):
        return scaffold
    paragraph = textwrap.fill(note, SCAFFOLD_WIDTH, break_long_words=False, break_on_hyphens=False)
    return f"{scaffold[:end]}\n\n{paragraph}{scaffold[end:]}"


def noted_successors(sources: dict[str, str], operations: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Map each operation that a scaffold's note names as gone to the scaffold's operation and path.

    ``sources`` are implementation texts by path, ``operations`` the operation of each path.
    """
    noted: dict[str, tuple[str, str]] = {}
    for path, text in sources.items():
        if _SUCCESSOR_NOTE not in text:
            continue
        try:
            docstring = ast.get_docstring(ast.parse(text)) or ""
        except SyntaxError:
            continue
        match = _NOTED_OPERATION.search(" ".join(docstring.split()))
        if match is not None and path in operations:
            noted[match.group(1)] = (operations[path], path)
    return noted


def _absolute(imported: str, module: str) -> str | None:
    level = len(imported) - len(imported.lstrip("."))
    if not level:
        return imported
    parts = module.split(".")
    if level >= len(parts):
        return None
    base = ".".join(parts[: len(parts) - level])
    rest = imported[level:]
    return f"{base}.{rest}" if rest else base


def _missing_module(module: str, package_module: str, generated: Container[str]) -> bool:
    """Return whether ``module`` is inside the generated package but is not generated."""
    if not module.startswith(package_module + "."):
        return False
    relative = module[len(package_module) + 1 :].replace(".", "/")
    return f"{relative}.py" not in generated and f"{relative}/__init__.py" not in generated


def _orphaned_classes(
    text: str, path: str, module: str, package_module: str, generated: Container[str]
) -> list[OrphanedImplementation]:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    names = module_names(tree, module)
    resolver = AnnotationResolver({})
    found = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        for base in node.bases:
            try:
                qualified = resolver.qualified(base, names)
            except UnresolvedAnnotation:
                continue
            base_module, _, name = qualified.rpartition(".")
            if name.endswith("Base") and _missing_module(base_module, package_module, generated):
                operation = base_module[len(package_module) + 1 :]
                found.append(OrphanedImplementation(path, node.lineno, node.name, operation))
                break
    return found
