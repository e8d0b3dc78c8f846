"""The playground: watch a network learn, live, in the browser. ``neuronet playground`` (or
``serve()``) starts a local web server; each browser tab gets its own neuronet Network,
trained on the server, and the page draws every frame of it.

Needs the ``playground`` extra (Starlette, uvicorn): ``pip install 'neuronet[playground]'``.
``neuronet.playground.data`` (the data sets and features) needs NumPy only.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading
import webbrowser

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def is_loopback(host: str) -> bool:
    """Whether ``host`` is an address of this computer only (127.0.0.1, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


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
    """Serve the playground on ``host``:``port`` until Ctrl-C; print its address (to ``out``,
    default standard output) and open it in the browser unless ``open_browser`` is False.
    ``port`` 0 picks a free port. Any ``host`` but this computer's own prints a warning."""
    try:
        import uvicorn

        from .server import LOOPBACK, MAX_MESSAGE_BYTES, create_app
    except ImportError as exc:
        raise ImportError(f"the playground needs its extra ({exc.name} is missing): "
                          "pip install 'neuronet[playground]'") from None
    out = out or sys.stdout
    local = is_loopback(host)
    sock = _listen(host, port)
    port = sock.getsockname()[1]
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    if not local:
        print(f"neuronet playground: warning: listening on {host}, not only on this computer: "
              f"anyone who can reach it on port {port} can use the playground and its CPU. "
              f"Use --host 127.0.0.1 to keep it to yourself.", file=sys.stderr, flush=True)
    if host in ("0.0.0.0", "::", "[::]"):
        shown = "127.0.0.1" if host == "0.0.0.0" else "[::1]"
    url = f"http://{shown}:{port}/"
    app = create_app(allowed_hosts=LOOPBACK if local else None)
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
