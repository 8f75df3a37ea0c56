"""Writes to files under a folder that the project's settings name.

A path built on ``settings.MEDIA_ROOT`` (Django) or ``app.config["EXPORT_DIR"]`` (Flask)
points into a folder that outlives the process: a web server serves it, or other
processes read it. Writing, moving or deleting a file there is a side effect that a
rollback does not undo, like a file storage write. A path built any other way (a
temporary file, a path the caller passes in, a literal) is left alone, because most such
writes are scratch files or exports that no other process reads before the commit.

The summary gives a local name bound to such a path a type that carries the setting:
``pathlib.Path@settings:MEDIA_ROOT()`` for a ``pathlib`` path, ``builtins.str@...()``
for a string path. A write through one gets the qualified target
``<that type>.<method>``, which :func:`configured_file_effect` names.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

#: The type prefixes of a path under a configured folder: a path object, and a string.
PATH_OBJECT = "pathlib.Path@"
PATH_STRING = "builtins.str@"
#: Calls that build a path object from their arguments.
PATH_CONSTRUCTORS = frozenset({"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.WindowsPath"})
#: Calls that build a string path from their arguments.
STRING_BUILDERS = frozenset({"os.path.join", "os.path.abspath", "os.path.normpath", "os.path.realpath", "os.path.expanduser"})
#: Methods of a path object that return a path in the same place.
PATH_STEPS = frozenset({"joinpath", "with_name", "with_suffix", "with_stem", "resolve", "absolute", "expanduser"})
#: Methods of a path object that write, move or delete the file.
PATH_WRITES = frozenset({"write_text", "write_bytes", "unlink", "rename", "replace", "touch", "symlink_to", "hardlink_to"})
OPENERS = frozenset({"open", "io.open", "builtins.open"})
#: Functions that write, move or delete a file, by the position of the path they change.
FILE_FUNCTIONS = {
    "os.replace": 1,
    "os.rename": 1,
    "os.renames": 1,
    "shutil.move": 1,
    "shutil.copy": 1,
    "shutil.copy2": 1,
    "shutil.copyfile": 1,
    "shutil.copytree": 1,
    "os.remove": 0,
    "os.unlink": 0,
    "shutil.rmtree": 0,
}
#: Settings objects whose upper-case attributes name configured folders.
SETTINGS_OBJECTS = frozenset({"django.conf.settings"})
#: Flask objects whose ``config[...]`` names configured folders.
FLASK_APPS = frozenset({"flask.current_app", "flask.Flask()"})
WRITE_MODE_LETTERS = frozenset("wax+")

Qualify = Callable[[ast.expr], "str | None"]


def configured_root(node: ast.expr, qualify: Qualify) -> tuple[str, bool] | None:
    """Return the setting a path expression is built on, as ``settings:MEDIA_ROOT`` or
    ``config:EXPORT_DIR``, and whether the expression is a path object. Return None when it
    is built on no setting."""
    if isinstance(node, (ast.Name, ast.Attribute)):
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            return configured_root(node.value, qualify)
        qualified = qualify(node)
        if qualified is None:
            return None
        owner, _, name = qualified.rpartition(".")
        if owner in SETTINGS_OBJECTS and name.isupper():
            return f"settings:{name}", False
        return _typed_root(qualified)
    if isinstance(node, ast.Subscript):
        key = node.slice
        if isinstance(node.value, ast.Attribute) and node.value.attr == "config" and isinstance(key, ast.Constant) and isinstance(key.value, str):
            if qualify(node.value.value) in FLASK_APPS:
                return f"config:{key.value}", False
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.Add)):
        return configured_root(node.left, qualify)
    if isinstance(node, ast.JoinedStr):
        first = node.values[0] if node.values else None
        if isinstance(first, ast.FormattedValue):
            found = configured_root(first.value, qualify)
            return (found[0], False) if found else None
        return None
    if isinstance(node, ast.Call):
        return _built_root(node, qualify)
    return None


def _built_root(node: ast.Call, qualify: Qualify) -> tuple[str, bool] | None:
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in PATH_STEPS:
        return configured_root(func.value, qualify)
    builder = qualify(func)
    if builder in PATH_CONSTRUCTORS or builder in STRING_BUILDERS:
        for argument in node.args[:1]:
            found = configured_root(argument, qualify)
            if found is not None:
                return found[0], builder in PATH_CONSTRUCTORS
    return None


def _typed_root(qualified: str | None) -> tuple[str, bool] | None:
    """Return the setting and kind that a name's type carries, ``pathlib.Path@settings:MEDIA_ROOT()``."""
    if not qualified:
        return None
    for prefix in (PATH_OBJECT, PATH_STRING):
        if qualified.startswith(prefix) and qualified.endswith("()"):
            return qualified[len(prefix) : -2], prefix == PATH_OBJECT
    return None


def path_type(root: tuple[str, bool]) -> str:
    """Return the type that a name bound to a path under ``root`` gets in the summary."""
    setting, is_object = root
    return f"{PATH_OBJECT if is_object else PATH_STRING}{setting}()"


def configured_write(node: ast.Call, target: str | None, qualify: Qualify) -> str | None:
    """Return the qualified target of a call that writes, moves or deletes a file under a
    configured folder, such as ``pathlib.Path@settings:MEDIA_ROOT().write_text``, or None
    for any other call. Opening such a file counts when its mode writes."""
    if target in OPENERS:
        found = configured_root(node.args[0], qualify) if node.args and _writes(node, 1) else None
        return f"{path_type(found)}.open" if found is not None else None
    position = FILE_FUNCTIONS.get(target or "")
    if position is not None:
        found = configured_root(node.args[position], qualify) if len(node.args) > position else None
        return f"{path_type(found)}.{target}" if found is not None else None
    func = node.func
    if isinstance(func, ast.Attribute) and (func.attr in PATH_WRITES or func.attr == "open"):
        if func.attr == "open" and not _writes(node, 0):
            return None
        found = configured_root(func.value, qualify)
        if found is None or not found[1]:
            return None  # str.replace() of a string path writes nothing
        return f"{path_type(found)}.{func.attr}"
    return None


def _writes(node: ast.Call, position: int) -> bool:
    """Return True when the ``open()`` call's mode, by position or keyword, writes."""
    mode = node.args[position] if len(node.args) > position else next((k.value for k in node.keywords if k.arg == "mode"), None)
    return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and bool(set(mode.value) & WRITE_MODE_LETTERS)


def configured_file_effect(target: str) -> str | None:
    """Return the setting that a message shows for a write target that
    :func:`configured_write` built (``settings.MEDIA_ROOT``), or None for any other target."""
    receiver = target.rpartition("().")[0] + "()"
    found = _typed_root(receiver)
    if found is None:
        return None
    source, _, name = found[0].partition(":")
    return f"settings.{name}" if source == "settings" else f'app.config["{name}"]'
