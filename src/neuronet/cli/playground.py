"""``neuronet playground``: a network learning live in the browser."""

from __future__ import annotations

from .common import add_quiet, examples, number


def _cmd_playground(args) -> None:
    from ..playground import serve

    serve(args.host, int(args.port), open_browser=not args.no_browser)


def add_playground(commands) -> None:
    """Add the subcommand ``neuronet playground`` to ``commands``.

    Parameters
    ----------
    commands : argparse subparsers
        Where the subcommand goes.
    """
    playground = commands.add_parser(
        "playground", help="watch a network learn, live, in your browser",
        description="Serve the playground, a page where a network learns a picture of two "
        "classes live: change its layers, activation, learning rate or data as it trains. "
        "It stops with Ctrl-C.",
        epilog=examples("neuronet playground",
                        "# on another port, printing the address without opening a browser:",
                        "neuronet playground --port 9000 --no-browser"))
    playground.add_argument("--host", default="127.0.0.1",
                            help="address to listen on (default: 127.0.0.1, this computer only)")
    playground.add_argument("--port", type=number(lambda v: v.is_integer() and 0 <= v <= 65535,
                                                   "a port from 0 to 65535"),
                            default=8765, help="default: 8765; 0 picks a free port")
    playground.add_argument("--no-browser", action="store_true",
                            help="print the address without opening a browser")
    add_quiet(playground)
    playground.set_defaults(run=_cmd_playground)
