"""`python -m neuronet` is the `neuronet` command."""

from .cli import main

raise SystemExit(main())
