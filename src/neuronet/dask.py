"""Training on a Dask cluster. The rows stay where Dask keeps them, partitioned on the workers;
what travels is the weights, out to the workers, and a loss and a gradient (or averaged
weights) back, added up on the way by a tree of small tasks.

Two ways to train, chosen by the optimizer:

- ``optimizer="lbfgs"`` (the default): full-batch L-BFGS, as Spark MLlib trains its
  perceptron. Every evaluation sends the weights to each worker once, inside one task per
  worker thread placed where its partitions are; the task adds up the loss and gradient of
  those partitions (what ``Network.loss_and_gradient`` computes); the partial sums meet in a
  tree of additions, eight at a time, whose root is the client, where L-BFGS steps. It reaches
  the weights of the in-process ``network.fit(X, y, optimizer="lbfgs")``.
- ``optimizer="sgd"``, ``"adam"`` or an SGD or Adam object: model averaging (local SGD). Every
  round, each partition trains its own copy of the network with the optimizer for one epoch of
  its rows (or ``local_steps`` batches); the copies' weights and optimizer states are averaged,
  weighted by rows, into the next round's start.

Needs the ``dask`` extra: ``pip install 'neuronet[dask]'``, with neuronet installed on the
workers too.
"""

from __future__ import annotations

import copy
import math
import os
import pickle
import threading
import time
import uuid
from concurrent.futures import CancelledError

import numpy as np

try:
    import dask.array as da
    import distributed
except ImportError as exc:
    raise ImportError("neuronet.dask needs Dask and its distributed scheduler: "
                      "pip install 'neuronet[dask]'") from exc

from . import losses, optimizers, training
from ._checks import as_count, as_positive_float

__all__ = ["ClusterError", "ClusterTimeout", "fit"]

#: How many partial results one task of the reduction tree adds together.
FAN_IN = 8
#: How often, at most, the fit asks the scheduler whether workers came or went (seconds).
REGROUP_SECONDS = 2.0
#: How often an evaluation or round is tried again after the cluster lost what it needed
#: (workers gone with the weights they held), beyond what Dask recovers by itself.
RETRIES = 2


class ClusterError(RuntimeError):
    """The cluster could not finish a fit: the scheduler was lost, or workers died repeatedly.
    The network keeps the weights of the last iteration (or round) that finished, and
    ``network.history`` its record; ``iteration`` is that iteration's number (0: none)."""

    iteration = 0


class ClusterTimeout(ClusterError, TimeoutError):
    """The scheduler did not answer, or had no workers, for longer than the fit's timeout."""


