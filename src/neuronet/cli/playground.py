"""``neuronet playground``: a network learning live in the browser."""

from __future__ import annotations

from .common import number


def _cmd_playground(args) -> None:
    from ..playground import serve

    serve(args.host, int(args.port), open_browser=not args.no_browser)


def add_playground(commands) -> None:
    playground = commands.add_parser(
        "playground", help="watch a network learn, live, in your browser")
    playground.add_argument("--host", default="127.0.0.1",
                            help="address to listen on (default: 127.0.0.1, this computer only)")
    playground.add_argument("--port", type=number(lambda v: v.is_integer() and 0 <= v <= 65535,
                                                   "a port from 0 to 65535"),
                            default=8765, help="default: 8765; 0 picks a free port")
    playground.add_argument("--no-browser", action="store_true",
                            help="print the address without opening a browser")
    playground.set_defaults(run=_cmd_playground)
