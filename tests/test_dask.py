"""neuronet.dask against a real cluster: a LocalCluster of two worker processes started and
closed by this module, and, for the faults of the scheduler itself, a scheduler and a worker
in processes of their own."""

import collections
import copy
import importlib
import os
import re
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

pytest.importorskip("distributed")

import dask.array as da  # noqa: E402
import distributed  # noqa: E402
from dask.utils import key_split  # noqa: E402

import neuronet  # noqa: E402
import neuronet.dask as nd  # noqa: E402


@pytest.fixture(scope="module")
def client(dask_client):
    return dask_client


def both_workers(client, timeout=240):
    """Wait until the cluster has its two workers again (a test before may have killed one).

    A killed worker comes back through its nanny; but in a race of distributed's own
    (dask/distributed#7312) the nanny closes for good instead, or stays up with no worker.
    Such a nanny is taken out of the cluster (a stuck one after a minute), which is then
    scaled back to two, so that one lost nanny fails no test."""
    cluster, deadline = client.cluster, time.monotonic() + timeout
    without_worker: dict = {}  # nanny -> when it was first seen with no worker
    while True:
        lost = [name for name, nanny in list(cluster.workers.items())
                if nanny.status.name in ("closed", "failed")]
        known, now = set(client.scheduler_info()["workers"]), time.monotonic()
        for name, nanny in list(cluster.workers.items()):
            if name in lost or getattr(nanny, "worker_address", None) in known:
                without_worker.pop(nanny, None)
            elif now - without_worker.setdefault(nanny, now) > 60:
                try:
                    cluster.sync(nanny.close, timeout=10)
                except Exception:  # noqa: BLE001 - it is replaced whichever way it ends
                    pass
                lost.append(name)
        for name in lost:
            cluster.workers.pop(name, None)
        if lost:
            cluster.scale(2)
        left = deadline - time.monotonic()
        try:
            client.wait_for_workers(2, timeout=max(1.0, min(15.0, left)))
            return client
        except (TimeoutError, distributed.TimeoutError, OSError):
            if left <= 15.0:
                raise


@pytest.fixture
def two_workers(client):
    """The cluster with both its workers."""
    return both_workers(client)


def rel_diff(a, b) -> float:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def classes(n=2400, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 5))
    y = (X[:, 0] * X[:, 1] + 0.3 * X[:, 2] > 0).astype(float)
    return X, y


def network(sizes=(5, 8, 1), output="sigmoid", seed=1):
    return neuronet.Network.mlp(list(sizes), hidden="tanh", output=output, seed=seed)


# --- 1. full-batch L-BFGS: the in-process fit's weights -----------------------------------------


def test_lbfgs_reaches_the_weights_of_the_in_process_fit(two_workers):
    X, y = classes()
    local = network()
    expected = local.fit(X, y, loss="binary_crossentropy", optimizer="lbfgs", epochs=25)
    net = network()
    history = nd.fit(net, da.from_array(X, chunks=(500, 5)), da.from_array(y, chunks=500),
                     loss="binary_crossentropy", max_iter=25, client=two_workers)
    assert isinstance(history, neuronet.History) and net.history is history
    assert history.epochs == expected.epochs == 25
    assert set(history.history) == set(expected.history) == {"loss", "accuracy"}
    assert rel_diff(net.get_flat_weights(), local.get_flat_weights()) < 1e-8
    np.testing.assert_allclose(history.loss, expected.loss, rtol=1e-9)
    assert history["accuracy"] == pytest.approx(expected["accuracy"], abs=1e-12)
    assert net.loss == "binary_crossentropy"


def test_lbfgs_with_class_labels_weight_decay_and_uneven_partitions(two_workers):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((1500, 4))
    labels = np.digitize(X[:, 0] + X[:, 1] * X[:, 2], [-0.5, 0.5]).astype(np.int64)
    make = lambda: neuronet.Network.mlp([4, 6, 3], hidden="relu", output="softmax", seed=2)  # noqa: E731
    local = make()
    local.fit(X, labels, loss="categorical_crossentropy", epochs=20, metrics=[],
              optimizer=neuronet.LBFGS(weight_decay=1e-3))
    net = make()
    chunks = ((100, 700, 1, 399, 300), (4,))
    history = nd.fit(net, da.from_array(X, chunks=chunks), labels,  # y in memory: split to match
                     loss="categorical_crossentropy", metrics=[],
                     optimizer=neuronet.LBFGS(weight_decay=1e-3), max_iter=20, tol=0.0)
    assert list(history.history) == ["loss"] and history.epochs == 20
    assert rel_diff(net.get_flat_weights(), local.get_flat_weights()) < 1e-8


