"""The server's tabs: what one browser tab has (its settings, its run or the tutorial's
neuron, its uploaded file, the points its learner added) and how it answers the page's
messages.

Training happens on the event loop, in slices (``trainer.Trainer``). A tab's frames are sent
by a task of its own, the newest one only: a page that reads slowly slows nothing but
itself. Work that grows with an uploaded file runs in a thread."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time

from .._text import printable
from . import config as settings
from . import data
from .export import take_away
from .session import MAX_PENDING, Run, Tutorial, describe_columns
from .trainer import Trainer

log = logging.getLogger("neuronet.playground")


def encode(message: dict) -> str:
    """A message as compact JSON, with every number that is not finite sent as null.

    Parameters
    ----------
    message : dict
        What to send: JSON types, NumPy numbers allowed.

    Returns
    -------
    str
        Strict JSON (no NaN, no Infinity), which every browser parses.
    """
    try:
        return json.dumps(message, allow_nan=False, separators=(",", ":"))
    except (ValueError, TypeError):
        return json.dumps(_finite(message), allow_nan=False, separators=(",", ":"))


def _finite(value):
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, (bool, str, int)) or value is None:
        return value
    try:
        number = float(value)  # floats and NumPy numbers
    except (TypeError, ValueError):
        return str(value)
    return number if math.isfinite(number) else None


class Tab:
    """One browser tab: its settings, its run (or the tutorial's neuron), its file.

    Parameters
    ----------
    websocket : starlette.websockets.WebSocket
        The tab's connection.
    token : str
        The tab's secret, which its uploads and exports name.
    trainer : Trainer or None
        Who trains it; None: the tab trains only when ``train_slice`` is called.
    """

    def __init__(self, websocket, token: str, trainer: Trainer | None = None):
        self.websocket = websocket
        self.token = token
        self.trainer = trainer
        self.config = dict(settings.DEFAULTS)
        self.mode = "network"
        self.details = False  # gradients in the frames, for the page's views of them
        self.playing = False
        self.pending = 0
        self.run = None
        self.run_id = 0
        self.points = None
        self.added: list = []  # points the learner clicked onto the plane: [x1, x2, class]
        self.columns = None  # an uploaded file, read
        self.file_version = 0  # counts the uploads: a new file is new data
        self.run_file = 0  # the upload the current run learns from
        self.table = None  # its chosen columns, on the plane
        self.tutorial = Tutorial()
        self._restart(dict(self.config))  # a run from the start, before the page's settings
        self._data_sent = False
        self.closed = False
        self.frames_sent = 0
        self._latest = None  # the newest frame, not sent yet
        self._frame_ready = asyncio.Event()
        self._send_lock = asyncio.Lock()
        self._sender = None
        self._errors: set = set()  # messages on their way from the trainer

    # --- sending -------------------------------------------------------------------------------

    async def send(self, message: dict) -> None:
        """Send ``message`` to the page now (nothing once the tab is closed).

        Parameters
        ----------
        message : dict
            The message; numbers that are not finite go as null.
        """
        if self.closed:
            return
        text = encode(message)
        async with self._send_lock:
            try:
                await self.websocket.send_text(text)
            except Exception:  # the tab went away mid-send; the receive loop will see it
                self.closed = True

    async def error(self, message: str, where: str = "general") -> None:
        """Tell the page of a problem.

        Parameters
        ----------
        message : str
            What was wrong and what was expected.
        where : str
            Which part of the page shows it ("settings", "message", "training", ...).
        """
        await self.send({"type": "error", "where": where, "message": message})

    async def send_state(self, *, with_data=False) -> None:
        """Send the settings and mode, the points when they changed (or ``with_data``), and a
        frame.

        Parameters
        ----------
        with_data : bool
            Send the points even when the page has them.
        """
        names = [data.FEATURES[f][0] for f in data.FEATURES]
        if self.table is not None:
            names = [printable(n) for n in _column_labels(self.table.columns)]
        state = {"type": "state", "config": self.config, "run": self.run_id, "mode": self.mode,
                 "playing": self.playing, "featureLabels": dict(zip(data.FEATURES, names)),
                 "changedAt": self.run.changed_at, "dataChangedAt": self.run.data_changed_at,
                 "file": None if self.columns is None else describe_columns(self.columns)}
        await self.send(state)
        if with_data or not self._data_sent:
            self._data_sent = True
            await self.send(self._data_message())
        await self.send_frame()

    def _data_message(self) -> dict:
        X_train, y_train, X_test, y_test = self.points
        added = [[round(float(a), 4), round(float(b), 4), c] for a, b, c in self.added]
        message = {"type": "data", "run": self.run_id, "problem": self.config["problem"],
                   "train": data.point_rows(X_train, y_train) + added,
                   "test": data.point_rows(X_test, y_test), "added": len(added),
                   "nClasses": self._n_classes(), "axes": None, "classes": None}
        if self.table is not None:
            t = self.table
            message["axes"] = [{"name": printable(c), "centre": m, "scale": s}
                               for c, m, s in zip(t.columns, t.centre, t.scale)]
            if t.classes is not None:
                message["classes"] = [printable(str(c)) for c in t.classes]
            message["target"] = printable(t.target)
            if t.classes is None:
                message["targetRange"] = [t.target_centre - t.target_scale,
                                          t.target_centre + t.target_scale]
        return message

    def _n_classes(self) -> int:
        if self.config["problem"] != "classification":
            return 0
        return max(2, settings.n_outputs(self.config))

    def frame(self) -> dict:
        """The frame the page draws now (the network's, or the tutorial's neuron's).

        Returns
        -------
        dict
            The message, with this run's number and whether it plays.
        """
        message = self.run.frame(self.details) if self.mode != "tutorial" else \
            self.tutorial.frame()
        message.update(run=self.run_id, playing=self.playing)
        return message

    async def send_frame(self) -> None:
        """Send the frame of now, ahead of any frame the trainer queued before it (which
        would say, say, that the tab still plays)."""
        self._latest = None
        await self.send(self.frame())

    def queue_frame(self) -> None:
        """Hand the newest frame to the tab's sender, replacing one it has not sent yet."""
        try:
            self._latest = self.frame()
        except Exception:
            self.playing, self.pending = False, 0
            log.exception("playground: error while drawing a frame")
            return
        self._frame_ready.set()

    async def _send_frames(self) -> None:
        while not self.closed:
            await self._frame_ready.wait()
            self._frame_ready.clear()
            message, self._latest = self._latest, None
            if message is not None:
                await self.send(message)
                self.frames_sent += 1

    # --- the settings --------------------------------------------------------------------------

    def _restart(self, config, table=None, version=None) -> None:
        """Make a new run from ``config``: new data if the data settings changed or a file is
        chosen (whose ``table``, when given, was read for these settings already, from the
        upload numbered ``version``)."""
        old = self.config
        if config["dataset"] == "csv":
            if table is None:
                table, version = self._table_for(config, False, self.columns), self.file_version
            config["problem"] = table.problem
            if self.table is None or (version is not None and version != self.run_file) or \
                    any(old[k] != config[k] for k in settings.DATA_KEYS):
                self.added = []  # points added to other data go with it
            self.points = data.split(table.X, table.y, train_percent=config["ratio"],
                                     seed=config["seed"])
            self.table = table
            self.run_file = self.run_file if version is None else version
        elif self.points is None or self.table is not None or \
                any(old[k] != config[k] for k in settings.DATA_KEYS):
            X, y = data.generate(config["dataset"], noise=config["noise"], seed=config["seed"],
                                 classes=config["classes"])
            self.points = data.split(X, y, train_percent=config["ratio"], seed=config["seed"])
            self.table = None
            self.added = []
        self.config = config
        self.run = Run(config, self.points, self.added)
        self.run_id += 1

    @staticmethod
    def _table_for(config, infer, columns):
        if columns is None:
            raise ValueError("no file uploaded in this tab yet: choose a CSV file with "
                             "“Upload CSV”, then its columns")
        names = {printable(c): c for c in reversed(columns.header)}
        x1, x2, target = (names.get(config[k], config[k])
                          for k in ("csvX1", "csvX2", "csvTarget"))
        return data.table(columns, x1, x2, target, None if infer else config["problem"])

    def new_file(self, columns) -> None:
        """Take an uploaded file: the next settings that choose a file learn from it, even
        with the same column names as the one before.

        Parameters
        ----------
        columns : data.Columns
            The file, read.
        """
        self.columns = columns
        self.file_version += 1

    async def configure(self, changes) -> None:
        """Apply the page's ``changes`` to the settings: restart the run if they change the
        data or the network, retune it otherwise; refused fields are told to the page.

        Parameters
        ----------
        changes : dict
            Settings by name (``config.CHECKS``); anything else is refused with a message.
        """
        new, problems = settings.merge(self.config, changes)
        new_file = new["dataset"] == "csv" and self.run_file != self.file_version
        restart = new_file or any(self.config[k] != new[k] for k in settings.RESTARTS)
        asked_problem = isinstance(changes, dict) and "problem" in changes
        infer = new["dataset"] == "csv" and not asked_problem and (
            new_file or self.config["dataset"] != "csv"
            or self.config["csvTarget"] != new["csvTarget"])
        if restart:
            try:
                table, version = None, self.file_version  # an upload may come meanwhile
                if new["dataset"] == "csv":  # grows with the file: off the event loop
                    table = await asyncio.to_thread(self._table_for, new, infer, self.columns)
                self._restart(new, table, version)
            except ValueError as exc:
                problems.append(str(exc))
                # The other settings still apply, to the data that was there before.
                kept = {**new, **{k: self.config[k] for k in settings.DATA_KEYS}}
                if any(self.config[k] != kept[k] for k in settings.RESTARTS):
                    self._restart(kept, self.table if kept["dataset"] == "csv" else None)
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
        """Act on one message from the page; a bad one is answered with an error.

        Parameters
        ----------
        text : str
            The message as it came: JSON, at most ``MAX_MESSAGE_BYTES`` characters.
        """
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
        self._wake()

    def _wake(self) -> None:
        if self.trainer is not None:
            self.trainer.wake()

    async def _on_step(self, message):
        count = message.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 100:
            raise ValueError(f"step count must be a whole number from 1 to 100, got "
                             f"{_brief(count)}")
        self.playing = False
        if self.mode == "tutorial":
            self.tutorial.advance(count)
            await self.send_frame()
        else:
            self.pending = min(self.pending + count, MAX_PENDING)
            self._wake()

    async def _on_finish(self, message):
        # The tutorial's neuron, all the way to its 10,000th iteration.
        if self.mode != "tutorial":
            raise ValueError("finish applies to the tutorial's neuron; switch to it first")
        self.pending = self.tutorial.total_left()
        self._wake()

    async def _on_reset(self, message):
        self.playing = False
        self.pending = 0
        if self.mode == "tutorial":
            self.tutorial.reset()
            await self.send_frame()
        else:
            self.run = Run(self.config, self.points, self.added)
            self.run_id += 1
            await self.send_state()

    async def _on_mode(self, message):
        mode = message.get("mode")
        if mode not in ("network", "tutorial"):
            raise ValueError(f"mode must be 'network' or 'tutorial', got {_brief(mode)}")
        self.mode = mode
        self.playing = False
        self.pending = 0
        await self.send_state()

    async def _on_batch(self, message):
        # Exactly one batch, and what it changed: the tutorial's one step, in a network.
        if self.mode == "tutorial":
            raise ValueError("one batch applies to the network; the tutorial's neuron steps "
                             "with step")
        self.playing, self.pending = False, 0
        try:
            report = self.run.one_batch()
        except FloatingPointError as exc:
            await self.error(str(exc), where="training")
            report = None
        self._latest = None
        await self.send({**self.frame(), "batch": report})

    async def _on_details(self, message):
        on = message.get("on")
        if not isinstance(on, bool):
            raise ValueError(f"details must be true or false, got {_brief(on)}")
        self.details = on
        await self.send_frame()

    async def _on_add_point(self, message):
        # A point of a chosen class where the learner clicked: training goes on with it.
        if self.mode == "tutorial":
            raise ValueError("points are added to the network's data; leave the tutorial's "
                             "neuron first")
        classes = self._n_classes()
        if not classes:
            raise ValueError("points of a class are added to classification data; this run "
                             "predicts numbers (regression)")
        r = data.RADIUS
        place = []
        for key in ("x1", "x2"):
            value = message.get(key)
            if not settings.is_number(value) or not -r <= value <= r:
                raise ValueError(f"addPoint: {key} must be a number from {-r:g} to {r:g} (a "
                                 f"spot on the plane), got {_brief(value)}")
            place.append(float(value))
        label = message.get("label")
        if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label < classes:
            raise ValueError(f"addPoint: label must be a class from 0 to {classes - 1}, got "
                             f"{_brief(label)}")
        if len(self.added) >= MAX_ADDED:
            raise ValueError(f"addPoint: {MAX_ADDED} points added already, the most a tab "
                             "keeps; clear them to add others")
        self.added.append([*place, label])
        await self._points_changed()

    async def _on_clear_points(self, message):
        if self.added:
            self.added = []
            self.run.use_points(self.added)
        await self.send_state(with_data=True)

    async def _points_changed(self):
        self.run.use_points(self.added)
        await self.send_state(with_data=True)

    async def _on_ping(self, message):
        await self.send({"type": "pong"})

    HANDLERS = {"config": _on_config, "play": _on_play, "pause": _on_pause,
                "toggle": _on_toggle, "step": _on_step, "reset": _on_reset,
                "mode": _on_mode, "finish": _on_finish, "ping": _on_ping, "batch": _on_batch,
                "details": _on_details, "addPoint": _on_add_point,
                "clearPoints": _on_clear_points}

    # --- training ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start sending frames, and join the trainer's rounds."""
        self._sender = asyncio.create_task(self._send_frames())
        if self.trainer is not None:
            self.trainer.add(self)

    def stop(self) -> None:
        """Stop: the tab trains and sends no more."""
        self.closed = True
        if self.trainer is not None:
            self.trainer.remove(self)
        if self._sender is not None:
            self._sender.cancel()

    def wants_work(self) -> bool:
        """Whether the tab is training: playing, or with steps queued.

        Returns
        -------
        bool
            True while it plays or has steps left.
        """
        return not self.closed and bool(self.playing or self.pending)

    def train_slice(self, seconds: float) -> None:
        """Train for about ``seconds`` of CPU time (at least one batch), then queue a frame;
        a loss that is no longer finite, or a bug, stops this tab with a message.

        Parameters
        ----------
        seconds : float
            The slice of CPU time (``time.thread_time``).
        """
        try:
            self._work(time.thread_time() + seconds)
        except FloatingPointError as exc:
            self.playing, self.pending = False, 0
            self._tell(str(exc))
        except Exception:  # a bug of ours: this tab stops playing, the others carry on
            self.playing, self.pending = False, 0
            log.exception("playground: error while training")
            self._tell("internal error while training (the server log has the details); "
                       "press reset to start again")
        self.queue_frame()

    def _tell(self, text: str) -> None:
        task = asyncio.get_running_loop().create_task(self.error(text, where="training"))
        self._errors.add(task)  # kept until sent: the loop holds only weak references
        task.add_done_callback(self._errors.discard)

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
            self.pending -= self.run.train(self.pending, deadline, clock=time.thread_time)
        elif self.playing:
            self.run.train(self.config["speed"], deadline, clock=time.thread_time)

    # --- what the page takes away --------------------------------------------------------------

    def export(self, kind: str) -> tuple[bytes, str, str]:
        """What the page downloads: ``export.take_away`` of this tab's run, or its neuron in
        the tutorial.

        Parameters
        ----------
        kind : {"model", "onnx", "python"}
            The model file, the ONNX graph, or the script that rebuilds the run.

        Returns
        -------
        tuple of (bytes, str, str)
            The content, the file's name and its media type.
        """
        if self.mode == "tutorial":
            return take_away(kind, tutorial=self.tutorial)
        return take_away(kind, run=self.run, table=self.table)


MAX_MESSAGE_BYTES = 64 * 1024  # a page's messages are settings, a few hundred bytes
MAX_ADDED = 500  # points a tab may add to its data


def _brief(value) -> str:
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**30 else \
        f"a number of {len(str(abs(value)))} digits"
    return text if len(text) <= 40 else text[:37] + "..."


def _column_labels(columns):
    a, b = columns
    return [a, b, f"{a}²", f"{b}²", f"{a}·{b}", f"sin {a}", f"sin {b}"]
