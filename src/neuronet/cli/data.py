"""``neuronet data``: the tables shipped with neuronet, written where a command can read them,
so that every example runs from any folder."""

from __future__ import annotations

import shutil
import sys

from .._text import printable
from .common import add_out, add_quiet, check_writable, examples

#: The shipped tables by name: the function of ``neuronet.datasets`` that gives each one's path.
TABLES = {"penguins": "penguins_path"}


def _cmd_data(args) -> None:
    from .. import datasets

    source = getattr(datasets, TABLES[args.name])()
    if args.out in (None, "-"):
        with open(source, encoding="utf-8") as handle:
            shutil.copyfileobj(handle, sys.stdout)
        return
    check_writable(args.out, [source])
    from .._files import atomic_write

    with open(source, "rb") as handle, atomic_write(args.out, mode="wb") as out:
        shutil.copyfileobj(handle, out)
    print(f"{args.name}: written to {printable(args.out)}")


def add_data(commands) -> None:
    """Add ``neuronet data NAME`` to the subcommands.

    Parameters
    ----------
    commands : argparse subparsers
        Where the subcommand goes.
    """
    data = commands.add_parser(
        "data", help="write a table shipped with neuronet (CSV)",
        description="Write a table shipped with neuronet, to try the other commands on: "
        "penguins, the Palmer penguins (344 rows, 17 columns of text, gaps, dates, IDs and "
        "field notes; licence CC0). In Python, neuronet.datasets.penguins_path() is its path.",
        epilog=examples("neuronet data penguins -o penguins.csv",
                        "neuronet data penguins | head -3"))
    data.add_argument("name", choices=list(TABLES), help="which table")
    add_out(data, "the CSV file to write (default or '-': standard output)")
    add_quiet(data)
    data.set_defaults(run=_cmd_data)