def fit(network, X, y, *, loss, optimizer="lbfgs", max_iter=100, tol=None, client=None,
        batch_size=32, local_steps=None, shuffle=True, n_iter_no_change=10, metrics=None,
        validation_data=None, callbacks=(), progress=False, timeout=60):
    """Train ``network`` on rows held by a Dask cluster; returns a History, as ``fit`` does.

    X is a dask array (rows partitioned, any number of partitions; column chunks are joined)
    or a dask DataFrame of numbers; y a dask array, Series or DataFrame with the same rows (or
    a NumPy array, split to match X's partitions). They are persisted on the workers for the
    fit and never gathered to the client.

    Parameters
    ----------
    loss : as for ``Network.fit``.
    optimizer : "lbfgs" (default) or an LBFGS: full-batch L-BFGS, each iteration one pass over
        every partition. "sgd", "adam" or an SGD or Adam: model averaging, each iteration a
        round in which every partition trains a copy of the network, then the copies are
        averaged. L-BFGS suits data whose full passes are cheap enough to take tens to
        hundreds of them; model averaging, data so large that a few epochs must do.
    max_iter : L-BFGS iterations, or rounds of model averaging.
    tol : L-BFGS stops when every component of the gradient is at most ``tol`` (default: the
        optimizer's, 1e-5); model averaging stops when the loss has not improved by at least
        ``tol`` for ``n_iter_no_change`` rounds (default: never, all ``max_iter`` rounds).
    client : a ``distributed.Client``; default: the current one.
    batch_size, shuffle : each partition's batches in a round of model averaging.
    local_steps : in a round of model averaging, each partition takes this many batches
        (drawn afresh from its rows every round) instead of a whole epoch.
    metrics, callbacks, progress : as for ``Network.fit``; called once per iteration or round.
    validation_data : (X_val, y_val), dask collections (or y_val a NumPy array) like X and y,
        persisted beside them and scored after every iteration or round: ``val_loss`` and
        ``val_<metric>`` in the History, as ``Network.fit`` records them.
    timeout : seconds the fit waits for a scheduler that does not answer, or that has no
        workers, before it stops with ``ClusterTimeout``. A slow iteration is waited for as long
        as the scheduler answers.

    Randomness (model averaging's shuffles, dropout) comes from the network's generator: the
    same seed and partitioning give the same weights whichever workers run the partitions. A
    worker lost during the fit is replaced by Dask, which recomputes the partitions it held
    from their source; the iteration then goes on, or is tried again. When the cluster cannot
    finish an iteration (no scheduler, no workers, workers killed again and again),
    ``ClusterError`` leaves the network with the weights of the last iteration that finished.
    Ctrl-C stops after the current iteration and keeps its weights.
    """
    loss = losses.get(loss)
    training._check_loss_fits_output(network, loss)
    optimizer = optimizers.get(optimizer)
    max_iter = as_count(max_iter, "max_iter", minimum=1)
    names = training._metric_names(metrics, loss)
    timeout = as_positive_float(timeout, "timeout")
    full_batch = optimizer.full_batch
    if full_batch:
        if local_steps is not None:
            raise ValueError("local_steps applies to model averaging (SGD, Adam); L-BFGS uses "
                             "every row in each iteration")
        if any(getattr(layer, "rate", 0) for layer in network.layers):
            raise ValueError("LBFGS needs a loss that is the same at every evaluation, which "
                             "Dropout makes random; use SGD or Adam with Dropout")
        if tol is not None:
            optimizer = copy.deepcopy(optimizer)
            optimizer.tol = as_positive_float(tol, "tol", allow_zero=True)
    else:
        if batch_size is not None:
            batch_size = as_count(batch_size, "batch_size", minimum=1)
        if local_steps is not None:
            local_steps = as_count(local_steps, "local_steps", minimum=1)
        if tol is not None:
            tol = as_positive_float(tol, "tol", allow_zero=True)
        n_iter_no_change = as_count(n_iter_no_change, "n_iter_no_change", minimum=1)
    callbacks = [c if isinstance(c, training.Callback) else training.LambdaCallback(c)
                 for c in callbacks]
    client = _client(client)

    with training._Claim(network):
        session = _Session(client, timeout)
        template = session.send("network", _packed(network), hold=True)
        rows = _persist(session, template, network, loss, X, y)
        held_out = None
        if validation_data is not None:
            try:
                X_val, y_val = validation_data
            except (TypeError, ValueError):
                raise ValueError("validation_data must be a pair (X_val, y_val)") from None
            try:
                held_out = _persist(session, template, network, loss, X_val, y_val)
            except ValueError as exc:
                raise ValueError(f"validation_data: {exc}") from None
        network.loss = loss.name
        history = training.History()
        network.history = history
        recorders = [history]
        if progress:
            recorders.append(training.ProgressBar(max_iter, 1))
        actors = []
        if not full_batch:
            actors.append(training.LearningRateSchedule(optimizer, rows.n))
            if tol is not None:
                actors.append(_NoImprovement(tol, n_iter_no_change))
        actors += callbacks
        duties = recorders + actors
        per_batch = [c for c in duties if training._overrides(c, "on_batch_end")]
        run = _run_lbfgs if full_batch else _run_averaging
        validate = None if held_out is None else _Validation(session, template, held_out, loss,
                                                              names)
        try:
            for duty in duties:
                duty.on_train_begin(network, history)
            with training._InterruptFlag() as interrupt:
                run(session, template, network, rows, loss, optimizer, max_iter, names,
                    recorders, actors, per_batch, interrupt, history,
                    dict(batch_size=batch_size, local_steps=local_steps, shuffle=shuffle,
                         validate=validate))
                if interrupt.raised:
                    history.interrupted = True
        except ClusterError as exc:
            exc.iteration = history.epochs
            done = ("no iteration finished: the network keeps its starting weights"
                    if not history.epochs else
                    f"the network keeps the weights of iteration {history.epochs}, the last "
                    "that finished")
            exc.args = (f"{exc.args[0]}; {done}",)
            raise
        finally:
            for duty in duties:
                duty.on_train_end()
            session.release()
    return history


# --- the cluster ----------------------------------------------------------------------------------