def test_dask_dataframe_columns_and_target(two_workers):
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    X, y = classes(900, seed=5)
    frame = pd.DataFrame(X, columns=list("abcde")).assign(target=y)
    parts = dd.from_pandas(frame, npartitions=3)
    local = network()
    local.fit(X, y, loss="binary_crossentropy", optimizer="lbfgs", epochs=10)
    net = network()
    nd.fit(net, parts[list("abcde")], parts["target"], loss="binary_crossentropy", max_iter=10)
    assert rel_diff(net.get_flat_weights(), local.get_flat_weights()) < 1e-8


def test_the_work_is_named_on_the_dashboard_and_nothing_is_left_behind(two_workers):
    X, y = classes(1000)
    Xd = da.from_array(X, chunks=(250, 5))
    optimizer = neuronet.LBFGS()
    with distributed.get_task_stream(two_workers) as stream:
        nd.fit(network(), Xd, da.from_array(y, chunks=250), loss="binary_crossentropy",
               max_iter=3, optimizer=optimizer)
    # This fit's tasks only, by the token in their keys: on a loaded machine, tasks of a test
    # before (made again after a worker was killed) may still finish while the stream records.
    tokens = {_token(task["key"]) for task in stream.data
              if key_split(task["key"]) == "neuronet-network"}
    assert len(tokens) == 1, tokens
    token = tokens.pop()
    count = collections.Counter(key_split(task["key"]) for task in stream.data
                                if _token(task["key"]) == token)
    # The network sent once; each pass over the rows one task per worker thread (not one per
    # partition), the weights inside it, bringing back its partitions' sums side by side: 4
    # are few enough for the client to add them, in the order of the partitions.
    assert count["neuronet-network"] == 1
    assert count["neuronet-loss-and-gradient"] == 2 * optimizer.result.n_fun
    assert count["neuronet-scores"] == 2 * 3  # the accuracy of each of the 3 iterations
    assert count["neuronet-sum"] == 0
    # Nothing of the fit is left on the workers once it is done: the scheduler hears of the
    # released futures in its own time, so the test waits for that (a loaded machine may take
    # seconds), bounded so that keys that stay fail it rather than stall it.
    def left():
        return [key for key in two_workers.who_has() if _token(key) == token]

    assert wait_until(lambda: not left(), seconds=120), left()


def _token(key) -> str | None:
    """The fit's token in a task key "neuronet-<what>-<token>-<count>[-<part>]"."""
    found = re.search(r"^neuronet-[a-z-]+?-([0-9a-f]{8})-\d+", str(key))
    return found and found.group(1)


