"""Training on a Dask cluster. The rows stay where Dask keeps them, partitioned on the workers;
what travels is the weights, out to the workers, and a loss and a gradient (or averaged
weights) back, added up on the way by a tree of small tasks.

The fit is the engine's own: the same ``training.Fit`` that ``Network.fit`` runs holds the
settings, the duties (History, validation, progress, callbacks), Ctrl-C and the L-BFGS loop.
What is distributed is only this: each partition's total is computed where it is held, with the
engine's own code (one task per worker thread, for the partitions that worker holds: see
``placement``), and the partitions' totals are added in a fixed tree by partition index
(``batches.sum_in_order``), never by which worker holds them or when they arrive. So the same
seed, data and partitions give bit-identical weights and History on every run, and the
in-process ``network.fit(..., optimizer="lbfgs", block_rows=<the partitions' sizes>)`` replays
an L-BFGS fit of the cluster bit for bit (with the workers' one BLAS thread).

Two ways to train, chosen by the optimizer:

- ``optimizer="lbfgs"`` (the default): full-batch L-BFGS, as Spark MLlib trains its
  perceptron. Every evaluation sends the weights inside one task per worker thread, placed
  where its partitions are (``placement``), which adds up the loss and gradient of each of those
  partitions on its own (``scoring.block_total``); the partitions' sums meet in the tree,
  eight at a time by partition index, whose root is the client, where L-BFGS steps.
- ``optimizer="sgd"``, ``"adam"`` or an SGD or Adam object: model averaging (local SGD). Every
  round, each partition trains its own copy of the network with the optimizer for one epoch of
  its rows (or ``local_steps`` batches), seeded by the round and its index; the copies'
  weights and optimizer states are averaged, weighted by rows, into the next round's start.

Needs the ``dask`` extra: ``pip install 'neuronet[dask]'``, with neuronet installed on the
workers too.
"""

from __future__ import annotations

import copy

import numpy as np

try:
    import dask.array  # noqa: F401 - the error below names the extra for both
    import distributed  # noqa: F401
except ImportError as exc:
    raise ImportError("neuronet.dask needs Dask and its distributed scheduler: "
                      "pip install 'neuronet[dask]'") from exc

from .. import optimizers, scoring, training
from .._checks import as_count, as_positive_float
from ..callbacks import NoImprovement
from ..metrics import METRICS
from .placement import Placement
from .rows import persist
from .session import ClusterError, ClusterTimeout, Session, client_of
from .tasks import local_epoch, loss_and_gradient_of, pickled, score_sums_of