def _client(client):
    if client is None:
        try:
            return distributed.default_client()
        except ValueError:
            raise ValueError("neuronet.dask.fit needs a Dask client: pass "
                             "client=distributed.Client(address), or create one first (it "
                             "becomes the default)") from None
    if not isinstance(client, distributed.Client):
        raise ValueError(f"client must be a distributed.Client, got {client!r}")
    if client.status != "running":
        raise ValueError(f"the Dask client is {client.status}, not running; connect it to a "
                         "scheduler first")
    return client


class _Session:
    """One fit's dealings with the cluster: the names of its tasks (as the dashboard shows
    them: neuronet-loss-and-gradient, neuronet-sum...), the futures it holds, and waiting for
    results without ever hanging on a scheduler that is gone or silent."""

    def __init__(self, client, timeout):
        self.client, self.timeout = client, timeout
        self.token = uuid.uuid4().hex[:8]
        self.counter = 0
        self.held = []  # futures kept for the whole fit (the persisted rows, the network)
        self.address = getattr(client.scheduler, "address", None) or "?"

    def key(self, what: str) -> str:
        self.counter += 1
        return f"neuronet-{what}-{self.token}-{self.counter}"

    def send(self, what: str, value, *, hold=False):
        """``value`` on the cluster as the result of a task that holds it: sent once, fetched
        from there by the tasks that need it, and made again by Dask from the task's
        definition if the worker that held it dies (scattered data would be lost)."""
        future = self.client.submit(_held, value, key=self.key(what), pure=False)
        if hold:
            self.held.append(future)
        return future

    def tree_sum(self, parts: list) -> list:
        """Futures for at most ``FAN_IN`` partial sums of ``parts`` (dicts of numbers and
        arrays), added up on the workers in a fixed order by tasks of ``FAN_IN`` parts each,
        level by level; the client, the root of the tree, adds the last ones."""
        key = self.key("sum")
        level = 0
        while len(parts) > FAN_IN:
            parts = [self.client.submit(_add, *parts[i:i + FAN_IN],
                                        key=f"{key}-{level}-{i // FAN_IN}")
                     for i in range(0, len(parts), FAN_IN)]
            level += 1
        return parts

    def result(self, future, doing: str):
        """The future's result, waited for as long as the scheduler answers and has workers."""
        self.wait([future], doing)
        try:
            return future.result()
        except CancelledError as exc:  # lost since it finished
            raise self.lost(doing) from exc

    def wait(self, futures: list, doing: str) -> None:
        """Wait until every future is done, without fetching any: raise the error of one that
        failed, ClusterError if one was lost."""
        poll = min(1.0, self.timeout)
        idle_since = None
        with self.client.as_current():  # distributed.wait asks for the current client
            while True:
                try:
                    distributed.wait(futures, timeout=poll)
                    break
                except TimeoutError:
                    idle_since = self.check_alive(doing, idle_since)
                except CancelledError as exc:
                    raise self.lost(doing) from exc
        for future in futures:
            if future.status == "error":
                try:
                    future.result()
                except distributed.KilledWorker as exc:
                    raise ClusterError(f"workers died again and again while {doing} ({exc}): "
                                       "too little memory for a partition?") from exc
            elif future.status != "finished":
                raise self.lost(doing)

    def ask(self, handler: str, doing: str, **kwargs):
        """The scheduler's answer to ``handler`` (one of its RPCs), in at most ``timeout``."""
        try:
            return self.client.sync(getattr(self.client.scheduler, handler),
                                    callback_timeout=self.timeout, **kwargs)
        except TimeoutError as exc:
            if self.client.status != "running":
                raise self.lost(doing) from exc
            raise ClusterTimeout(f"the Dask scheduler at {self.address} did not answer for "
                                 f"{self.timeout:g} s while {doing}") from exc
        except OSError as exc:  # the connection closed or refused
            raise self.lost(doing, connection=True) from exc

    def check_alive(self, doing: str, idle_since=None):
        """Raise ClusterError or ClusterTimeout if the scheduler is lost, silent or has had
        no workers for ``timeout``; return since when it has had none (or None)."""
        if self.client.status != "running":
            raise self.lost(doing)
        if self.ask("identity", doing).get("n_workers", 1):
            return None
        now = time.monotonic()
        if idle_since is None:
            return now
        if now - idle_since > self.timeout:
            raise ClusterTimeout(f"the Dask scheduler at {self.address} has had no workers for "
                                 f"{self.timeout:g} s while {doing}")
        return idle_since

    def lost(self, doing: str, connection=False) -> ClusterError:
        """The error for work cancelled: the scheduler lost, or data the work needed."""
        if not connection and self.client.status == "running":
            try:
                self.check_alive(doing)
                return _Lost(f"the cluster lost data it needed while {doing}")
            except ClusterError as exc:
                return exc
        return ClusterError(f"lost the connection to the Dask scheduler at {self.address} "
                            f"while {doing}")

    def retried(self, submit, doing: str) -> dict:
        """The sum of the partial results whose futures ``submit()`` returns; ``submit`` is
        called again (up to RETRIES times) when the cluster lost what the work depended on,
        beyond what Dask recovers by itself."""
        for attempt in range(RETRIES + 1):
            try:
                parts = submit()
                self.wait(parts, doing)
                try:
                    return _add(*self.client.gather(parts))
                except CancelledError as exc:  # lost since they finished
                    raise self.lost(doing) from exc
            except _Lost as exc:
                if attempt == RETRIES:
                    raise ClusterError(f"{exc}, {RETRIES + 1} times") from exc

    def release(self) -> None:
        self.held.clear()


