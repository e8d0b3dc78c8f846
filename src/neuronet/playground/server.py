"""The playground's web server: a Starlette app served by uvicorn. The page (static files, no
build step) talks to its tab's session over one WebSocket; uploads and exports are plain HTTP.

Whatever a page sends, the server keeps running: every message is checked and answered, a
bad one with an error for that tab alone; a closed tab's training stops with it."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import secrets
import time
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
from .export import model_file, onnx_file, python_script, table_model, tutorial_script
from .session import (
    MAX_PENDING,
    NODE_GRID,
    OUTPUT_GRID,
    Run,
    Tutorial,
    describe_columns,
    feature_surfaces,
)

STATIC = Path(__file__).parent / "static"
MAX_TABS = 16  # sessions at once; more are refused politely
MAX_MESSAGE_BYTES = 64 * 1024  # a page's messages are settings, a few hundred bytes
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
FRAME_SECONDS = 1 / 30  # frames are paced to at most 30 a second
WORK_SECONDS = 0.025  # training time per frame, so that every tab stays responsive
LOOPBACK = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
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


class Tab:
    """One browser tab: its settings, its run (or the tutorial's neuron), and the task that
    trains while it plays and streams frames."""

    def __init__(self, websocket: WebSocket, token: str):
        self.websocket = websocket
        self.token = token
        self.config = dict(settings.DEFAULTS)
        self.mode = "network"
        self.playing = False
        self.pending = 0
        self.run = None
        self.run_id = 0
        self.points = None
        self.columns = None  # an uploaded file, parsed
        self.table = None  # its chosen columns, on the plane
        self.tutorial = Tutorial()
        self._restart(dict(self.config))  # a run from the start, before the page's settings
        self._data_sent = False
        self.closed = False
        self._wake = asyncio.Event()
        self._send_lock = asyncio.Lock()
        self._task = None

    # --- sending -------------------------------------------------------------------------------

    async def send(self, message: dict) -> None:
        if self.closed:
            return
        text = json.dumps(message, allow_nan=False, separators=(",", ":"))
        async with self._send_lock:
            try:
                await self.websocket.send_text(text)
            except Exception:  # the tab went away mid-send; the receive loop will see it
                self.closed = True

    async def error(self, message: str, where: str = "general") -> None:
        await self.send({"type": "error", "where": where, "message": message})

    async def send_state(self, *, with_data=False) -> None:
        names = [data.FEATURES[f][0] for f in data.FEATURES]
        if self.table is not None:
            cols = self.table.columns
            names = [printable(n) for n in _column_labels(cols)]
        state = {"type": "state", "config": self.config, "run": self.run_id, "mode": self.mode,
                 "playing": self.playing, "featureLabels": dict(zip(data.FEATURES, names)),
                 "changedAt": self.run.changed_at,
                 "file": None if self.columns is None else describe_columns(self.columns)}
        await self.send(state)
        if with_data or not self._data_sent:
            self._data_sent = True
            await self.send(self._data_message())
        await self.send_frame()

    def _data_message(self) -> dict:
        X_train, y_train, X_test, y_test = self.points
        message = {"type": "data", "run": self.run_id, "problem": self.config["problem"],
                   "train": _points(X_train, y_train), "test": _points(X_test, y_test),
                   "axes": None, "classes": None}
        if self.table is not None:
            t = self.table
            message["axes"] = [{"name": printable(c), "centre": m, "scale": s}
                               for c, m, s in zip(t.columns, t.centre, t.scale)]
            if t.classes is not None:
                message["classes"] = [printable(c) for c in t.classes]
            message["target"] = printable(t.target)
            if t.classes is None:
                message["targetRange"] = [t.target_centre - t.target_scale,
                                          t.target_centre + t.target_scale]
        return message

    async def send_frame(self) -> None:
        if self.mode == "tutorial":
            message = self.tutorial.frame()
        else:
            message = self.run.frame()
            for key in ("trainLoss", "testLoss", "trainAccuracy", "testAccuracy"):
                if key in message and not math.isfinite(message[key]):
                    message[key] = None
        message.update(run=self.run_id, playing=self.playing)
        await self.send(message)

    # --- the settings --------------------------------------------------------------------------

    def _restart(self, config, infer=False) -> None:
        """Make a new run from ``config``: new data if the data settings changed (with
        ``infer``, a file's problem type follows its target column)."""
        old = self.config
        if self.points is None or any(old[k] != config[k] for k in settings.DATA_KEYS) \
                or config["dataset"] == "csv":
            self.points, self.table = self._points_for(config, infer)
        self.config = config
        self.run = Run(config, self.points)
        self.run_id += 1

    def _points_for(self, config, infer=False):
        if config["dataset"] != "csv":
            X, y = data.generate(config["dataset"], noise=config["noise"], seed=config["seed"])
            return data.split(X, y, train_percent=config["ratio"], seed=config["seed"]), None
        if self.columns is None:
            raise ValueError("no file uploaded in this tab yet: choose a CSV file with "
                             "“Upload CSV”, then its columns")
        names = {printable(c): c for c in reversed(self.columns.header)}
        x1, x2, target = (names.get(config[k], config[k])
                          for k in ("csvX1", "csvX2", "csvTarget"))
        table = data.table(self.columns, x1, x2, target, None if infer else config["problem"])
        config["problem"] = table.problem
        return data.split(table.X, table.y, train_percent=config["ratio"],
                          seed=config["seed"]), table

    async def configure(self, changes) -> None:
        new, problems = settings.merge(self.config, changes)
        restart = any(self.config[k] != new[k] for k in settings.RESTARTS)
        asked_problem = isinstance(changes, dict) and "problem" in changes
        infer = new["dataset"] == "csv" and not asked_problem and (
            self.config["dataset"] != "csv" or self.config["csvTarget"] != new["csvTarget"])
        if restart:
            try:
                self._restart(new, infer)
            except ValueError as exc:
                problems.append(str(exc))
                # The other settings still apply, to the data that was there before.
                kept = {**new, **{k: self.config[k] for k in settings.DATA_KEYS}}
                if any(self.config[k] != kept[k] for k in settings.RESTARTS):
                    self._restart(kept)
                    self.pending = 0
            else:
                self.pending = 0
        else:
            self.run.retune(new)
            self.config = new
        if problems:
            await self.error("; ".join(problems), where="settings")
        await self.send_state(with_data=restart)

    # --- messages ------------------------------------------------------------------------------

    async def handle(self, text: str) -> None:
        """Act on one message from the page; a bad one is answered with an error."""
        try:
            if len(text) > MAX_MESSAGE_BYTES:
                raise ValueError(f"message of {len(text):,} characters refused; messages are "
                                 f"at most {MAX_MESSAGE_BYTES:,}")
            try:
                message = json.loads(text)
            except (ValueError, RecursionError):
                raise ValueError("message is not JSON; expected an object like "
                                 "{\"type\": \"play\"}") from None
            if not isinstance(message, dict) or not isinstance(message.get("type"), str):
                raise ValueError("message must be a JSON object with a \"type\"")
            kind = message["type"]
            handler = self.HANDLERS.get(kind)
            if handler is None:
                raise ValueError(f"unknown message type {kind[:40]!r}; expected one of "
                                 f"{', '.join(self.HANDLERS)}")
            await handler(self, message)
        except ValueError as exc:
            await self.error(str(exc), where="message")
        except Exception:  # a bug of ours: this tab hears of it, the server carries on
            log.exception("playground: error while handling a message")
            await self.error("internal error while handling that message (the server log "
                             "has the details)", where="message")

    async def _on_config(self, message):
        await self.configure(message.get("config"))

    async def _on_play(self, message):
        self._set_playing(True)
        await self.send_frame()

    async def _on_pause(self, message):
        self._set_playing(False)
        await self.send_frame()

    async def _on_toggle(self, message):
        self._set_playing(not self.playing)
        await self.send_frame()

    def _set_playing(self, playing: bool) -> None:
        if playing and self.mode == "tutorial" and self.tutorial.done:
            playing = False
        self.playing = playing
        self._wake.set()

    async def _on_step(self, message):
        count = message.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 100:
            raise ValueError(f"step count must be a whole number from 1 to 100, got "
                             f"{str(count)[:20]}")
        self.playing = False
        if self.mode == "tutorial":
            self.tutorial.advance(count)
            await self.send_frame()
        else:
            self.pending = min(self.pending + count, MAX_PENDING)
            self._wake.set()

    async def _on_finish(self, message):
        # The tutorial's neuron, all the way to its 10,000th iteration.
        if self.mode != "tutorial":
            raise ValueError("finish applies to the tutorial's neuron; switch to it first")
        self.pending = self.tutorial.total_left()
        self._wake.set()

    async def _on_reset(self, message):
        self.playing = False
        self.pending = 0
        if self.mode == "tutorial":
            self.tutorial.reset()
            await self.send_frame()
        else:
            self.run = Run(self.config, self.points)
            self.run_id += 1
            await self.send_state()

    async def _on_mode(self, message):
        mode = message.get("mode")
        if mode not in ("network", "tutorial"):
            raise ValueError(f"mode must be 'network' or 'tutorial', got {str(mode)[:20]!r}")
        self.mode = mode
        self.playing = False
        self.pending = 0
        await self.send_state()

    async def _on_ping(self, message):
        await self.send({"type": "pong"})

    HANDLERS = {"config": _on_config, "play": _on_play, "pause": _on_pause,
                "toggle": _on_toggle, "step": _on_step, "reset": _on_reset,
                "mode": _on_mode, "finish": _on_finish, "ping": _on_ping}

    # --- training while it plays ---------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._train_loop())

    def stop(self) -> None:
        self.closed = True
        if self._task is not None:
            self._task.cancel()

    async def _train_loop(self) -> None:
        while not self.closed:
            if not (self.playing or self.pending):
                self._wake.clear()
                await self._wake.wait()
                continue
            started = time.perf_counter()
            try:
                self._work(started + WORK_SECONDS)
            except FloatingPointError as exc:
                self.playing, self.pending = False, 0
                await self.error(str(exc), where="training")
            except Exception:  # a bug of ours: this tab stops playing, the others carry on
                self.playing, self.pending = False, 0
                log.exception("playground: error while training")
                await self.error("internal error while training (the server log has the "
                                 "details); press reset to start again", where="training")
            try:
                await self.send_frame()
            except Exception:
                self.playing, self.pending = False, 0
                log.exception("playground: error while drawing a frame")
            await asyncio.sleep(max(0.0, FRAME_SECONDS - (time.perf_counter() - started)))

    def _work(self, deadline: float) -> None:
        if self.mode == "tutorial":
            tutorial = self.tutorial
            if self.pending:
                self.pending -= tutorial.advance(min(self.pending, 2000))
            elif self.playing:
                tutorial.advance(self.config["speed"])
            if tutorial.done:
                self.playing, self.pending = False, 0
            return
        if self.pending:
            self.pending -= self.run.train(self.pending, deadline)
        elif self.playing:
            self.run.train(self.config["speed"], deadline)

    # --- what the page takes away --------------------------------------------------------------

    def export(self, kind: str) -> tuple[bytes, str, str]:
        """(content, file name, media type) of an export: "model", "onnx" or "python"."""
        if self.mode == "tutorial":
            network = self.tutorial.network()
        else:
            network = self.run.network
            network.metadata = self.run.metadata(self.table)
        model = network
        if self.mode != "tutorial" and self.table is not None \
                and self.run.config["features"] == ["x1", "x2"]:
            model = table_model(network, self.table)  # predicts from the file's raw rows
        if kind == "model":
            return model_file(model), "neuronet-playground.npz", "application/octet-stream"
        if kind == "onnx":
            return onnx_file(model), "neuronet-playground.onnx", "application/octet-stream"
        if self.mode == "tutorial":
            script = tutorial_script(self.tutorial)
        else:
            name = None if self.columns is None else Path(self.columns.name).name
            script = python_script(self.run, self.table, name)
        return script.encode("utf-8"), "neuronet_playground.py", "text/x-python"


def _column_labels(columns):
    a, b = columns
    return [a, b, f"{a}²", f"{b}²", f"{a}·{b}", f"sin {a}", f"sin {b}"]


def _points(X, y) -> list:
    return [[round(float(a), 4), round(float(b), 4), round(float(t), 4)]
            for (a, b), t in zip(X, y)]


# --- the app -----------------------------------------------------------------------------------


class Guard:
    """Refuse requests whose Host is not this server's (DNS rebinding) and cross-site
    WebSockets and uploads (another web page in the same browser driving the playground);
    give every response the security headers (nothing may be loaded from elsewhere)."""

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


def create_app(*, allowed_hosts=None) -> Starlette:
    """The playground as an ASGI app. ``allowed_hosts``: the names the Host header may carry
    (None: any)."""
    tabs: dict[str, Tab] = {}
    surfaces = feature_surfaces()
    previews = {}
    for name in data.DATASETS:
        X, y = data.generate(name, noise=0, seed=0, n_points=120)
        previews[name] = _points(X, y)

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
        tab = tabs[token] = Tab(websocket, token)
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
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return JSONResponse({"error": f"{printable(name)}: not UTF-8 text (byte "
                                          f"{exc.start}); expected a CSV file saved as UTF-8"},
                                status_code=400)
        try:
            columns = data.read_columns(text, name)
        except ValueError as exc:
            return JSONResponse({"error": printable(str(exc))}, status_code=400)
        if len(columns.numeric) < 2:
            return JSONResponse({"error": f"{printable(name)}: {len(columns.numeric)} column"
                                          f"{'s' * (len(columns.numeric) != 1)} of numbers; "
                                          "the plane needs two (x1 and x2)"}, status_code=400)
        tab.columns = columns
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
    return Guard(app, allowed_hosts)


def _too_large(size) -> JSONResponse:
    told = f" ({size / 1e6:.1f} MB)" if size else ""
    return JSONResponse({"error": f"the file is too large{told}; the playground takes CSV files "
                                  f"up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB"},
                        status_code=413)
