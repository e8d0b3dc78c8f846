"""The playground: watch a network learn, live, in the browser. ``neuronet playground`` (or
``serve()``) starts a local web server; each browser tab gets its own neuronet Network,
trained on the server, and the page draws every frame of it.

Needs the ``playground`` extra (Starlette, uvicorn): ``pip install 'neuronet[playground]'``.
``neuronet.playground.data`` (the data sets and features) needs NumPy only.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import sys
import threading
import webbrowser

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


_IPV4_SHORT = re.compile(r"[0-9A-Fa-fXx.]{1,40}")


def address_of(host: str):
    """The IP address that ``host`` spells, in any form the C library reads (``127.1`` and
    ``0x7f.0.0.1`` are 127.0.0.1), or None for a name.

    Parameters
    ----------
    host : str
        An address or a name; an IPv6 address may be in brackets.

    Returns
    -------
    ipaddress.IPv4Address or ipaddress.IPv6Address or None
        The address; IPv4 addresses mapped into IPv6 (``::ffff:127.0.0.1``) as IPv4.
    """
    text = host.strip("[]")
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        if not _IPV4_SHORT.fullmatch(text):
            return None
        try:  # the forms inet_aton reads and ip_address does not: 127.1, 0x7f000001
            address = ipaddress.IPv4Address(socket.inet_aton(text))
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address


def is_loopback(host: str) -> bool:
    """Whether ``host`` is an address of this computer only.

    Parameters
    ----------
    host : str
        "localhost", or an address in any form ``address_of`` reads (127.0.0.2, 127.1, ::1).

    Returns
    -------
    bool
        True for a loopback address.
    """
    if host.lower() == "localhost":
        return True
    address = address_of(host)
    return address is not None and address.is_loopback


def shown_host(host: str) -> str:
    """``host`` as a browser writes it in an address, and so in the Host header: IPv4 in
    its four numbers, IPv6 in brackets; a name as it is.

    Parameters
    ----------
    host : str
        What ``--host`` was given.

    Returns
    -------
    str
        The host part of the printed address.
    """
    if host in ("0.0.0.0", "::", "[::]"):  # every address: this computer's own is one
        return "127.0.0.1" if host == "0.0.0.0" else "[::1]"
    address = address_of(host)
    if address is None:
        return host
    return f"[{address}]" if address.version == 6 else str(address)


def own_names(host: str) -> set:
    """The Host header names a loopback server answers to: this computer's usual names and
    ``host`` itself, as given and as printed.

    Parameters
    ----------
    host : str
        What ``--host`` was given.

    Returns
    -------
    set of str
        Lower-case names, IPv6 addresses in brackets.
    """
    names = {"127.0.0.1", "localhost", "[::1]", "::1", host.lower(), shown_host(host).lower()}
    if ":" in host and not host.startswith("["):
        names.add(f"[{host.lower()}]")
    return names


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except (OSError, OverflowError) as exc:
        sock.close()
        reason = getattr(exc, "strerror", None) or str(exc)
        raise OSError(f"cannot listen on {host}:{port}: {reason}; choose another --port "
                      "(0 picks a free one) or --host") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *, open_browser: bool = True,
          out=None) -> None:
    """Serve the playground until Ctrl-C, print its address and open it in the browser.

    Parameters
    ----------
    host : str
        The address to listen on; any but this computer's own (a loopback address) prints
        a warning and turns the Host check off.
    port : int
        The port; 0 picks a free one.
    open_browser : bool
        Open the printed address in the browser.
    out : file or None
        Where the address is printed (default standard output).

    Raises
    ------
    ImportError
        Without the playground extra (Starlette, uvicorn).
    OSError
        When it cannot listen on ``host``:``port``, in one line.
    """
    try:
        import uvicorn

        from .server import create_app
        from .tabs import MAX_MESSAGE_BYTES
    except ImportError as exc:
        raise ImportError(f"the playground needs its extra ({exc.name} is missing): "
                          "pip install 'neuronet[playground]'") from None
    out = out or sys.stdout
    local = is_loopback(host)
    shown = shown_host(host)
    sock = _listen(shown if local else host, port)
    port = sock.getsockname()[1]
    if not local:
        print(f"neuronet playground: warning: listening on {host}, not only on this computer: "
              f"anyone who can reach it on port {port} can use the playground and its CPU. "
              f"Use --host 127.0.0.1 to keep it to yourself.", file=sys.stderr, flush=True)
    url = f"http://{shown}:{port}/"
    app = create_app(allowed_hosts=own_names(host) if local else None)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            ws_max_size=4 * MAX_MESSAGE_BYTES, timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    print(f"neuronet playground: {url}  (Ctrl-C to stop)", file=out, flush=True)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, [url]).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    print("neuronet playground: stopped", file=out, flush=True)