class _Lost(ClusterError):
    """Work cancelled because data it depended on was lost: worth trying again."""


# --- the rows on the workers ----------------------------------------------------------------------


class _Rows:
    """The training rows, persisted on the workers: partition i is ``X[i]`` and ``y[i]``
    (futures), ``sizes[i]`` rows starting at row ``starts[i]``."""

    def __init__(self, X, y, sizes):
        keep = [i for i, size in enumerate(sizes) if size]  # an empty partition has no part
        self.X = [X[i] for i in keep]
        self.y = [y[i] for i in keep]
        self.sizes = [int(sizes[i]) for i in keep]
        self.starts = [int(s) for s in np.cumsum([0] + self.sizes[:-1])]
        self.n = sum(self.sizes)


def _is_frame(data) -> bool:
    return hasattr(data, "to_dask_array") and hasattr(data, "npartitions")


def _blocks(session, collection, doing: str) -> list:
    """The partitions of a persisted dask array (one column chunk) or DataFrame, in order, as
    futures, once they are in the workers' memory."""
    futures = {f.key: f for f in distributed.futures_of(collection)}
    keys = collection.__dask_keys__()
    flat = [k[0] if isinstance(k, list) else k for k in keys]
    blocks = [futures[k] for k in flat]
    session.wait(blocks, doing)  # raises the error of a partition that could not be made
    return blocks


def _persist(session, template, network, loss, X, y) -> _Rows:
    """X and y persisted on the workers and checked there, partition by partition, once for
    the whole fit: numbers, finite, targets that the loss and the network's outputs accept."""
    client = session.client
    if not (isinstance(X, da.Array) or _is_frame(X)):
        raise ValueError(f"X must be a dask array or dask DataFrame, got {type(X).__name__}; "
                         "for rows in memory use network.fit, or make them a dask array: "
                         "dask.array.from_array(X, chunks=(rows_per_partition, -1))")
    if _is_frame(X):
        X = X.to_dask_array()
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, one row per example and {network.n_inputs} columns; "
                         f"got {X.ndim} dimensions")
    if X.dtype.kind not in "biuf":
        raise ValueError(f"X must hold numbers (int or float), got values of dtype {X.dtype}")
    if X.shape[1] != network.n_inputs:
        raise ValueError(f"X has {X.shape[1]} columns, but the network expects "
                         f"{network.n_inputs}")
    if X.numblocks[1] > 1:
        X = X.rechunk({1: -1})
    X = client.persist(X.astype(network.dtype))
    x_blocks = _blocks(session, X, "storing X on the workers")
    sizes = list(X.chunks[0])
    if any(math.isnan(size) for size in sizes):
        sizes = _lengths(session, x_blocks, "X")
    n = int(sum(sizes))
    if n == 0:
        raise ValueError("X is empty; expected at least one row")

    if isinstance(y, da.Array) or _is_frame(y):
        if _is_frame(y):
            y = y.to_dask_array()
        if y.ndim > 1 and y.numblocks[1] > 1:
            y = y.rechunk({1: -1})
        if not any(math.isnan(c) for c in y.chunks[0]):
            if y.shape[0] != n:
                raise ValueError(f"X has {n} rows but y has {y.shape[0]}; expected one "
                                 "target per row")
            if list(y.chunks[0]) != sizes:
                y = y.rechunk({0: tuple(sizes)})
    else:
        y = np.asarray(y)
        if y.ndim == 0 or len(y) != n:
            raise ValueError(f"X has {n} rows but y has "
                             f"{'no rows' if y.ndim == 0 else len(y)}; expected one target "
                             "per row")
        y = da.from_array(y, chunks=(tuple(sizes),) + y.shape[1:])
    if y.ndim not in (1, 2):
        raise ValueError(f"y must be 1-D or 2-D, got {y.ndim} dimensions")
    y = client.persist(y)
    y_blocks = _blocks(session, y, "storing y on the workers")
    if len(y_blocks) != len(x_blocks):
        raise ValueError(f"X has {len(x_blocks)} partitions but y has {len(y_blocks)}; give "
                         "them the same partitions (or give y as a dask array of known size)")
    if any(math.isnan(c) for c in y.chunks[0]):
        for i, (a, b) in enumerate(zip(sizes, _lengths(session, y_blocks, "y"))):
            if a != b:
                raise ValueError(f"partition {i} has {a} rows of X but {b} of y; give X and "
                                 "y the same partitions")
    session.held += x_blocks + y_blocks
    rows = _Rows(x_blocks, y_blocks, sizes)
    checks = [client.submit(_check_part, template, loss, start, X, y,
                            key=session.key("check"))
              for start, X, y in zip(rows.starts, rows.X, rows.y)]
    session.wait(checks, "checking the rows")
    return rows