def wait_until(condition, seconds) -> bool:
    """Whether ``condition()`` came true, checked every tenth of a second for ``seconds`` at
    most: a wait for what a test needs, bounded so that it fails rather than stalls."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_lbfgs_is_bit_identical_on_every_run_and_replays_in_one_process(two_workers):
    """300 iterations, 8 partitions on 2 workers: the same weights and History bit for bit on
    a second run after one worker was restarted, and on a third during which a worker is
    killed (its partitions made again elsewhere); the in-process fit with the partitions as
    its blocks reaches them too. With one block, rounding differs from the first iteration,
    and L-BFGS carries that into other weights."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(21)
    X = rng.standard_normal((2000, 5))
    y = (X[:, 0] * X[:, 1] + 0.3 * X[:, 2] + 0.3 * rng.standard_normal(2000) > 0).astype(float)
    make = lambda: neuronet.Network.mlp([5, 16, 16, 1], hidden="tanh", output="sigmoid",  # noqa: E731
                                        seed=1)
    Xd, yd = da.from_array(X, chunks=(250, 5)), da.from_array(y, chunks=250)
    runs = []
    for run in range(3):
        callbacks = []
        if run == 1:
            two_workers.restart_workers([sorted(two_workers.nthreads())[0]])
            both_workers(two_workers)
        if run == 2:
            callbacks.append(lambda epoch, logs: epoch == 150 and kill_workers(two_workers, 1)
                             and None)
        net = make()
        history = nd.fit(net, Xd, yd, loss="binary_crossentropy", max_iter=300, metrics=[],
                         tol=0.0, callbacks=callbacks, timeout=30)
        runs.append((net.get_flat_weights(), history.history))
        both_workers(two_workers)
    (weights, record), *others = runs
    assert len(record["loss"]) == 300
    for again, again_record in others:
        assert np.array_equal(again, weights) and again_record == record
    with threadpool_limits(1):  # the workers' one BLAS thread
        local = make()
        replay = local.fit(X, y, loss="binary_crossentropy", optimizer=neuronet.LBFGS(tol=0.0),
                           epochs=300, metrics=[], block_rows=250)
        assert np.array_equal(local.get_flat_weights(), weights)
        assert replay.history == record
        whole = make()
        whole.fit(X, y, loss="binary_crossentropy", optimizer=neuronet.LBFGS(tol=0.0),
                  epochs=300, metrics=[])
    assert not np.array_equal(whole.get_flat_weights(), weights)


# --- 2. model averaging ---------------------------------------------------------------------------


def averaging_reference(net, optimizer, parts, rounds, batch_size):
    """Model averaging done by hand, in process: each partition's copy starts from the
    network's weights and the optimizer's state, trains one epoch with its own generator, then
    weights and optimizer states are averaged, weighted by rows."""
    n = sum(len(X) for X, _ in parts)
    for _ in range(rounds):
        seed = int(net.rng.integers(2**63))
        state = optimizer.state_vector(net.packed()[0])
        weights, states = 0, 0
        for i, (X, y) in enumerate(parts):
            copy_net, copy_opt = copy.deepcopy((net, optimizer))
            copy_opt.set_state_vector(copy_net.packed()[0], state)
            copy_net.rng.bit_generator.state = np.random.default_rng([seed, i]).bit_generator.state
            copy_net.fit(X, y, loss="binary_crossentropy", optimizer=copy_opt, epochs=1,
                         batch_size=batch_size)
            weights = weights + len(X) * copy_net.get_flat_weights()
            states = states + len(X) * copy_opt.state_vector(copy_net.packed()[0])
        net.set_flat_weights(weights / n)
        optimizer.set_state_vector(net.packed()[0], states / n)
        optimizer.end_epoch(n)
    return net


