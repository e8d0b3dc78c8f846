"""neuronet.dask.tasks: what runs on a worker, one partition at a time. Called here in this
process on plain arrays: a task gives what the in-process engine gives on the same rows."""

import pickle

import numpy as np
import pytest

pytest.importorskip("distributed")

import neuronet  # noqa: E402
from neuronet import losses  # noqa: E402
from neuronet.dask import tasks  # noqa: E402


@pytest.fixture
def net():
    return neuronet.Network.mlp([3, 5, 1], hidden="tanh", output="sigmoid", seed=2)


@pytest.fixture
def rows():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    return X, (X[:, 0] > 0).astype(float)


def test_working_copy_is_the_template_with_the_weights_given(net):
    weights = np.arange(net.n_parameters(), dtype=float) / 100
    copy = tasks.working_copy(tasks.pickled(net), weights)
    np.testing.assert_array_equal(copy.get_flat_weights(), weights)
    assert not np.array_equal(net.get_flat_weights(), weights)  # the template is untouched


def test_check_part_prepares_targets_and_names_the_rows(net, rows):
    X, y = rows
    template = tasks.pickled(net)
    loss = losses.get("binary_crossentropy")
    prepared = tasks.check_part(template, loss, 100, X, y)
    np.testing.assert_array_equal(prepared.rows(slice(0, 50))[:, 0], y)
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="rows 100 to 149"):
        tasks.check_part(template, loss, 100, bad, y)


def test_loss_and_gradient_of_each_partition_adds_up_to_the_in_process_one(net, rows):
    X, y = rows
    template = tasks.pickled(net)
    loss = losses.get("binary_crossentropy")
    parts = [(X[:20], y[:20]), (X[20:], y[20:])]
    prepared = [tasks.check_part(template, loss, 0, a, b) for a, b in parts]
    totals = tasks.loss_and_gradient_of(template, net.get_flat_weights(), loss,
                                        parts[0][0], parts[1][0], *prepared)
    assert len(totals) == 2
    value, gradient = net.loss_and_gradient(X, y, "binary_crossentropy")
    # Both are sums over the rows: the two partitions' totals add up to the whole one's.
    assert totals[0]["loss"] + totals[1]["loss"] == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(totals[0]["gradient"] + totals[1]["gradient"], gradient,
                               rtol=1e-10)


def test_score_sums_of_count_the_rows_and_the_metrics(net, rows):
    X, y = rows
    template = tasks.pickled(net)
    loss = losses.get("binary_crossentropy")
    prepared = tasks.check_part(template, loss, 0, X, y)
    (sums,) = tasks.score_sums_of(template, net.get_flat_weights(), loss, ["accuracy"], X,
                                  prepared)
    assert sums["rows"] == 50
    scores = net.evaluate(X, y, loss="binary_crossentropy", metrics=["accuracy"])
    assert sums["loss"] / 50 == pytest.approx(scores["loss"], rel=1e-12)


def test_local_epoch_is_one_fit_on_the_partition_weighted_by_its_rows(net, rows):
    X, y = rows
    settings = dict(loss="binary_crossentropy", batch_size=10, local_steps=None,
                    shuffle=False, metrics=["accuracy"], summed=False)
    model = pickle.dumps((net, neuronet.SGD(0.1), None))
    part = tasks.local_epoch(model, 0, 0, 0, settings, X, y)
    alone = pickle.loads(pickle.dumps(net))
    history = alone.fit(X, y, loss="binary_crossentropy", optimizer=neuronet.SGD(0.1),
                        epochs=1, batch_size=10, shuffle=False, metrics=["accuracy"])
    assert part["rows"] == 50
    np.testing.assert_array_equal(part["weights"], alone.get_flat_weights() * 50)
    assert part["loss"] / 50 == pytest.approx(history.loss[-1])
    assert part["accuracy"] / 50 == pytest.approx(history["accuracy"][-1])


def test_on_rows_names_the_rows_of_a_value_error():
    def refuse():
        raise ValueError("bad value")

    with pytest.raises(ValueError, match="rows 10 to 14: bad value"):
        tasks.on_rows(10, np.zeros(5), refuse)
    assert tasks.on_rows(0, np.zeros(5), lambda a: a + 1, 1) == 2


def test_heap_reuse_counts_the_tasks_running(monkeypatch):
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    before = tasks.HeapReuse.running
    with tasks.HeapReuse():
        assert tasks.HeapReuse.running == before + 1
        with tasks.HeapReuse():
            assert tasks.HeapReuse.running == before + 2
    assert tasks.HeapReuse.running == before