def _lengths(session, blocks, name) -> list:
    lengths = session.client.map(len, blocks, key=[session.key("rows") for _ in blocks])
    session.wait(lengths, f"counting the rows of {name}")
    return [f.result() for f in lengths]


def _groups(threads: dict, holders: dict, rows: _Rows) -> list:
    """The partitions in groups, one per worker thread, each of partitions that the worker
    holds: [(worker address, [partition indices])], balanced by rows within a worker.
    ``threads``: each worker's threads; ``holders``: the workers holding each partition's X."""
    held = {address: [] for address in sorted(threads)}
    homeless = []
    for i, future in enumerate(rows.X):
        where = [a for a in holders.get(future.key, ()) if a in held]
        (held[where[0]] if where else homeless).append(i)
    for i in homeless:  # being recomputed: to the least loaded worker
        address = min(held, key=lambda a: sum(rows.sizes[j] for j in held[a]) / threads[a])
        held[address].append(i)
    groups = []
    for address, parts in held.items():
        if not parts:
            continue
        parts.sort()
        n_groups = max(1, min(threads[address], len(parts)))
        # Runs of neighbouring partitions, of about equal rows: partition i goes to the group
        # in which its last row falls.
        ends = np.cumsum([rows.sizes[i] for i in parts])
        labels = np.minimum(np.ceil(ends * n_groups / ends[-1]).astype(int) - 1, n_groups - 1)
        for label in range(n_groups):
            group = [i for i, own in zip(parts, labels) if own == label]
            if group:
                groups.append((address, group))
    return groups


# --- the tasks (run on the workers) ---------------------------------------------------------------


class _HeapReuse:
    """While neuronet's tasks run in a worker, the temporary arrays of each chunk are recycled
    from the heap. Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_ set, which also
    fixes glibc's mmap threshold at 128 KiB: every temporary larger than that would be a fresh
    mapping whose pages fault in again, chunk after chunk, which doubles the time of a pass
    over the rows. glibc's settings come back, and the heap's free memory goes back to the
    system, once no such task has run for ``IDLE`` seconds (so that the memory of one
    evaluation is still there for the next)."""

    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    IDLE = 10.0
    lock = threading.Lock()
    running = 0
    libc = None
    timer = None

    def __enter__(self):
        cls = type(self)
        with cls.lock:
            if cls.timer is not None:
                cls.timer.cancel()
                cls.timer = None
            if cls.libc is None and "MALLOC_TRIM_THRESHOLD_" in os.environ:
                cls.libc = _glibc()
                if cls.libc is not None:
                    cls.libc.mallopt(cls.M_MMAP_THRESHOLD, 32 << 20)
                    cls.libc.mallopt(cls.M_TRIM_THRESHOLD, 256 << 20)
            cls.running += 1
        return self

    def __exit__(self, *exc):
        cls = type(self)
        with cls.lock:
            cls.running -= 1
            if cls.running == 0 and cls.libc is not None:
                cls.timer = threading.Timer(cls.IDLE, cls.restore)
                cls.timer.daemon = True
                cls.timer.start()

    @classmethod
    def restore(cls) -> None:
        with cls.lock:
            if cls.running or cls.libc is None:  # a task began meanwhile
                return
            cls.libc.mallopt(cls.M_MMAP_THRESHOLD,
                             int(os.environ.get("MALLOC_MMAP_THRESHOLD_", 128 << 10)))
            cls.libc.mallopt(cls.M_TRIM_THRESHOLD, int(os.environ["MALLOC_TRIM_THRESHOLD_"]))
            cls.libc.malloc_trim(0)
            cls.libc = cls.timer = None