def test_model_averaging_is_the_average_of_the_partitions_copies(two_workers):
    X, y = classes(1200, seed=7)
    chunks = (100, 50, 150, 100, 80, 120, 100, 100, 60, 140, 100, 100)  # 12: a tree of sums
    bounds = np.cumsum((0,) + chunks)
    parts = [(X[a:b], y[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    expected = averaging_reference(network(), neuronet.SGD(0.05, momentum=0.9), parts, 3, 16)
    net = network()
    with distributed.get_task_stream(two_workers) as stream:
        history = nd.fit(net, da.from_array(X, chunks=(chunks, 5)),
                         da.from_array(y, chunks=chunks), loss="binary_crossentropy",
                         optimizer=neuronet.SGD(0.05, momentum=0.9), max_iter=3, batch_size=16)
    assert history.epochs == 3 and set(history.history) == {"loss", "accuracy"}
    count = collections.Counter(key_split(task["key"]) for task in stream.data)
    assert count["neuronet-model"] == 3 and count["neuronet-local-epoch"] == 3 * 12
    # 12 partial results a round: two sums on the workers (of 8 and 4), added by the client.
    assert count["neuronet-sum"] == 3 * 2
    assert rel_diff(net.get_flat_weights(), expected.get_flat_weights()) < 1e-12


def test_model_averaging_is_reproducible_and_learns(two_workers):
    X, y = classes(2000, seed=8)
    Xd, yd = da.from_array(X, chunks=(500, 5)), da.from_array(y, chunks=500)
    runs = []
    for seed in (4, 4, 5):
        net = network(seed=seed)
        optimizer = neuronet.Adam(0.01)
        history = nd.fit(net, Xd, yd, loss="binary_crossentropy", optimizer=optimizer,
                         max_iter=8, batch_size=32)
        runs.append((net.get_flat_weights(), history))
    (first, h1), (second, h2), (other, _) = runs
    assert np.array_equal(first, second) and h1.history == h2.history
    assert not np.allclose(first, other)
    assert optimizer.epochs == 8 and optimizer.examples == 8 * 2000
    assert optimizer.steps == 8 * (500 // 32 + 1)  # the partitions' Adam steps, carried on
    # Two partitions: each round advances about as far as an epoch of half the steps.
    net = network(seed=4)
    history = nd.fit(net, da.from_array(X, chunks=(1000, 5)), da.from_array(y, chunks=1000),
                     loss="binary_crossentropy", optimizer=neuronet.SGD(0.1, momentum=0.9),
                     max_iter=8)
    assert history.loss[-1] < 0.5 * history.loss[0] and history["accuracy"][-1] > 0.9


def test_local_steps_and_tol(two_workers):
    X, y = classes(800, seed=9)
    Xd, yd = da.from_array(X, chunks=(200, 5)), da.from_array(y, chunks=200)
    optimizer = neuronet.Adam(0.01)
    nd.fit(network(), Xd, yd, loss="binary_crossentropy", optimizer=optimizer, max_iter=2,
           local_steps=3, batch_size=50)
    assert optimizer.steps == 6  # three batches per partition and round
    history = nd.fit(network(), Xd, yd, loss="binary_crossentropy", optimizer="sgd",
                     max_iter=50, tol=1e9, n_iter_no_change=2)
    assert history.epochs == 3  # no round improves by 1e9: stopped after two without


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_ctrl_c_stops_after_the_current_iteration_and_keeps_it(two_workers, optimizer):
    X, y = classes(800, seed=10)
    Xd, yd = da.from_array(X, chunks=(200, 5)), da.from_array(y, chunks=200)

    def ctrl_c(epoch, logs):
        if epoch == 2:  # as if pressed while iteration 3 begins
            os.kill(os.getpid(), signal.SIGINT)

    net = network()
    history = nd.fit(net, Xd, yd, loss="binary_crossentropy", optimizer=optimizer,
                     max_iter=20, callbacks=[ctrl_c], progress=True)
    assert history.interrupted and history.epochs == 3
    # The weights of the third iteration, as a fit of three iterations leaves them.
    three = network()
    nd.fit(three, Xd, yd, loss="binary_crossentropy", optimizer=optimizer, max_iter=3)
    assert rel_diff(net.get_flat_weights(), three.get_flat_weights()) < 1e-8


# --- 4. search on a cluster -----------------------------------------------------------------------


def test_grid_and_randomized_search_under_joblibs_dask_backend_equal_n_jobs_1(two_workers):
    pytest.importorskip("sklearn")
    import joblib
    from sklearn.datasets import load_iris
    from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from neuronet.sklearn import NetClassifier

    X, y = load_iris(return_X_y=True)
    model = make_pipeline(StandardScaler(), NetClassifier(max_iter=60, random_state=0))
    grid = {"netclassifier__hidden_layer_sizes": [(4,), (8,)],
            "netclassifier__alpha": [1e-4, 1e-1]}
    searches = [
        lambda n_jobs: GridSearchCV(model, grid, cv=3, n_jobs=n_jobs),
        lambda n_jobs: RandomizedSearchCV(
            model, {"netclassifier__learning_rate_init": [1e-3, 1e-2, 3e-2, 1e-1]}, n_iter=3,
            cv=3, random_state=0, n_jobs=n_jobs),
    ]
    for make in searches:
        alone = make(1).fit(X, y)
        with distributed.get_task_stream(two_workers) as stream:
            with joblib.parallel_backend("dask"):
                spread = make(None).fit(X, y)
        assert len({task["worker"] for task in stream.data}) == 2  # both workers took part
        assert spread.best_params_ == alone.best_params_
        assert [p for p in spread.cv_results_["params"]] == alone.cv_results_["params"]
        for key in ("mean_test_score", "split0_test_score", "split1_test_score",
                    "split2_test_score", "rank_test_score"):
            np.testing.assert_allclose(spread.cv_results_[key], alone.cv_results_[key],
                                       rtol=1e-12)
        np.testing.assert_allclose(spread.predict_proba(X), alone.predict_proba(X), rtol=1e-10)


# --- 5. faults ------------------------------------------------------------------------------------


def kill_workers(client, how_many):
    pids = list(client.run(os.getpid).values())[:how_many]
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    return pids


@pytest.mark.parametrize("how_many", [1, 2])
def test_workers_killed_during_the_fit_do_not_lose_it(two_workers, how_many):
    X, y = classes(2000, seed=11)
    local = network()
    local.fit(X, y, loss="binary_crossentropy", optimizer="lbfgs", epochs=12)
    killed = []

    def kill(epoch, logs):
        if epoch == 4:
            killed.extend(kill_workers(two_workers, how_many))

    net = network()
    history = nd.fit(net, da.from_array(X, chunks=(400, 5)), da.from_array(y, chunks=400),
                     loss="binary_crossentropy", max_iter=12, callbacks=[kill], timeout=30)
    assert len(killed) == how_many and history.epochs == 12
    # The lost partitions were made again from their source: the fit went on to the same end.
    assert rel_diff(net.get_flat_weights(), local.get_flat_weights()) < 1e-8
    both_workers(two_workers)
    assert not set(killed) & set(two_workers.run(os.getpid).values())


def test_a_worker_killed_during_model_averaging_changes_nothing(two_workers):
    X, y = classes(1000, seed=12)
    Xd, yd = da.from_array(X, chunks=(250, 5)), da.from_array(y, chunks=250)
    results = []
    for kill_at in (None, 2):
        def kill(epoch, logs, kill_at=kill_at):
            if epoch == kill_at:
                kill_workers(two_workers, 1)

        net = network()
        nd.fit(net, Xd, yd, loss="binary_crossentropy", optimizer=neuronet.Adam(0.01),
               max_iter=4, callbacks=[kill], timeout=30)
        results.append(net.get_flat_weights())
        both_workers(two_workers)
    assert np.array_equal(results[0], results[1])


class SeparateCluster:
    """A scheduler and one worker, each in a process of its own, that a test may kill."""

    def __init__(self, tmp_path):
        self.file = tmp_path / "scheduler.json"
        python = [sys.executable, "-m"]
        quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.scheduler = subprocess.Popen(
            python + ["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                      "--no-dashboard", "--scheduler-file", str(self.file)], **quiet)
        self.worker = subprocess.Popen(
            python + ["distributed.cli.dask_worker", "--scheduler-file", str(self.file),
                      "--nthreads", "1", "--no-nanny", "--no-dashboard"], **quiet)
        # Waits for the scheduler's file and its first worker, as long as a loaded machine
        # takes to start them (bounded: a scheduler that never starts fails the test).
        assert wait_until(self.file.exists, seconds=120), "the scheduler did not start"
        self.client = distributed.Client(scheduler_file=str(self.file), timeout=60,
                                         set_as_default=False)
        self.client.wait_for_workers(1, timeout=120)
        # The worker imports neuronet for its first task: done now, not inside a fit whose
        # timeout a test measures.
        self.client.run(lambda: importlib.import_module("neuronet.dask.tasks") and None)

    def close(self):
        for process in (self.scheduler, self.worker):
            process.kill()
            process.wait(timeout=30)
        try:
            self.client.close(timeout=5)
        except Exception:  # the scheduler is gone: nothing to close politely
            pass


@pytest.fixture
def separate(tmp_path):
    cluster = SeparateCluster(tmp_path)
    yield cluster
    cluster.close()


def fit_until_fault(cluster, fault, timeout):
    """Fit on the separate cluster, ``fault(cluster)`` after iteration 3, in a thread bounded in
    time so that a hang fails the test instead of stalling it; return the network and the
    error the fit raised."""
    X, y = classes(1000, seed=13)
    net = network()
    outcome = {}

    def fault_after_3(epoch, logs):
        if epoch == 3:
            fault(cluster)

    def run():
        try:
            nd.fit(net, da.from_array(X, chunks=(250, 5)), da.from_array(y, chunks=250),
                   loss="binary_crossentropy", max_iter=50, client=cluster.client,
                   callbacks=[fault_after_3], timeout=timeout)
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(300)
    assert not thread.is_alive(), "the fit hung"
    local = network()
    local.fit(X, y, loss="binary_crossentropy", optimizer="lbfgs", epochs=3)
    return net, local, outcome.get("error")


def test_a_lost_scheduler_stops_the_fit_with_a_clear_error(separate):
    net, local, error = fit_until_fault(separate, lambda c: c.scheduler.kill(), timeout=60)
    assert isinstance(error, nd.ClusterError)
    assert "lost the connection to the Dask scheduler" in str(error)
    assert "keeps the weights of iteration 3" in str(error) and error.iteration == 3
    assert net.history.epochs == 3
    assert rel_diff(net.get_flat_weights(), local.get_flat_weights()) < 1e-8


def test_a_silent_scheduler_times_out(separate):
    # 5 s: long enough that a loaded machine's slow answers before the fault are no silence.
    net, local, error = fit_until_fault(
        separate, lambda c: c.scheduler.send_signal(signal.SIGSTOP), timeout=5)
    assert isinstance(error, nd.ClusterTimeout) and isinstance(error, TimeoutError)
    assert "did not answer for 5 s" in str(error) and error.iteration == 3
    assert rel_diff(net.get_flat_weights(), local.get_flat_weights()) < 1e-8


def test_a_scheduler_without_workers_times_out(separate):
    net, local, error = fit_until_fault(separate, lambda c: c.worker.kill(), timeout=5)
    assert isinstance(error, nd.ClusterTimeout)
    assert "has had no workers for 5 s" in str(error)
    assert rel_diff(net.get_flat_weights(), local.get_flat_weights()) < 1e-8


# --- the edges ------------------------------------------------------------------------------------


def test_errors_say_what_was_wrong(two_workers):
    X, y = classes(400)
    Xd, yd = da.from_array(X, chunks=(100, 5)), da.from_array(y, chunks=100)
    cases = [
        (dict(X=X), "X must be a dask array or dask DataFrame, got ndarray"),
        (dict(X=Xd[:, :4]), "X has 4 columns, but the network expects 5"),
        (dict(y=yd[:300]), "X has 400 rows but y has 300"),
        (dict(y=y[:10]), "X has 400 rows but y has 10"),
        (dict(X=da.from_array(np.array([["a"] * 5] * 4), chunks=2)), "must hold numbers"),
        (dict(y=yd * 3), "rows 0 to 99: binary_crossentropy needs targets between 0 and 1"),
        (dict(local_steps=2), "local_steps applies to model averaging"),
        (dict(timeout=0), "timeout must be a finite number greater than zero"),
    ]
    bad = X.copy()
    bad[250, 2] = np.nan
    cases.append((dict(X=da.from_array(bad, chunks=(100, 5))),
                  "rows 200 to 299: X holds NaN or infinity (first at index [50, 2])"))
    for change, message in cases:
        arguments = dict(X=Xd, y=yd, loss="binary_crossentropy", max_iter=2, client=two_workers)
        arguments.update(change)
        net = network()
        before = net.get_flat_weights()
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")
                           .replace("[", r"\[").replace("]", r"\]")):
            nd.fit(net, **arguments)
        assert np.array_equal(net.get_flat_weights(), before)
    dropout = neuronet.Network([neuronet.Dense(5, 4, "relu"), neuronet.Dropout(0.5),
                                neuronet.Dense(4, 1)], seed=0)
    with pytest.raises(ValueError, match="Dropout"):
        nd.fit(dropout, Xd, yd, loss="binary_crossentropy")


def test_without_a_client_the_error_says_how_to_get_one():
    code = ("import numpy as np, dask.array as da, neuronet, neuronet.dask as nd\n"
            "net = neuronet.Network.mlp([2, 1], output='identity')\n"
            "X = da.zeros((4, 2), chunks=2)\n"
            "try:\n    nd.fit(net, X, np.zeros(4), loss='mse')\n"
            "except ValueError as exc:\n    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert "needs a Dask client: pass client=distributed.Client(address)" in done.stdout


def test_without_dask_the_import_names_the_extra():
    code = ("import sys\nsys.modules['distributed'] = None\n"
            "try:\n    import neuronet.dask\n"
            "except ImportError as exc:\n    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert "pip install 'neuronet[dask]'" in done.stdout


def test_temporaries_are_recycled_while_tasks_run_and_released_after():
    code = ("import neuronet.dask as nd\n"
            "nd.tasks.HeapReuse.IDLE = 0.05\n"
            "with nd.tasks.HeapReuse():\n"
            "    with nd.tasks.HeapReuse():\n"
            "        assert nd.tasks.HeapReuse.running == 2\n"
            "        print(nd.tasks.HeapReuse.libc is not None)\n"
            "    assert nd.tasks.HeapReuse.timer is None\n"
            "timer = nd.tasks.HeapReuse.timer\n"
            "if timer is not None:\n"
            "    with nd.tasks.HeapReuse():  # a task soon after: the heap stays as it is\n"
            "        assert timer.finished.is_set()\n"
            "    nd.tasks.HeapReuse.timer.join(120)  # returns once the heap is restored\n"
            "assert nd.tasks.HeapReuse.running == 0\n"
            "assert nd.tasks.HeapReuse.libc is None and nd.tasks.HeapReuse.timer is None\n")
    for trim, changed in (("65536", "True"), (None, "False")):
        env = {k: v for k, v in os.environ.items() if k != "MALLOC_TRIM_THRESHOLD_"}
        if trim:
            env["MALLOC_TRIM_THRESHOLD_"] = trim  # as Dask's nanny sets it
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == changed  # without Dask's setting, glibc is left alone


# --- what model averaging and shipping networks rely on ----------------------------------------


def test_optimizer_state_arrays_are_the_state_itself():
    X, y = classes(64)
    for optimizer, count in ((neuronet.SGD(0.1), 0), (neuronet.SGD(0.1, momentum=0.9), 1),
                             (neuronet.Adam(0.01), 2)):
        net = network()
        trained = net.packed()[0]  # what fit steps: the parameters in one block
        state = optimizer.state_arrays(trained)
        assert len(state) == count and all(not a.any() for a in state)
        net.fit(X, y, loss="binary_crossentropy", optimizer=optimizer, epochs=1)
        again = optimizer.state_arrays(net.packed()[0])
        assert all(a is b for a, b in zip(state, again))  # fit kept the same state
        assert count == 0 or all(a.any() for a in state)
        for array in state:
            array[...] = 0  # changing them changes the optimizer's state
        assert all(not a.any() for a in optimizer.state_arrays(net.packed()[0]))
    # SGD's momentum comes at the current learning rate, whatever a schedule did to it.
    net, optimizer = network(), neuronet.SGD(0.1, momentum=0.9)
    net.fit(X, y, loss="binary_crossentropy", optimizer=optimizer, epochs=1)
    (velocity,) = optimizer.state_arrays(net.packed()[0])
    before = velocity.copy()
    optimizer.learning_rate = 0.05
    (velocity,) = optimizer.state_arrays(net.packed()[0])
    np.testing.assert_allclose(velocity, before / 2)


def test_a_network_pickles_without_its_buffers_even_during_fit():
    import pickle

    X, y = classes(5000)
    net = network()
    net.fit(X, y, loss="binary_crossentropy", optimizer="lbfgs", epochs=2)
    size = len(pickle.dumps(net))
    assert size < 20_000  # weights and settings, not the chunks' buffers (megabytes)
    copies = []
    net.fit(X, y, loss="binary_crossentropy", epochs=1,
            callbacks=[lambda epoch, logs: copies.append(copy.deepcopy(net))])
    (inside,) = copies
    inside.fit(X[:10], y[:10], loss="binary_crossentropy", epochs=1)  # not "being fitted"
