"""The version of neuronet, the one place it is written: the package, the model files it
writes and the build read it here, and CHANGELOG.md's latest release names it."""

__version__ = "0.1.0"