def _glibc():
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018 - glibc has both, musl and macOS not
    except (OSError, AttributeError):
        return None
    return libc


def _held(value):
    return value


def _add(*parts) -> dict:
    """The sum of partial results: every entry added, but "steps" (Adam's step count) the
    largest."""
    total = dict(parts[0])
    for part in parts[1:]:
        for name, value in part.items():
            total[name] = max(total[name], value) if name == "steps" else total[name] + value
    return total


def _on_rows(start, X, function, *args, **kwargs):
    """``function(*args)``, its ValueError saying which rows it is about."""
    try:
        return function(*args, **kwargs)
    except ValueError as exc:
        raise ValueError(f"rows {start} to {start + len(X) - 1}: {exc}") from None


def _packed(value) -> bytes:
    """``value`` pickled as one whole, to travel as one opaque message: every task that
    unpacks it works on its own copy, though tasks on one worker share what they receive."""
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _state_of(network, optimizer):
    """The optimizer's state (momentum, moment estimates) for the parameters the network
    trains, as one flat vector, or None if it keeps none. It travels as numbers: a copied
    network's parameters are new arrays, to which the optimizer's state is not bound."""
    arrays = optimizer.state_arrays(network._packed()[0])
    return np.concatenate([a.ravel() for a in arrays]) if arrays else None


def _set_state(network, optimizer, vector) -> None:
    steps = getattr(optimizer, "steps", None)  # Adam's count, reset when its state is made
    offset = 0
    for array in optimizer.state_arrays(network._packed()[0]):
        array[...] = vector[offset:offset + array.size].reshape(array.shape)
        offset += array.size
    if steps is not None:
        optimizer.steps = steps


def _working_copy(template: bytes, weights):
    network = pickle.loads(template)
    network.set_flat_weights(weights)
    return network


def _check_part(template, loss, start, X, y) -> None:
    """The checks of ``Network.fit``, on one partition: numbers, finite, and targets that the
    loss and the network's outputs accept (each pass after this one trusts them)."""
    network = pickle.loads(template)
    _on_rows(start, X, network.check_inputs, X)
    _on_rows(start, X, training._targets, network, loss, y, len(X))


def _loss_and_gradient_of(template, weights, loss, *blocks) -> dict:
    """The summed loss and gradient of the partitions ``blocks`` (their X then their y)."""
    network = _working_copy(template, weights)
    half = len(blocks) // 2
    total, gradient = 0.0, None
    with _HeapReuse():
        for X, y in zip(blocks[:half], blocks[half:]):
            Y, codes = training._targets(network, loss, y, len(X))
            value, part = training._total_loss_and_gradient(network, X, Y, codes, None, loss)
            total += value
            gradient = part if gradient is None else np.add(gradient, part, out=gradient)
    return {"loss": total, "gradient": gradient}


def _scores_of(template, weights, loss, names, *blocks) -> dict:
    """The metrics of the partitions ``blocks``, each times its rows (to be summed)."""
    network = _working_copy(template, weights)
    half = len(blocks) // 2
    sums = dict.fromkeys(names, 0.0)
    sums["rows"] = 0
    with _HeapReuse():
        for X, y in zip(blocks[:half], blocks[half:]):
            Y, codes = training._targets(network, loss, y, len(X))
            scores = training._score(network, X, Y, codes, loss,
                                     training._metrics(names, Y, codes))
            for name in names:
                sums[name] += scores[name] * len(X)
            sums["rows"] += len(X)
    return sums