__all__ = ["ClusterError", "ClusterTimeout", "fit"]


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
    network : the Network to train; its weights are the starting point and the result.
    X : a dask array or DataFrame of numbers, partitioned by rows.
    y : the targets, with the same rows.
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
    n_iter_no_change : the rounds without improvement that ``tol`` allows.
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

    Returns
    -------
    History

    Raises
    ------
    ValueError
        For data or settings that cannot train (the message names the rows or the setting).
    ClusterError
        When the cluster cannot finish an iteration (no scheduler, workers killed again and
        again); the network keeps the weights of the last iteration that finished.

    Notes
    -----
    Reproducible: the same seed, data and partitioning give bit-identical weights and History
    whichever worker holds which partition, and after a worker is lost (Dask recomputes its
    partitions from their source). Ctrl-C stops after the current iteration and keeps its
    weights.
    """
    optimizer = optimizers.get(optimizer)
    max_iter = as_count(max_iter, "max_iter", minimum=1)
    timeout = as_positive_float(timeout, "timeout")
    actors = []
    if optimizer.full_batch:
        if local_steps is not None:
            raise ValueError("local_steps applies to model averaging (SGD, Adam); L-BFGS uses "
                             "every row in each iteration")
        if tol is not None:
            optimizer = copy.deepcopy(optimizer)
            optimizer.tol = as_positive_float(tol, "tol", allow_zero=True)
    else:
        if batch_size is not None:
            batch_size = as_count(batch_size, "batch_size", minimum=1)
        if local_steps is not None:
            local_steps = as_count(local_steps, "local_steps", minimum=1)
        n_iter_no_change = as_count(n_iter_no_change, "n_iter_no_change", minimum=1)
        if tol is not None:
            actors.append(NoImprovement(as_positive_float(tol, "tol", allow_zero=True),
                                        n_iter_no_change))
    with training.Fit(network, loss=loss, optimizer=optimizer, epochs=max_iter,
                      metrics=metrics, callbacks=callbacks, progress=progress) as run:
        session = Session(client_of(client), timeout)
        try:
            return _fit(run, session, X, y, validation_data, actors,
                        dict(batch_size=batch_size, local_steps=local_steps, shuffle=shuffle))
        finally:
            session.release()


def _fit(run, session, X, y, validation_data, actors, settings):
    network, loss = run.network, run.loss
    template = session.send("network", pickled(network), hold=True)
    rows = persist(session, template, network, loss, X, y)
    validation = None
    if validation_data is not None:
        try:
            X_val, y_val = validation_data
        except (TypeError, ValueError):
            raise ValueError("validation_data must be a pair (X_val, y_val)") from None
        try:
            held_out = persist(session, template, network, loss, X_val, y_val)
        except ValueError as exc:
            raise ValueError(f"validation_data: {exc}") from None

        held_out_placement = Placement(session, held_out)

        def validation():
            return _scores(run, session, template, held_out, held_out_placement,
                           network.get_flat_weights(), "validating the iteration")

    if run.full_batch:
        def loop(run):
            _lbfgs(run, session, template, rows)
    else:
        def loop(run):
            _averaging(run, session, rows, settings)
    try:
        return run.train(loop, steps=1, examples=rows.n, validation=validation, actors=actors)
    except ClusterError as exc:
        done = run.history.epochs if run.history is not None else 0
        exc.iteration = done
        what = ("no iteration finished: the network keeps its starting weights" if not done
                else f"the network keeps the weights of iteration {done}, the last that "
                     "finished")
        exc.args = (f"{exc.args[0]}; {what}",)
        raise


def _per_partition(session, placement, task, what, rows, *args, doing):
    """The parts of ``task(*args, X blocks, y blocks)`` on each group of partitions, where the
    rows are: for partition i, (the future of its group's task, its place in that group). The
    arguments (the weights among them) travel inside the tasks, one per worker thread."""
    parts = [None] * len(rows.X)
    for address, group in placement.groups(doing):
        blocks = [rows.X[i] for i in group] + [rows.targets[i] for i in group]
        future = session.client.submit(task, *args, *blocks, key=session.key(what),
                                       workers=[address], allow_other_workers=True)
        for place, i in enumerate(group):
            parts[i] = (future, place)
    return parts


def _scores(run, session, template, rows, placement, weights, doing) -> dict:
    """The loss and metrics of the network with ``weights`` on the partitions of ``rows``."""
    names = run.metric_names

    def submit():
        return session.tree(_per_partition(session, placement, score_sums_of, "scores", rows,
                                           template, weights, run.loss, names, doing=doing))

    sums = session.retried(submit, doing)
    return scoring.score_values(sums, run.loss, {name: METRICS[name]() for name in names})


def _lbfgs(run, session, template, rows) -> None:
    """Full-batch L-BFGS: each evaluation of loss and gradient is one pass of the workers over
    their partitions; the client only steps (``Fit.minimize``)."""
    placement = Placement(session, rows)
    evaluations = [0]

    def total(x):
        evaluations[0] += 1
        doing = f"computing the loss and gradient (evaluation {evaluations[0]})"

        def submit():
            return session.tree(_per_partition(session, placement, loss_and_gradient_of,
                                               "loss-and-gradient", rows, template, x,
                                               run.loss, doing=doing))

        return session.retried(submit, doing)

    def scores(x):
        return _scores(run, session, template, rows, placement, x, "scoring the iteration")

    run.minimize(total, rows.n, scores=scores)


def _averaging(run, session, rows, settings) -> None:
    """Model averaging: every round, each partition trains a copy; the copies are averaged."""
    network, optimizer, loss, names = run.network, run.optimizer, run.loss, run.metric_names
    settings = dict(settings, loss=loss, summed=loss.summed, metrics=names)
    for round_ in range(1, run.epochs + 1):
        run.begin_epoch(round_)
        params = network.packed()[0]
        state = optimizer.state_vector(params)  # at this round's learning rate
        seed = int(network.rng.integers(2**63))

        def submit(seed=seed, state=state):
            model = session.send("model", pickled((network, optimizer, state)))
            parts = [session.client.submit(local_epoch, model, seed, i, rows.starts[i],
                                           settings, rows.X[i], rows.y[i],
                                           key=session.key("local-epoch"))
                     for i in range(len(rows.X))]
            return session.tree(parts)

        total = session.retried(submit, f"training round {round_}")
        n = total["rows"]
        weights = total["weights"] / n
        if not np.isfinite(weights).all():
            raise FloatingPointError(f"the averaged weights of round {round_} are not finite; "
                                     "the network keeps those of the round before (try a "
                                     "smaller learning rate, or scale the inputs)")
        network.set_flat_weights(weights)
        if state is not None:
            optimizer.set_state_vector(network.packed()[0], total["state"] / n)
        if "steps" in total:
            optimizer.steps = total["steps"]
        logs = {"loss": total["loss"] if loss.summed else total["loss"] / n}
        logs.update({name: total[name] / n for name in names})
        run.batch_end(1, rows.n)
        if run.end_epoch(round_, logs):
            return
