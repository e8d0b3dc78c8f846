"""Conveniences the core offers without importing the modules that provide them.

``Network.save`` writes a model file, but the file format (``neuronet.serialization``) builds
Networks when it reads one: if each imported the other, neither could be read alone. So the
format registers its writer here when it is imported (``import neuronet`` imports it), and the
network asks for it by name. Data flows one way: the edges know the core, the core knows only
this table.
"""

from __future__ import annotations

_PROVIDED: dict = {}


def register(name: str, function) -> None:
    """Offer ``function`` under ``name`` (done by the module that provides it, on import)."""
    _PROVIDED[name] = function


def provided(name: str, module: str):
    """The function registered as ``name``, importing ``module`` (which registers it) first
    if it has not been imported yet."""
    if name not in _PROVIDED:
        import importlib

        importlib.import_module(module)
    return _PROVIDED[name]
