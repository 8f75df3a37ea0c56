"""The ``opsgen`` command: the entry point of the console script and of ``python -m opsgen``.

The subcommands are in :mod:`opsgen.cli.commands`. This module imports nothing else at
its top, so that Ctrl-C during the imports of a command, which can take a few tenths of
a second, is handled like Ctrl-C later on.
"""

from __future__ import annotations

import sys

# Not typing.TYPE_CHECKING, which would import typing first; mypy takes this name as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

#: Exit status of a command stopped by Ctrl-C: 128 + SIGINT, as shells report it.
INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``) and return its exit status.

    A Ctrl-C that no command handles, from the first import on, ends the command with one
    line on standard error and exit status 130. ``opsgen generate`` handles it to print
    what it left undone, and the long-running ``opsgen worker`` and ``opsgen outbox
    dispatch`` to stop cleanly with exit status 0.
    """
    try:
        from opsgen.cli.commands import run

        return run(argv)
    except KeyboardInterrupt:
        print("opsgen: interrupted", file=sys.stderr)
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
