import numpy as np
import pytest

from neuronet import Neuron, datasets
from neuronet.trace import record

INPUTS, OUTPUTS, TEST_INPUT = datasets.tutorial()


def test_trace_reaches_the_weights_of_train_bit_for_bit():
    traced, trained = Neuron(), Neuron()
    trace = record(traced, INPUTS, OUTPUTS, 10000)
    trained.train(INPUTS, OUTPUTS, 10000)
    np.testing.assert_array_equal(traced.weights, trained.weights)
    np.testing.assert_array_equal(trace.weights, trained.weights)
    np.testing.assert_allclose(trace.weights[:, 0], [9.67341006, -0.20852727, -4.62943754],
                               atol=5e-9)


@pytest.mark.parametrize("seed, rate", [(1, 0.5), (7, 2.0), (15, 1.0)])
def test_every_recorded_step_matches_train_stopped_there(seed, rate):
    rng = np.random.default_rng(seed)
    inputs = rng.integers(0, 2, (6, 4)).astype(float)
    outputs = rng.integers(0, 2, 6)
    neuron = Neuron(4, seed=seed, learning_rate=rate)
    trace = record(neuron, inputs, outputs, 200, at=[1, 2, 50, 200])
    assert [step.iteration for step in trace] == [1, 2, 50, 200]
    for step in trace:
        reference = Neuron(4, seed=seed, learning_rate=rate)
        reference.train(inputs, outputs, step.iteration - 1)
        np.testing.assert_array_equal(step.weights, reference.weights)
        reference.train(inputs, outputs, 1)
        np.testing.assert_array_equal(step.new_weights, reference.weights)


def test_a_step_holds_the_tutorials_quantities():
    trace = record(Neuron(), INPUTS, OUTPUTS, 3)
    start = Neuron().weights
    first = trace[1]
    output = 1 / (1 + np.exp(-INPUTS @ start))
    np.testing.assert_allclose(first.output, output)
    np.testing.assert_allclose(first.error, OUTPUTS - output)
    np.testing.assert_allclose(first.confidence, (OUTPUTS - output) * output * (1 - output))
    np.testing.assert_allclose(first.adjustment, INPUTS.T @ first.confidence)
    np.testing.assert_allclose(first.new_weights, start + first.adjustment)
    # The tutorial's first output for row [0, 0, 1] is sigmoid(w3) = sigmoid(-0.89127357).
    assert first.output[0, 0] == pytest.approx(1 / (1 + np.exp(0.89127357)))
    np.testing.assert_array_equal(trace[2].weights, first.new_weights)


def test_default_records_the_first_iterations_and_each_power_of_ten():
    trace = record(Neuron(), INPUTS, OUTPUTS, 10000)
    assert [step.iteration for step in trace] == [1, 2, 3, 10, 100, 1000, 10000]
    assert [step.iteration for step in record(Neuron(), INPUTS, OUTPUTS, 50)] == [1, 2, 3, 10, 50]
    iterations, weights = trace.weights_history()
    assert iterations.tolist() == [0, 1, 2, 3, 10, 100, 1000, 10000]
    assert weights.shape == (8, 3)
    with pytest.raises(KeyError, match="iteration 5 was not recorded"):
        trace[5]


def test_table_tells_the_first_iterations_and_the_convergence():
    trace = record(Neuron(), INPUTS, OUTPUTS, 10000)
    table = trace.table(detail=2, test_input=TEST_INPUT)
    assert "confidence = error * output * (1 - output)" in table
    assert "Iteration 1, from weights [0.6976, -0.6422, -0.8913]:" in table
    assert "Iteration 2," in table and "Iteration 3," not in table
    first = trace[1]
    row = f"  0 0 1         0  {first.output[0, 0]:8.4f}  {first.error[0, 0]:8.4f}"
    assert row in table
    last = table.splitlines()[-1].split()
    assert last[:4] == ["10000", "9.6734", "-0.2085", "-4.6294"]
    assert last[-1] == "0.99993707"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"at": [0]}, "at must be at least 1"),
        ({"at": [20]}, "at asks for iteration 20, but training runs 10"),
        ({"at": 5}, "at must be a list of iteration numbers"),
        ({"outputs": [0, 1, 1]}, "one output per input row"),
        ({"iterations": -1}, "iterations must be at least 0"),
    ],
)
def test_bad_arguments(kwargs, message):
    outputs = kwargs.pop("outputs", OUTPUTS)
    iterations = kwargs.pop("iterations", 10)
    with pytest.raises(ValueError, match=message):
        record(Neuron(), INPUTS, outputs, iterations, **kwargs)


def test_demo_explain_prints_the_trace(run_cli):
    result = run_cli("demo", "--explain")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Iteration 1, from weights [0.6976, -0.6422, -0.8913]:" in out
    assert "adjustment [0.2830, 0.1213, 0.1971] -> weights [0.9806, -0.5210, -0.6942]" in out
    assert "The weights converge toward 9.67, -0.21, -4.63" in out
    assert out.rstrip().endswith("Test of input [1, 0, 0] -> 0.99993707")
    assert len(out.splitlines()) < 60  # compact


def test_demo_explain_applies_to_the_tutorial_only(run_cli):
    result = run_cli("demo", "xor", "--explain")
    assert result.returncode == 2
    assert result.stderr.startswith("neuronet: error: --explain tells the tutorial's demo")
    assert len(result.stderr.splitlines()) == 1
