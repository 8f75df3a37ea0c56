"""Errors of the generator that the command line reports; importing this module is cheap."""

from __future__ import annotations


class ViewError(ValueError):
    """A spec that validates against the format but cannot become valid Python."""
