"""neuronet's version, in one place: the package, the model files it writes and the build read
it here."""

__version__ = "0.1.0"