def _held_out_scores_of(template, weights, loss, names, X, y) -> dict:
    """The loss and metrics of one partition of held-out rows, each times its rows (the loss
    as it is when it is a sum), to be summed."""
    network = _working_copy(template, weights)
    with _HeapReuse():
        Y, codes = training._targets(network, loss, y, len(X))
        scores = training._score(network, X, Y, codes, loss, training._metrics(names, Y, codes))
    sums = {name: scores[name] * len(X) for name in names}
    sums["loss"] = scores["loss"] * (1 if loss.summed else len(X))
    sums["rows"] = len(X)
    return sums


def _local_epoch(model, seed, index, start, settings, X, y) -> dict:
    """One round of model averaging on one partition: a copy of the network trained with a
    copy of the optimizer, its weights and state times its rows (to be summed and averaged)."""
    network, optimizer, state = pickle.loads(model)
    if state is not None:
        _set_state(network, optimizer, state)
    # The round keeps its learning rate: the schedule moves on at the client, once per round.
    optimizer.schedule = None
    # Reseeded in place: dropout layers hold the same generator.
    network.rng.bit_generator.state = np.random.default_rng([seed, index]).bit_generator.state
    batch_size, steps, shuffle = settings["batch_size"], settings["local_steps"], \
        settings["shuffle"]
    if steps is not None:  # this round's batches, drawn afresh from the partition's rows
        need = steps * (batch_size or len(X))
        order = np.concatenate([network.rng.permutation(len(X))
                                for _ in range(-(-need // len(X)))])[:need]
        X, y, shuffle = np.asarray(X)[order], np.asarray(y)[order], False
    try:
        with _HeapReuse():
            history = _on_rows(start, X, network.fit, X, y, loss=settings["loss"],
                               optimizer=optimizer, epochs=1, batch_size=batch_size,
                               shuffle=shuffle, metrics=settings["metrics"])
    except FloatingPointError:
        raise FloatingPointError(
            f"the loss became NaN or infinite while rows {start} to {start + len(X) - 1} "
            "trained (try a smaller learning rate, or scale the inputs)") from None
    n = len(X)
    state = _state_of(network, optimizer)
    part = {"rows": n, "weights": network.get_flat_weights() * n,
            "loss": history.loss[-1] * (1 if settings["summed"] else n)}
    if state is not None:
        part["state"] = state * n
    if hasattr(optimizer, "steps"):
        part["steps"] = optimizer.steps
    for name in settings["metrics"]:
        part[name] = history[name][-1] * n
    return part


# --- the two ways to train ------------------------------------------------------------------------


def _run_lbfgs(session, template, network, rows, loss, optimizer, max_iter, names, recorders,
               actors, per_batch, interrupt, history, settings) -> None:
    """Full-batch L-BFGS: each evaluation of loss and gradient is one pass of the workers over
    their partitions; the client only steps."""
    client = session.client
    params = network.parameters()
    # The mean loss over the rows plus the optimizer's penalty ½ Σ decay w², as in-process.
    divisor = 1.0 if loss.summed else float(rows.n)
    decay = optimizer.decay_vector(params, None if loss.summed else rows.n)
    placement = {"threads": None, "groups": None, "checked": -math.inf}

    def groups(doing):
        # Work goes where the partitions are; when workers come or go, the groups are made
        # anew (the work of a lost worker runs elsewhere meanwhile: the places are hints).
        if time.monotonic() - placement["checked"] > REGROUP_SECONDS:
            threads = session.ask("ncores", doing)
            if placement["threads"] != threads:
                holders = session.ask("who_has", doing, keys=[f.key for f in rows.X])
                placement.update(threads=threads, groups=_groups(threads, holders, rows))
            placement["checked"] = time.monotonic()
        return placement["groups"]

    def submit(task, what, weights, *args):
        # The weights travel inside the tasks, one per worker thread: each worker receives
        # them once, and a task that must run again elsewhere carries its own.
        parts = []
        for address, group in groups(f"placing the work of iteration {iteration[0] + 1}"):
            blocks = [rows.X[i] for i in group] + [rows.y[i] for i in group]
            parts.append(client.submit(
                task, template, weights, *args, *blocks,
                key=session.key(what), workers=[address], allow_other_workers=True))
        return session.tree_sum(parts)

    iteration = [0]

    def objective(x):
        total = session.retried(lambda: submit(_loss_and_gradient_of, "loss-and-gradient", x,
                                               loss),
                                f"computing the loss and gradient in iteration "
                                f"{iteration[0] + 1}")
        gradient = total["gradient"]
        gradient /= divisor
        gradient += decay * x
        return total["loss"] / divisor + 0.5 * float(np.dot(decay * x, x)), gradient

    def each_iteration(x, value):
        iteration[0] += 1
        network.set_flat_weights(x)
        logs = {"loss": value - 0.5 * float(np.dot(decay * x, x))}
        if names:
            sums = session.retried(lambda: submit(_scores_of, "scores", x, loss, names),
                                   f"scoring iteration {iteration[0]}")
            logs.update({name: sums[name] / sums["rows"] for name in names})
        if settings["validate"] is not None:
            logs.update(settings["validate"](x, f"validating iteration {iteration[0]}"))
        for duty in per_batch:
            duty.on_batch_end(1, rows.n)
        return training._epoch_end(iteration[0], logs, recorders, actors, interrupt.raised,
                                    history)

    training.minimize(network, optimizer, objective, max_iter, each_iteration,
                      recorders + actors, history)


def _run_averaging(session, template, network, rows, loss, optimizer, max_iter, names,
                   recorders, actors, per_batch, interrupt, history, settings) -> None:
    """Model averaging: every round, each partition trains a copy; the copies are averaged."""
    client = session.client
    settings = dict(settings, loss=loss, summed=loss.summed, metrics=names)
    validate = settings.pop("validate")  # stays here: the rest travels to the workers
    for round_ in range(1, max_iter + 1):
        for duty in recorders + actors:
            duty.on_epoch_begin(round_)
        state = _state_of(network, optimizer)  # at this round's learning rate
        seed = int(network.rng.integers(2**63))

        def submit(seed=seed, state=state):
            model = session.send("model", _packed((network, optimizer, state)))
            parts = [client.submit(_local_epoch, model, seed, i, rows.starts[i], settings,
                                   rows.X[i], rows.y[i], key=session.key("local-epoch"))
                     for i in range(len(rows.X))]
            return session.tree_sum(parts)

        total = session.retried(submit, f"training round {round_}")
        n = total["rows"]
        weights = total["weights"] / n
        if not np.isfinite(weights).all():
            raise FloatingPointError(f"the averaged weights of round {round_} are not finite; "
                                     "the network keeps those of the round before (try a "
                                     "smaller learning rate, or scale the inputs)")
        network.set_flat_weights(weights)
        if state is not None:
            _set_state(network, optimizer, total["state"] / n)
        if "steps" in total:
            optimizer.steps = total["steps"]
        logs = {"loss": total["loss"] if loss.summed else total["loss"] / n}
        logs.update({name: total[name] / n for name in names})
        if validate is not None:
            logs.update(validate(weights, f"validating round {round_}"))
        for duty in per_batch:
            duty.on_batch_end(1, rows.n)
        if training._epoch_end(round_, logs, recorders, actors, interrupt.raised, history):
            return


class _Validation:
    """Scores the held-out rows of ``validation_data`` with the weights of an iteration: one
    task per partition (the weights inside it), summed by the tree; gives ``val_loss`` and
    ``val_<metric>`` as ``Network.fit`` records them."""

    def __init__(self, session, template, rows, loss, names):
        self.session, self.template, self.rows = session, template, rows
        self.loss, self.names = loss, names

    def __call__(self, weights, doing) -> dict:
        session, rows = self.session, self.rows

        def submit():
            return session.tree_sum([
                session.client.submit(_held_out_scores_of, self.template, weights, self.loss,
                                      self.names, X, y, key=session.key("validation"))
                for X, y in zip(rows.X, rows.y)])

        sums = session.retried(submit, doing)
        n = sums["rows"]
        scores = {"val_loss": sums["loss"] if self.loss.summed else sums["loss"] / n}
        scores.update({f"val_{name}": sums[name] / n for name in self.names})
        return scores


class _NoImprovement(training.Callback):
    """Stops when the loss has not improved by at least ``tol`` for ``patience`` rounds
    (scikit-learn's rule for its stochastic solvers)."""

    def __init__(self, tol, patience):
        self.tol, self.patience = tol, patience
        self.best, self.waited = np.inf, 0

    def on_epoch_end(self, epoch, logs):
        if logs["loss"] > self.best - self.tol:
            self.waited += 1
        else:
            self.waited = 0
        self.best = min(self.best, logs["loss"])
        return self.waited >= self.patience
