import inspect
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import neuronet
from neuronet import Neuron

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
import tutorial_program  # noqa: E402

INPUTS = np.array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]])
OUTPUTS = np.array([[0, 1, 1, 0]]).T

# The figures the tutorial publishes, to the digits it prints them.
TUTORIAL_START = [0.69763539, -0.64220815, -0.89127357]
TUTORIAL_TRAINED = [9.67341006, -0.20852727, -4.62943754]
TUTORIAL_ANSWER = 0.99993707


def _run_program(source: str) -> bytes:
    return subprocess.run(
        [sys.executable, "-c", source], check=True, capture_output=True, cwd=HERE
    ).stdout


def test_tutorial_main_block_prints_byte_for_byte_the_same():
    tutorial_source = inspect.getsource(tutorial_program)
    imports = "from numpy import array\nfrom neuronet import Neuron\n"
    with_neuronet = imports + tutorial_program.MAIN_BLOCK
    ours = _run_program(with_neuronet)
    theirs = _run_program(tutorial_source + tutorial_program.MAIN_BLOCK)
    assert ours == theirs
    assert b"[[ 9.67341006]\n [-0.20852727]\n [-4.62943754]]" in ours
    assert ours.endswith(b"[0.99993707]\n")


def test_weights_after_training_are_bit_identical_to_the_tutorial():
    theirs = tutorial_program.Neuron()
    theirs.train(INPUTS, OUTPUTS, 10000)
    ours = Neuron()
    ours.train(INPUTS, OUTPUTS, 10000)
    assert np.array_equal(ours.weights, theirs.weights)
    assert np.array_equal(ours.run(np.array([1, 0, 0])), theirs.run(np.array([1, 0, 0])))


def test_published_figures():
    neuron = Neuron()
    assert neuron.weights.shape == (3, 1)
    assert neuron.weights.dtype == np.float64
    np.testing.assert_allclose(neuron.weights.ravel(), TUTORIAL_START, atol=5e-9)
    neuron.train(INPUTS, OUTPUTS, 10000)
    np.testing.assert_allclose(neuron.weights.ravel(), TUTORIAL_TRAINED, atol=5e-9)
    answer = neuron.run(np.array([1, 0, 0]))
    assert answer.shape == (1,)
    np.testing.assert_allclose(answer, [TUTORIAL_ANSWER], atol=5e-9)


def test_global_random_state_is_untouched():
    np.random.seed(123)
    before = np.random.get_state()
    Neuron(seed=7).train(INPUTS, OUTPUTS, 10)
    after = np.random.get_state()
    assert before[0] == after[0] and np.array_equal(before[1], after[1]) and before[2:] == after[2:]


def test_same_seed_same_weights_and_other_seed_other_weights():
    a, b, c = Neuron(seed=3), Neuron(seed=3), Neuron(seed=4)
    assert np.array_equal(a.weights, b.weights)
    assert not np.array_equal(a.weights, c.weights)
    a.train(INPUTS, OUTPUTS, 500)
    b.train(INPUTS, OUTPUTS, 500)
    assert np.array_equal(a.weights, b.weights)


def test_more_inputs_and_a_learning_rate():
    neuron = Neuron(5, seed=0, learning_rate=0.5)
    assert neuron.weights.shape == (5, 1)
    assert np.all((neuron.weights >= -1) & (neuron.weights < 1))
    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, size=(32, 5))
    y = X[:, :1]  # the answer is the first input
    neuron.train(X, y, 2000)
    assert np.array_equal(neuron.run(X) > 0.5, y == 1)


def test_learning_rate_scales_the_adjustment():
    slow, fast = Neuron(learning_rate=0.5), Neuron()
    slow.train(INPUTS, OUTPUTS, 1)
    fast.train(INPUTS, OUTPUTS, 1)
    start = Neuron().weights
    np.testing.assert_allclose(slow.weights - start, 0.5 * (fast.weights - start), rtol=1e-12)


def test_outputs_as_a_flat_vector_train_the_same():
    a, b = Neuron(), Neuron()
    a.train(INPUTS, OUTPUTS, 100)
    b.train(INPUTS, OUTPUTS.ravel(), 100)
    assert np.array_equal(a.weights, b.weights)


def test_zero_iterations_leaves_the_weights():
    neuron = Neuron()
    start = neuron.weights.copy()
    assert neuron.train(INPUTS, OUTPUTS, 0) is neuron
    assert np.array_equal(neuron.weights, start)


def test_huge_sums_saturate_without_warnings():
    neuron = Neuron()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = neuron.run(np.array([[-1e6, 0, 0], [1e6, 0, 0]]))
    assert out[0, 0] == 0.0 and out[1, 0] == 1.0


def test_sigmoid_derivative_takes_the_output():
    s = Neuron.sigmoid(np.array([0.0, 2.0]))
    np.testing.assert_allclose(Neuron.sigmoid_derivative(s), s * (1 - s))
    assert Neuron.sigmoid_derivative(0.5) == 0.25
    assert "output" in inspect.signature(Neuron.sigmoid_derivative).parameters


def test_repr():
    assert repr(Neuron()) == "Neuron(n_inputs=3, seed=15, learning_rate=1)"


def test_public_name():
    assert neuronet.Neuron is Neuron


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda n: n.run(np.array([1, 0])), "has 2 values, but the neuron expects 3"),
        (lambda n: n.run(np.ones((2, 4))), "has 4 columns, but the neuron expects 3"),
        (lambda n: n.run(np.ones((2, 3, 1))), "must have shape"),
        (lambda n: n.run([[1, 0, float("nan")]]), "NaN or infinity"),
        (lambda n: n.run([[1, 0, float("inf")]]), "NaN or infinity"),
        (lambda n: n.run([["a", "b", "c"]]), "must hold numbers"),
        (lambda n: n.run([[1, 2, 3], [1, 2]]), "rectangular"),
        (lambda n: n.run(np.ones((0, 3))), "no rows"),
        (lambda n: n.train(np.ones((4, 2)), OUTPUTS, 1), "has 2 columns, but the neuron expects 3"),
        (lambda n: n.train(INPUTS, OUTPUTS[:3], 1), "has 4 rows but training_outputs has 3"),
        (lambda n: n.train(INPUTS, np.ones((4, 2)), 1), "must be one column"),
        (lambda n: n.train(INPUTS, [[0], [1], [None], [0]], 1), "must hold numbers"),
        (lambda n: n.train(INPUTS, [[0], [1], [np.nan], [0]], 1), "NaN or infinity"),
        (lambda n: n.train(INPUTS[0], OUTPUTS, 1), "must have shape (n_rows, n_inputs)"),
        (lambda n: n.train(INPUTS, OUTPUTS, -1), "iterations must be at least 0, got -1"),
        (lambda n: n.train(INPUTS, OUTPUTS, 2.5), "iterations must be a whole number"),
        (lambda n: Neuron(0), "n_inputs must be at least 1"),
        (lambda n: Neuron(learning_rate=0), "must be a finite number greater than zero"),
        (lambda n: Neuron(learning_rate=float("nan")), "learning_rate must be a finite number"),
    ],
)
def test_bad_input_says_what_was_wrong(call, message):
    neuron = Neuron()
    start = neuron.weights.copy()
    with pytest.raises(ValueError) as info:
        call(neuron)
    assert message in str(info.value)
    assert np.array_equal(neuron.weights, start)  # a refused call changes nothing
