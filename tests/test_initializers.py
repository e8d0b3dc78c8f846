"""Starting weights: the tutorial's U(-1, 1), Glorot's and He's ranges, by name or function."""

import numpy as np
import pytest

from neuronet import Dense, Network, initializers


def test_the_tutorial_uniform_is_two_times_random_minus_one():
    rng, again = np.random.default_rng(3), np.random.default_rng(3)
    np.testing.assert_array_equal(initializers.uniform(rng, 3, 1), 2 * again.random((3, 1)) - 1)


@pytest.mark.parametrize("name, spread", [
    ("glorot_uniform", np.sqrt(6 / 300) / np.sqrt(3)), ("glorot_normal", np.sqrt(2 / 300)),
    ("he_uniform", np.sqrt(6 / 200) / np.sqrt(3)), ("he_normal", np.sqrt(2 / 200)),
])
def test_each_range_has_its_spread(name, spread):
    weights = initializers.get(name)(np.random.default_rng(0), 200, 100)
    assert weights.shape == (200, 100) and weights.dtype == np.float64
    assert weights.std() == pytest.approx(spread, rel=0.03)
    assert abs(weights.mean()) < 0.01


def test_names_aliases_functions_and_dtypes():
    assert initializers.get(None) is initializers.glorot_uniform
    assert initializers.get("he") is initializers.he_normal
    assert initializers.get("xavier") is initializers.glorot_uniform

    def constant(rng, fan_in, fan_out, dtype=np.float64):
        return np.full((fan_in, fan_out), 0.5, dtype)

    net = Network([Dense(2, 3, init=constant), Dense(3, 1, init="he_uniform")],
                  seed=0, dtype=np.float32)
    assert (net.layers[0].weights == 0.5).all() and net.layers[1].weights.dtype == np.float32
    with pytest.raises(ValueError, match="unknown"):
        initializers.get("zeros_please")
