"""The ``opsgen`` subcommands: the parser and the dispatch to each command's handler.

Each subcommand lives in its own module under ``opsgen.cli`` and exposes
``register(subparsers)``, which adds its parser and sets ``handler`` to a function that
takes the parsed arguments and returns the exit status. Modules are imported only when
the command line names them, so ``opsgen ops list`` never imports Jinja2 or LibCST.
Invalid settings (:class:`~opsgen.runtime.errors.ConfigurationError`) end every command
with the message and exit status 2, not a traceback. A command that needs an optional
dependency that is not installed ends with exit status 1 and one line naming the extra
that installs it (:mod:`opsgen.cli.extras`).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, cast

from opsgen.runtime.errors import ConfigurationError

#: Subcommand name -> module that registers it, with its one-line summary.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("opsgen.cli.init", "create a specs folder and [tool.opsgen] settings"),
    "generate": ("opsgen.cli.generate", "generate typed Python from the specs"),
    "schema": ("opsgen.cli.schema", "print the JSON Schema of the spec format"),
    "ops": ("opsgen.cli.ops", "read the execution log (list, show, watch) and cancel a pending call"),
    "outbox": ("opsgen.cli.outbox", "deliver durable side effects waiting in the outbox"),
    "lint": ("opsgen.cli.lint", "check code for side effects in transactions, missing locks and non-uniform services"),
    "audit": ("opsgen.cli.audit", "read and check the audit trail"),
    "worker": ("opsgen.cli.worker", "run a queue consumer that turns messages into operation calls"),
}


class _VersionAction(argparse.Action):
    """Print ``opsgen VERSION`` and exit; the version is read only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_args: Any) -> None:
        from opsgen import __version__

        print(f"opsgen {__version__}")
        parser.exit()


class _SuggestingParser(argparse.ArgumentParser):
    """A parser that adds the closest choice to argparse's ``invalid choice`` error.

    Mistyped subcommands (``opsgen genrate``, ``opsgen ops lst``) and option values
    (``--format jsno``) then read as mistyped options do: ``...; did you mean 'generate'?``.
    """

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        try:
            super()._check_value(action, value)
        except argparse.ArgumentError as error:
            import difflib

            choices = [str(choice) for choice in action.choices or ()]
            close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6)
            if not close:
                raise
            raise argparse.ArgumentError(action, f"{error.message}; did you mean {close[0]!r}?") from None


class _CommandParser(_SuggestingParser):
    """The parser of a subcommand, which reports an unknown argument with its own usage line.

    argparse passes a subcommand's unknown arguments up to the top-level parser, whose
    error would show ``usage: opsgen [-h] [--version] COMMAND ...``. Every argument
    after a subcommand's name belongs to that subcommand, so one it does not know is an
    error there. Nested subcommands (``opsgen ops list``) get this class too, because
    argparse gives a subparser's own subparsers the class of that subparser.
    """

    # typeshed overloads the namespace's type; opsgen passes only argparse.Namespace.
    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, unknown = super().parse_known_args(args, namespace)
        if unknown:
            self.error(f"unrecognized arguments: {' '.join(unknown)}{self._suggestion(unknown)}")
        return parsed, unknown

    def _suggestion(self, unknown: list[str]) -> str:
        """Return ``; did you mean --format?`` for the first unknown option close to a known one."""
        import difflib

        known = [option for action in self._actions for option in action.option_strings if option.startswith("--")]
        for argument in unknown:
            name = argument.split("=", 1)[0]
            if name.startswith("--"):
                close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
                if close:
                    return f"; did you mean {close[0]}?"
        return ""


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Build the parser; with ``only``, import just that subcommand's module (none for ``""``)."""
    parser = _SuggestingParser(
        prog="opsgen",
        description="Declare business operations in YAML, generate typed Python, run and check them.",
    )
    parser.add_argument("--version", action=_VersionAction, help="print the installed version and exit")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_CommandParser)
    for name, (module_name, summary) in COMMANDS.items():
        if only is not None and name != only:
            subparsers.add_parser(name, help=summary)
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(subparsers)
    return parser


def run(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default ``sys.argv[1:]``), run the command it names and return its exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in args_list if not a.startswith("-")), None)
    # Import only the named command's module. Without one (`opsgen --help`, or a name
    # that is not a command) the summaries are all the parser needs, and the start stays
    # free of SQLAlchemy and the linter.
    parser = build_parser(only=first if first in COMMANDS else "")
    args = parser.parse_args(args_list)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return cast(Callable[[argparse.Namespace], int], handler)(args)
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:
        from opsgen.cli.extras import missing_extra_message

        message = missing_extra_message(exc, f"opsgen {args.command}")
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader of the output closed it early, as `opsgen ops list | head` does.
        # Point stdout at devnull so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1

