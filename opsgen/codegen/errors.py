"""Errors of the generator that the command line reports; importing this module is cheap."""

from __future__ import annotations


class ViewError(ValueError):
    """A spec that validates against the format but cannot become valid Python."""


class PathError(ValueError):
    """A file or folder that the generator must read or replace is not what it can use.

    Examples: a FIFO or a folder where an implementation file belongs, a broken symbolic
    link, a file that is not UTF-8, or a leftover of an interrupted run that cannot be
    removed. The generator raises it before it writes anything.
    """
