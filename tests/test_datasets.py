import numpy as np
import pytest

from neuronet import datasets

TWO_D = [datasets.spirals, datasets.moons, datasets.circles, datasets.blobs]


@pytest.mark.parametrize("make", TWO_D)
def test_two_d_sets_are_seeded_points_with_balanced_labels(make):
    X, y = make(n_samples=101, seed=3)
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert y.shape == (101,) and y.dtype.kind == "i"
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1
    again_X, again_y = make(n_samples=101, seed=3)
    np.testing.assert_array_equal(X, again_X)
    np.testing.assert_array_equal(y, again_y)
    other, _ = make(n_samples=101, seed=4)
    assert not np.array_equal(X, other)


@pytest.mark.parametrize("make", TWO_D)
def test_two_d_sets_leave_the_global_random_state_alone(make):
    before = np.random.get_state()[1].copy()
    make(seed=1)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_circles_without_noise_lie_on_their_two_radii():
    X, y = datasets.circles(n_samples=200, noise=0, factor=0.3, seed=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.3)


def test_moons_without_noise_are_the_two_half_circles():
    X, y = datasets.moons(n_samples=200, noise=0, seed=0)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    assert (upper[:, 1] >= 0).all()
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    assert (lower[:, 1] <= 0.5).all()


def test_spiral_arms_are_half_a_turn_apart():
    X, y = datasets.spirals(n_samples=300, noise=0, turns=1.0, seed=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    angle = np.arctan2(X[:, 1], X[:, 0])
    # Arm k at radius r sits at angle 2*pi*turns*(r/2) + k*pi.
    expected = np.pi * radius + np.pi * y
    np.testing.assert_allclose(np.cos(angle), np.cos(expected), atol=1e-9)
    assert radius.max() <= 2.0


def test_blobs_gather_around_given_centres():
    centres = np.array([[-5.0, 0.0], [5.0, 0.0], [0.0, 8.0]])
    X, y = datasets.blobs(n_samples=3000, centers=centres, noise=0.5, seed=0)
    for k, centre in enumerate(centres):
        np.testing.assert_allclose(X[y == k].mean(axis=0), centre, atol=0.05)
        np.testing.assert_allclose(X[y == k].std(axis=0), 0.5, atol=0.05)
    _, y = datasets.blobs(n_samples=50, centers=5, seed=0)
    assert set(y) == set(range(5))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: datasets.moons(n_samples=1), "n_samples must be at least 2"),
        (lambda: datasets.spirals(n_samples=10.5), "n_samples must be a whole number"),
        (lambda: datasets.circles(noise=-0.1), "noise must be a finite number zero or more"),
        (lambda: datasets.circles(factor=1.5), "factor must be a number between 0 and 1"),
        (lambda: datasets.spirals(turns=0), "turns must be a finite number greater than zero"),
        (lambda: datasets.blobs(centers=[1, 2, 3]), "centers must be a count or an array"),
        (lambda: datasets.blobs(n_samples=2, centers=3), "n_samples must be at least 3"),
    ],
)
def test_bad_arguments_say_what_was_expected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_tutorial_and_xor_tables():
    inputs, outputs, test_input = datasets.tutorial()
    assert inputs.shape == (4, 3) and outputs.shape == (4, 1)
    np.testing.assert_array_equal(outputs[:, 0], inputs[:, 0])
    np.testing.assert_array_equal(test_input, [1, 0, 0])
    X, y = datasets.xor()
    np.testing.assert_array_equal(y, X[:, 0] != X[:, 1])
