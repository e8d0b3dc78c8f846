"""The playground's web server: a Starlette app served by uvicorn. The page (static files, no
build step) talks to its tab's session over one WebSocket; uploads and exports are plain HTTP.

Whatever a page sends, the server keeps running: every message is checked and answered, a
bad one with an error for that tab alone; a closed tab's training stops with it."""

from __future__ import annotations

import logging
import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketClose, WebSocketDisconnect

from .. import __version__
from .._text import printable
from . import config as settings
from . import data
from .session import NODE_GRID, OUTPUT_GRID, describe_columns, feature_surfaces
from .tabs import Tab
from .trainer import Trainer
from .uploads import Reader

STATIC = Path(__file__).parent / "static"
MAX_TABS = 16  # sessions at once; more are refused politely
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
# The page may load only what this server serves: nothing is fetched from elsewhere. Its
# WebSocket is named too (ws://host), for browsers whose 'self' does not cover ws: yet.
POLICY = ("default-src 'self'; img-src 'self' data: blob:; connect-src 'self'{socket}; "
          "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
_PLAIN_HOST = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?")

log = logging.getLogger("neuronet.playground")


# --- the app -----------------------------------------------------------------------------------


class Guard:
    """Refuse requests whose Host is not this server's (DNS rebinding) and cross-site
    WebSockets and uploads (another web page in the same browser driving the playground);
    give every response the security headers (nothing may be loaded from elsewhere).

    Parameters
    ----------
    app : Starlette
        The app behind the guard.
    allowed_hosts : collection of str or None
        The names the Host header may carry, lower case (None: any).
    """

    def __init__(self, app, allowed_hosts):
        self.app = app
        self.allowed_hosts = allowed_hosts
        self.state = app.state
        self._headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    def _policy(self, host: str) -> tuple:
        socket = f" ws://{host}" if _PLAIN_HOST.fullmatch(host) else ""
        return (b"content-security-policy", POLICY.format(socket=socket).encode())

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                       for k, v in scope["headers"]}
            host = headers.get("host", "")
            refusal = None
            if self.allowed_hosts is not None and _hostname(host) not in self.allowed_hosts:
                refusal = f"Host {host[:80]!r} refused: the playground answers to its own address"
            origin = headers.get("origin")
            guarded = scope["type"] == "websocket" or scope.get("method") not in ("GET", "HEAD")
            if refusal is None and guarded and origin is not None and \
                    urlsplit(origin).netloc.lower() != host.lower():
                refusal = "cross-origin request refused"
            if refusal is not None:
                if scope["type"] == "websocket":
                    await WebSocketClose(code=1008, reason=refusal[:120])(scope, receive, send)
                else:
                    await PlainTextResponse(refusal, status_code=403)(scope, receive, send)
                return
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        ours = [*self._headers, self._policy(host)]

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in ours if k not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _hostname(host: str) -> str:
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0].lower()


def create_app(*, allowed_hosts=None, reader=None) -> Starlette:
    """The playground as an ASGI app.

    Parameters
    ----------
    allowed_hosts : collection of str or None
        The names the Host header may carry (None: any).
    reader : uploads.Reader or None
        What reads uploaded files; by default a ``Reader`` with its time limit.

    Returns
    -------
    Guard
        The app, behind the Host and Origin checks.
    """
    tabs: dict[str, Tab] = {}
    trainer = Trainer()
    reader = reader or Reader()
    surfaces = feature_surfaces()
    previews = {}
    for name in data.DATASETS:
        X, y = data.generate(name, noise=0, seed=0, n_points=120)
        previews[name] = data.point_rows(X, y)

    async def index(request):
        return FileResponse(STATIC / "index.html")

    async def socket(websocket: WebSocket):
        await websocket.accept()
        if len(tabs) >= MAX_TABS:
            await websocket.send_json({"type": "error", "where": "general", "message":
                                       f"the playground already serves {MAX_TABS} tabs; close "
                                       "one and reload this page"})
            await websocket.close(code=1013)
            return
        token = secrets.token_urlsafe(16)
        tab = tabs[token] = Tab(websocket, token, trainer)
        try:
            await tab.send({"type": "hello", "version": __version__, "token": token,
                            "limits": {"uploadBytes": MAX_UPLOAD_BYTES,
                                       "maxLayers": settings.MAX_LAYERS,
                                       "maxNeurons": settings.MAX_NEURONS},
                            "defaults": settings.DEFAULTS, "grid": {
                                "output": OUTPUT_GRID, "node": NODE_GRID,
                                "radius": data.RADIUS},
                            "featureSurfaces": surfaces, "previews": previews})
            tab.start()
            while not tab.closed:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                if text is None:
                    await tab.error("binary messages are not understood; send JSON text",
                                    where="message")
                    continue
                await tab.handle(text)
        except WebSocketDisconnect:
            pass
        finally:
            tab.stop()
            tabs.pop(token, None)

    def _tab(request):
        tab = tabs.get(request.path_params["token"])
        if tab is None:
            raise LookupError
        return tab

    async def export(request):
        kind = request.path_params["kind"]
        if kind not in ("model", "onnx", "python"):
            return PlainTextResponse(f"unknown export {kind[:20]!r}; expected model, onnx or "
                                     "python", status_code=404)
        try:
            tab = _tab(request)
            content, name, media = tab.export(kind)
        except LookupError:
            return PlainTextResponse("this tab's session has ended (the tab was closed or the "
                                     "server restarted): reload the page", status_code=404)
        except ImportError as exc:
            return PlainTextResponse(str(exc), status_code=501)
        except ValueError as exc:
            return PlainTextResponse(f"cannot export: {exc}", status_code=400)
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        return Response(content, media_type=media, headers=headers)

    async def upload(request):
        try:
            tab = _tab(request)
        except LookupError:
            return JSONResponse({"error": "this tab's session has ended: reload the page"},
                                status_code=404)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
            return _too_large(int(declared))
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_UPLOAD_BYTES:
                return _too_large(None)
        name = request.query_params.get("name", "data.csv")[:200]
        try:
            columns = await reader.read(bytes(body), name)
        except ValueError as exc:
            return JSONResponse({"error": printable(str(exc))}, status_code=400)
        except RuntimeError as exc:
            log.error("playground: %s", exc)
            return JSONResponse({"error": printable(f"{name}: the file could not be read (the "
                                                    "server log has the details)")},
                                status_code=500)
        if len(columns.numeric) < 2:
            return JSONResponse({"error": f"{printable(name)}: {len(columns.numeric)} column"
                                          f"{'s' * (len(columns.numeric) != 1)} of numbers; "
                                          "the plane needs two (x1 and x2)"}, status_code=400)
        tab.new_file(columns)
        return JSONResponse(describe_columns(columns))

    routes = [
        Route("/", index),
        Route("/export/{token}/{kind}", export),
        Route("/upload/{token}", upload, methods=["POST"]),
        WebSocketRoute("/ws", socket),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.tabs = tabs
    app.state.trainer = trainer
    return Guard(app, allowed_hosts)


def _too_large(size) -> JSONResponse:
    told = f" ({size / 1e6:.1f} MB)" if size else ""
    return JSONResponse({"error": f"the file is too large{told}; the playground takes CSV files "
                                  f"up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB"},
                        status_code=413)
