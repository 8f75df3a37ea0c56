"""The runtime: what applications import to run operations.

Nothing in this package imports the spec loader, the generator or the linter.
"""
