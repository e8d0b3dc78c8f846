"""The tasks that run on a cluster's workers, each on one partition of the rows.

Each task computes what the in-process engine computes on the same rows, with the same code
(``scoring.block_total``, ``scoring.score_sums``, ``Network.fit``), and returns it as a dict
of sums, which ``batches.add`` adds up in a fixed tree by partition index."""

from __future__ import annotations

import os
import pickle
import threading

import numpy as np

from .. import scoring, targets
from ..metrics import build as build_metrics


class HeapReuse:
    """While neuronet's tasks run in a worker, the temporary arrays of each chunk are recycled
    from the heap.

    Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_`` set, which also fixes glibc's mmap
    threshold at 128 KiB: every temporary larger than that would be a fresh mapping whose pages
    fault in again, chunk after chunk, which doubles the time of a pass over the rows. glibc's
    settings come back, and the heap's free memory goes back to the system, once no such task
    has run for ``IDLE`` seconds (so that the memory of one evaluation is still there for the
    next)."""

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
        """glibc's own settings again, and the heap's free memory back to the system."""
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


def pickled(value) -> bytes:
    """``value`` pickled as one whole, to travel as one opaque message: every task that
    unpacks it works on its own copy, though tasks on one worker share what they receive.

    Parameters
    ----------
    value : anything picklable.

    Returns
    -------
    bytes
    """
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def on_rows(start, X, function, *args, **kwargs):
    """``function(*args)``, its ValueError saying which rows it is about.

    Parameters
    ----------
    start : the partition's first row.
    X : the partition's inputs (for their number).
    function : what to call.
    *args, **kwargs : its arguments.

    Returns
    -------
    object
        What ``function`` returns.

    Raises
    ------
    ValueError
        Its message preceded by the rows.
    """
    try:
        return function(*args, **kwargs)
    except ValueError as exc:
        raise ValueError(f"rows {start} to {start + len(X) - 1}: {exc}") from None


def working_copy(template: bytes, weights):
    """The network of ``template`` (pickled) with the flat ``weights``.

    Parameters
    ----------
    template : the pickled network.
    weights : a flat vector of its weights.

    Returns
    -------
    Network
    """
    network = pickle.loads(template)
    network.set_flat_weights(weights)
    return network


def check_part(template, loss, start, X, y):
    """The checks of ``Network.fit``, on one partition: numbers, finite, and targets that the
    loss and the network's outputs accept; returns the targets as ``targets.prepare`` makes
    them, kept on the worker for every pass after this one, which trusts them.

    Parameters
    ----------
    template : the pickled network.
    loss : the Loss.
    start : the partition's first row.
    X, y : the partition's inputs and targets.

    Returns
    -------
    Targets

    Raises
    ------
    ValueError
        Naming the rows.
    """
    network = pickle.loads(template)
    on_rows(start, X, network.check_inputs, X)
    return on_rows(start, X, targets.prepare, network, loss, y, len(X))


def _partitions(blocks):
    """The pairs (X, targets) of a group's partitions, given as their X blocks then their
    targets (as ``check_part`` prepared them)."""
    half = len(blocks) // 2
    return zip(blocks[:half], blocks[half:])


def loss_and_gradient_of(template, weights, loss, *blocks) -> list:
    """The summed loss and its gradient over each partition of a group (its X blocks, then its
    targets), each on its own (``scoring.block_total``): a list, one total per partition.

    Parameters
    ----------
    template : the pickled network.
    weights : a flat vector of its weights.
    loss : the Loss.
    *blocks : the group's X blocks, then their targets.

    Returns
    -------
    list of dict
    """
    network = working_copy(template, weights)
    with HeapReuse():
        return [scoring.block_total(network, X, ys, None, loss)
                for X, ys in _partitions(blocks)]


def score_sums_of(template, weights, loss, names, *blocks) -> list:
    """The loss and metrics' sums over each partition of a group (``scoring.score_sums``).

    Parameters
    ----------
    template : the pickled network.
    weights : a flat vector of its weights.
    loss : the Loss.
    names : the metrics' names.
    *blocks : the group's X blocks, then their targets.

    Returns
    -------
    list of dict
    """
    network = working_copy(template, weights)
    with HeapReuse():
        return [scoring.score_sums(network, X, ys, loss, build_metrics(names, ys))
                for X, ys in _partitions(blocks)]


def local_epoch(model, seed, index, start, settings, X, y) -> dict:
    """One round of model averaging on one partition: a copy of the network trained with a
    copy of the optimizer, its weights and state times its rows (to be summed and averaged).

    Parameters
    ----------
    model : the pickled (network, optimizer, optimizer state).
    seed : the round's seed.
    index : the partition's index.
    start : its first row.
    settings : the round's batch size, shuffle and steps.
    X, y : the partition's inputs and targets.

    Returns
    -------
    dict
    """
    network, optimizer, state = pickle.loads(model)
    params = network.packed()[0]
    if state is not None:
        optimizer.set_state_vector(params, state)
    # The round keeps its learning rate: the schedule moves on at the client, once per round.
    optimizer.schedule = None
    # Reseeded in place: dropout layers hold the same generator.
    network.rng.bit_generator.state = np.random.default_rng([seed, index]).bit_generator.state
    batch_size, steps, shuffle = (settings["batch_size"], settings["local_steps"],
                                  settings["shuffle"])
    if steps is not None:  # this round's batches, drawn afresh from the partition's rows
        need = steps * (batch_size or len(X))
        order = np.concatenate([network.rng.permutation(len(X))
                                for _ in range(-(-need // len(X)))])[:need]
        X, y, shuffle = np.asarray(X)[order], np.asarray(y)[order], False
    try:
        with HeapReuse():
            history = on_rows(start, X, network.fit, X, y, loss=settings["loss"],
                              optimizer=optimizer, epochs=1, batch_size=batch_size,
                              shuffle=shuffle, metrics=settings["metrics"])
    except FloatingPointError:
        raise FloatingPointError(
            f"the loss became NaN or infinite while rows {start} to {start + len(X) - 1} "
            "trained (try a smaller learning rate, or scale the inputs)") from None
    n = len(X)
    state = optimizer.state_vector(network.packed()[0])
    part = {"rows": n, "weights": network.get_flat_weights() * n,
            "loss": history.loss[-1] * (1 if settings["summed"] else n)}
    if state is not None:
        part["state"] = state * n
    if hasattr(optimizer, "steps"):
        part["steps"] = optimizer.steps
    for name in settings["metrics"]:
        part[name] = history[name][-1] * n
    return part
