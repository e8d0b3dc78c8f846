"""SciPy sparse input: multiplied as sparse by the first layer, never made dense as a whole, and
trained, scored and predicted as the same data dense, to 1e-10."""

import numpy as np
import pytest
from scipy import sparse

from neuronet import SGD, Adam, Dense, Network
from neuronet.batches import Sparse
from neuronet.targets import Targets


def _data(n=120, d=30, density=0.05, seed=0):
    rng = np.random.default_rng(seed)
    X = sparse.random(n, d, density=density, random_state=seed, format="csr") * 3
    sums = np.asarray(X.sum(axis=1)).ravel()
    y = (sums > np.median(sums)).astype(int)
    return X, y, rng


@pytest.mark.parametrize("fmt", [sparse.csr_matrix, sparse.csc_matrix, sparse.csr_array])
@pytest.mark.parametrize("density", [0.05, 0.6])  # kept sparse / made dense batch by batch
def test_fit_predict_evaluate_as_dense(fmt, density):
    X, y, _ = _data(density=density)
    dense, sparse_net = (Network.mlp([30, 8, 2], seed=1) for _ in range(2))
    settings = dict(loss="categorical_crossentropy", epochs=3, batch_size=16,
                    validation_split=0.2)
    h1 = dense.fit(X.toarray(), y, optimizer=Adam(0.01), **settings)
    h2 = sparse_net.fit(fmt(X), y, optimizer=Adam(0.01), **settings)
    for a, b in zip(dense.get_weights(), sparse_net.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h2.val_loss, h1.val_loss, rtol=1e-10)
    np.testing.assert_allclose(sparse_net.predict(fmt(X)), dense.predict(X.toarray()),
                               rtol=1e-10)
    assert sparse_net.evaluate(fmt(X), y) == pytest.approx(dense.evaluate(X.toarray(), y),
                                                           rel=1e-10)


def test_batches_stay_sparse_when_sparse_enough():
    X, y, _ = _data(density=0.02)
    source = Sparse(X, Targets(np.eye(2), y), None, None, 10, np.float64)
    xb, _, _, _ = next(source.epoch(np.arange(len(y))))
    assert sparse.issparse(xb) and xb.shape == (10, 30)
    dense = Sparse(sparse.csr_matrix(np.ones((20, 3))), Targets(np.eye(2), y[:20]), None, None,
                   10, np.float64)
    assert isinstance(next(dense.epoch(None))[0], np.ndarray)


def test_wide_sparse_data_trains_without_a_dense_copy():
    # 2,000 rows by 2,000,000 columns: 32 GB dense, a few hundred kilobytes sparse.
    rng = np.random.default_rng(0)
    rows = np.repeat(np.arange(2000), 3)
    cols = rng.integers(0, 2_000_000, size=rows.size)
    X = sparse.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(2000, 2_000_000))
    y = rng.integers(0, 2, 2000)
    net = Network([Dense(2_000_000, 2, "softmax")], seed=0, dtype=np.float32)
    history = net.fit(X, y, loss="categorical_crossentropy", optimizer=SGD(0.5), epochs=2,
                      batch_size=100)
    assert history.epochs == 2 and net.predict(X[:5]).shape == (5, 2)


def test_sparse_with_lbfgs_and_loss_and_gradient():
    X, y, _ = _data()
    a, b = Network.mlp([30, 5, 2], seed=2), Network.mlp([30, 5, 2], seed=2)
    a.fit(X, y, loss="categorical_crossentropy", optimizer="lbfgs", epochs=20)
    b.fit(X.toarray(), y, loss="categorical_crossentropy", optimizer="lbfgs", epochs=20)
    np.testing.assert_allclose(a.get_flat_weights(), b.get_flat_weights(), rtol=1e-8,
                               atol=1e-10)
    total, grad = a.loss_and_gradient(X, y, "categorical_crossentropy", batch_size=7)
    dense_total, dense_grad = a.loss_and_gradient(X.toarray(), y, "categorical_crossentropy")
    assert total == pytest.approx(dense_total, rel=1e-12)
    np.testing.assert_allclose(grad, dense_grad, rtol=1e-10, atol=1e-12)


def test_bad_sparse_input_is_refused():
    net = Network.mlp([3, 2], seed=0)
    bad = sparse.csr_matrix(np.array([[1.0, np.nan, 0], [0, 0, 1]]))
    with pytest.raises(ValueError, match="NaN"):
        net.predict(bad)
    with pytest.raises(ValueError, match="columns"):
        net.predict(sparse.csr_matrix(np.ones((2, 4))))
