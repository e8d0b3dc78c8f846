"""neuronet.dask.rows: the training rows persisted on a LocalCluster's workers and checked
there, partition by partition."""

import numpy as np
import pytest

pytest.importorskip("distributed")

import dask.array as da  # noqa: E402

import neuronet  # noqa: E402
from neuronet import losses  # noqa: E402
from neuronet.dask import rows as rows_module  # noqa: E402
from neuronet.dask.session import Session  # noqa: E402
from neuronet.dask.tasks import pickled  # noqa: E402


@pytest.fixture(scope="module")
def session(dask_client):
    return Session(dask_client, timeout=30)


@pytest.fixture
def net():
    return neuronet.Network.mlp([3, 4, 1], hidden="tanh", output="sigmoid", seed=0)


def _persist(session, net, X, y):
    loss = losses.get("binary_crossentropy")
    return rows_module.persist(session, pickled(net), net, loss, X, y)


def test_rows_keep_the_partitions_in_order_with_their_starts(session, net):
    X = np.arange(30.0).reshape(10, 3)
    y = (np.arange(10) % 2).astype(float)
    rows = _persist(session, net, da.from_array(X, chunks=((4, 0, 6), 3)), y)
    assert rows.sizes == [4, 6] and rows.starts == [0, 4] and rows.n == 10  # empty one left out
    np.testing.assert_array_equal(rows.X[1].result(), X[4:])
    np.testing.assert_array_equal(rows.y[0].result(), y[:4])
    assert rows.targets[1].result().rows(slice(0, 6))[:, 0].tolist() == y[4:].tolist()


def test_y_as_a_dask_array_is_rechunked_to_the_partitions_of_x(session, net):
    X = da.from_array(np.ones((8, 3)), chunks=(4, 3))
    y = da.from_array(np.array([0, 1] * 4, dtype=float), chunks=2)
    rows = _persist(session, net, X, y)
    assert [len(f.result()) for f in rows.y] == [4, 4]


@pytest.mark.parametrize("X, y, message", [
    (np.ones((4, 3)), np.ones(4), "X must be a dask array or dask DataFrame"),
    (da.ones((4, 2), chunks=2), np.ones(4), "X has 2 columns, but the network expects 3"),
    (da.ones((4, 3), chunks=2), np.ones(5), "X has 4 rows but y has 5"),
    (da.from_array(np.array([["a", "b", "c"]] * 2)), np.ones(2), "X must hold numbers"),
])
def test_persist_refuses_what_fit_cannot_use(session, net, X, y, message):
    with pytest.raises(ValueError, match=message):
        _persist(session, net, X, y)


def test_a_bad_row_is_named_by_its_place_in_the_whole(session, net):
    X = np.ones((8, 3))
    X[6, 0] = np.inf
    with pytest.raises(ValueError, match="rows 4 to 7"):
        _persist(session, net, da.from_array(X, chunks=(4, 3)), np.zeros(8))
