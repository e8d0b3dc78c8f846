"""`python -m neuronet` is the `neuronet` command."""

from .cli import run

run()
