"""neuronet.arrays: a network's weights as a whole, and the inputs it takes."""

import numpy as np
import pytest

from neuronet import Dense, Dropout, Network


def _network():
    return Network([Dense(3, 4, "tanh"), Dropout(0.5), Dense(4, 2, "softmax", bias=False)],
                   seed=0)


def test_the_flat_vector_and_the_list_are_the_same_weights():
    net = _network()
    assert net.n_parameters() == 3 * 4 + 4 + 4 * 2
    flat = net.get_flat_weights()
    assert flat.shape == (net.n_parameters(),)
    np.testing.assert_array_equal(flat, np.concatenate([p.ravel() for p in net.get_weights()]))
    net.set_flat_weights(np.arange(net.n_parameters(), dtype=float))
    assert net.parameters()[0][0, 1] == 1.0 and net.parameters()[1][0] == 12.0
    with pytest.raises(ValueError, match="expected a flat vector of 24 weights"):
        net.set_flat_weights(np.zeros(5))
    with pytest.raises(ValueError, match="expected 3 arrays, got 1"):
        net.set_weights([np.zeros((3, 4))])
    with pytest.raises(ValueError, match=r"array 1 has shape \(3,\), expected \(4,\)"):
        net.set_weights([np.zeros((3, 4)), np.zeros(3), np.zeros((4, 2))])


def test_packed_blocks_are_the_layers_arrays():
    net = _network()
    (block,), (grads,), matrices = net.packed()
    assert block.size == net.n_parameters()
    assert matrices is not None and matrices.sum() == 3 * 4 + 4 * 2  # the bias is no matrix
    block[:] = 7.0
    assert all((p == 7.0).all() for p in net.parameters())
    assert net.packed()[0][0] is block  # packed once, while the layers hold views


def test_inputs_are_checked_into_the_networks_form():
    net = _network()
    X = net.check_inputs(np.ones((5, 3), dtype=np.float32, order="F"))
    assert X.dtype == np.float64 and X.flags.c_contiguous
    with pytest.raises(ValueError, match="X has 2 columns, but the network expects 3"):
        net.check_inputs(np.ones((5, 2)))
    assert net.chunk_rows(1) >= 256
