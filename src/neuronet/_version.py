"""The version of neuronet, the one place it is written: the package build reads it from here,
and CHANGELOG.md's latest release names it."""

__version__ = "0.1.0"
