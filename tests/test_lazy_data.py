"""fit, evaluate and predict read data that lives on disk (np.memmap) or behind any object
with shape, dtype and row indexing, batch by batch, without loading it whole."""

import numpy as np
import pytest

import neuronet
from neuronet import Network


def _data(n=600, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 5)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64) + (X[:, 2] > 1)
    return X, y


class RowStore:
    """Rows handed out on request only, like an h5py dataset: slices and sorted index arrays;
    anything else (loading it whole, unsorted indices) fails the test."""

    def __init__(self, array):
        self._array = array
        self.shape = array.shape
        self.dtype = array.dtype
        self.reads = 0
        self.largest_read = 0

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, index):
        if isinstance(index, np.ndarray):
            assert np.all(np.diff(index) > 0), "indices must be increasing, as h5py demands"
        elif not isinstance(index, slice):
            raise TypeError(f"unsupported index {index!r}")
        rows = self._array[index]
        self.reads += 1
        self.largest_read = max(self.largest_read, len(rows))
        return rows.copy()

    def __array__(self, *args, **kwargs):
        raise AssertionError("the whole array was loaded")


def _fit(X, y, **kwargs):
    network = Network.mlp([5, 8, 3], seed=3, dtype=np.float32)
    history = network.fit(X, y, loss="categorical_crossentropy",
                          optimizer=neuronet.SGD(learning_rate=0.1), epochs=3, batch_size=32,
                          **kwargs)
    return network, history


@pytest.mark.parametrize("split", [0.0, 0.2])
def test_memmap_and_array_like_train_exactly_as_the_array_does(tmp_path, split):
    X, y = _data()
    path = tmp_path / "X.f32"
    X.tofile(path)
    memmap = np.memmap(path, dtype=np.float32, mode="r", shape=X.shape)
    store = RowStore(X)
    results = [_fit(data, y, validation_split=split) for data in (X, memmap, store)]
    # Lazy data is read in sorted batches, so the order of additions within a batch differs
    # from the in-memory run: equal to rounding, not to the bit.
    reference = results[0][0].get_weights()
    for network, history in results[1:]:
        for a, b in zip(reference, network.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
        assert history.epochs == 3
        np.testing.assert_allclose(history.loss, results[0][1].loss, rtol=1e-4)
        if split:
            np.testing.assert_allclose(history.val_loss, results[0][1].val_loss, rtol=1e-4)
    assert store.largest_read <= max(32, results[2][0].chunk_rows())
    memmap_net = results[1][0]
    np.testing.assert_allclose(memmap_net.predict(memmap), memmap_net.predict(X), rtol=1e-5)
    np.testing.assert_allclose(memmap_net.predict(RowStore(X)), memmap_net.predict(X), rtol=1e-5)
    scores = memmap_net.evaluate(RowStore(X), y)
    assert scores == pytest.approx(memmap_net.evaluate(X, y), rel=1e-5)


def test_lazy_data_is_validated_chunk_by_chunk_with_the_place_of_the_fault():
    X, y = _data()
    X[457, 3] = np.nan
    store = RowStore(X)
    network = Network.mlp([5, 8, 3], seed=0, dtype=np.float32)
    with pytest.raises(ValueError, match=r"X holds NaN or infinity \(first at index \[457, 3\]\)"):
        network.fit(store, y, loss="categorical_crossentropy", epochs=1)
    X[457, 3] = np.inf
    with pytest.raises(ValueError, match="X holds NaN or infinity in rows 0 to 599"):
        network.predict(RowStore(X))


def test_lazy_data_of_the_wrong_shape_or_type_is_refused():
    network = Network.mlp([5, 8, 3], seed=0)
    with pytest.raises(ValueError, match="X has 4 columns, but the network expects 5"):
        network.predict(RowStore(np.zeros((10, 4), np.float32)))
    with pytest.raises(ValueError, match="must hold numbers"):
        network.predict(RowStore(np.array([["a"] * 5] * 3)))
    with pytest.raises(ValueError, match="X is empty"):
        network.predict(RowStore(np.zeros((0, 5), np.float32)))


def test_chunked_evaluate_and_predict_match_one_pass_on_many_rows():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((5000, 4))
    y = rng.integers(0, 3, 5000)
    network = Network.mlp([4, 6, 3], seed=0)
    whole = network.predict(X, batch_size=5000)
    np.testing.assert_allclose(network.predict(X, batch_size=333), whole, rtol=1e-12)
    one_hot = np.eye(3)[y]
    expected = -np.mean(np.sum(one_hot * np.log(whole), axis=1))
    assert network.evaluate(X, y, loss="categorical_crossentropy")["loss"] == pytest.approx(
        expected, rel=1e-10)
    assert network.evaluate(X, one_hot, loss="categorical_crossentropy")["accuracy"] == (
        pytest.approx(np.mean(whole.argmax(1) == y)))
