"""Sources of batches, and the fixed order in which full-batch totals are added."""

import numpy as np
import pytest
from scipy import sparse

from neuronet import batches
from neuronet.targets import Targets


def _rows(n=23, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 4)), Targets(np.eye(k), rng.integers(0, k, n))


@pytest.mark.parametrize("kind", ["memory", "disk", "sparse"])
def test_an_epoch_gives_every_training_row_once_with_its_own_target(kind, tmp_path):
    X, targets = _rows()
    data = X
    if kind == "disk":
        data = np.lib.format.open_memmap(tmp_path / "X.npy", mode="w+", dtype=X.dtype,
                                         shape=X.shape)
        data[...] = X
    elif kind == "sparse":
        data = sparse.csr_matrix(X)
    rows = np.array([0, 2, 3, 5, 8, 13, 21, 22])
    source = batches.source_for(data, targets, None, rows, 3, np.float64, lazy=kind == "disk",
                                sparse=kind == "sparse", keep_sparse=False)
    assert source.n == 8 and source.steps() == 3
    order = source.order(np.random.default_rng(1), shuffle=True)
    assert sorted(order) == rows.tolist()
    seen = []
    for xb, yb, wb, labels in source.epoch(order):
        assert wb is None and len(xb) == len(yb) == len(labels) <= 3
        for x, y, label in zip(np.asarray(xb), yb, labels):
            (row,) = np.flatnonzero((X == x).all(axis=1))
            assert targets.codes[row] == label and y.argmax() == label
            seen.append(row)
    assert sorted(seen) == rows.tolist()
    if kind != "disk":  # files are read front to back within a batch; memory in the order drawn
        assert seen == order.tolist()


def test_a_shuffle_function_orders_the_rows():
    X, targets = _rows(10)
    source = batches.InMemory(X, targets, None, None, 4, np.float64)
    assert source.order(None, lambda rows: rows[::-1]).tolist() == list(range(9, -1, -1))
    assert source.order(None, False) is None


def test_training_rows_of_a_split():
    X, targets = _rows(10)
    rows = np.array([1, 4, 7])
    source = batches.InMemory(X, targets, None, rows, 2, np.float64)
    X_train, dense, W = source.training_rows()
    np.testing.assert_array_equal(X_train, X[rows])
    assert dense.codes is None and (dense.table.argmax(axis=1) == targets.codes[rows]).all()
    assert W is None


def test_row_blocks():
    assert batches.row_blocks(10) == [slice(0, 10)]
    assert batches.row_blocks(10, 4) == [slice(0, 4), slice(4, 8), slice(8, 10)]
    assert batches.row_blocks(10, [3, 0, 7]) == [slice(0, 3), slice(3, 10)]
    with pytest.raises(ValueError, match="block_rows adds up to 9 rows, but there are 10"):
        batches.row_blocks(10, [4, 5])


def test_sum_in_order_groups_by_index_alone():
    runs = []

    def combine(*run):
        runs.append(list(run))
        return sum(run)

    last = batches.sum_in_order(list(range(20)), combine)
    # Level 1: runs of 8 neighbours; 3 sums are at most 8: the root adds them.
    assert runs == [list(range(8)), list(range(8, 16)), list(range(16, 20))]
    assert last == [28, 92, 70] and batches.sum_in_order([1, 2], combine) == [1, 2]
    # The same parts in another order of arrival give the same grouping: no data, no order.
    parts = [{"loss": float(i) * 0.1, "gradient": np.full(3, i * 0.1)} for i in range(70)]
    total = batches.total_in_order(parts)
    again = batches.total_in_order([dict(p) for p in parts])
    assert total["loss"] == again["loss"] and np.array_equal(total["gradient"],
                                                             again["gradient"])


def test_add_makes_a_new_total_and_keeps_the_largest_step_count():
    a = {"loss": 1.0, "gradient": np.ones(2), "steps": 3}
    b = {"loss": 2.0, "gradient": np.ones(2), "steps": 5}
    total = batches.add(a, b)
    assert total["loss"] == 3.0 and total["steps"] == 5
    assert a["gradient"].tolist() == [1.0, 1.0]  # the parts are never changed
