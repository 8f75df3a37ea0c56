"""opsgen: typed, observable business operations generated from YAML specs."""

#: The release, also the package metadata's version (pyproject.toml reads it from here).
#: Read from this module, it costs no scan of the installed distributions.
__version__ = "0.1.0"
