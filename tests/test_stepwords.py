"""A traced step told in words: print(step), step.explain and step.table."""

import re

import numpy as np
import pytest

from neuronet import SGD, Dense, Dropout, Network, Neuron, datasets, trace
from neuronet._stepwords import num

INPUTS, OUTPUTS, _ = datasets.tutorial()
XOR = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([0, 1, 1, 0], dtype=float)


def _tutorial_step():
    neuron = Neuron()
    layer = Dense(3, 1, "sigmoid", bias=False)
    layer.weights = neuron.weights.copy()
    return trace.step(Network([layer]), INPUTS, OUTPUTS, loss="sse",
                      optimizer=SGD(learning_rate=1))


def _flat(text):
    """The words without the folding of long lines."""
    return " ".join(text.split())


def _numbers_in(text):
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", text)]


def test_the_tutorials_neuron_is_told_in_the_tutorials_words():
    step = _tutorial_step()
    words = _flat(str(step))
    layer = step.layers[0]
    a, t = layer.a[0, 0], step.targets[0, 0]
    said = (f"output neuron 1 was {num(a)} and should be {num(t)}: error {num(t - a)}")
    assert said in words
    assert f"its slope da/dz is {num(layer.da_dz[0, 0])}" in words
    assert f"the tutorial's confidence {num(-layer.dL_dz[0, 0])}, sign turned" in words
    assert f"is {num(step.loss, 4)} before the step" in words
    assert "half the sum of the squared errors" in words
    assert all(len(line) <= 100 for line in str(step).splitlines())


def test_the_words_go_from_the_output_back_to_the_input():
    network = Network.mlp([2, 4, 4, 1], hidden="tanh", output="sigmoid", seed=1)
    step = trace.step(network, XOR, XOR_Y, loss="binary_crossentropy")
    words = _flat(str(step))
    assert words.index("output neuron 1") < words.index("layer 2 gets its share") < \
        words.index("layer 1 gets its share")
    assert words.index("layer 3: dW") < words.index("layer 1: dW")
    hidden = step.layers[1]
    assert f"dL/da {', '.join(num(v) for v in hidden.dL_da[0])}" in words
    assert f"are {', '.join(num(v) for v in hidden.dL_dz[0])}" in words


def test_wide_layers_are_summarised():
    network = Network.mlp([30, 64, 12], hidden="relu", output="softmax", seed=0)
    rng = np.random.default_rng(0)
    step = trace.step(network, rng.normal(size=(5, 30)), rng.integers(0, 12, 5),
                      loss="categorical_crossentropy")
    words = _flat(str(step))
    assert "more)" in words and "largest in size: neuron" in words
    assert "the 3 largest errors of 12 outputs" in words
    assert len(str(step).splitlines()) < 40
    explained = step.explain(row=2, neuron=(1, 7))
    assert "more)" in explained and len(explained.splitlines()) < 30


def test_explain_gives_every_number_from_the_ones_beside_it():
    network = Network.mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", seed=2)
    step = trace.step(network, XOR, XOR_Y, loss="mse")
    hidden, out = step.layers
    text = step.explain(row=3, neuron=(1, 2))
    assert text.startswith("Row 4 of 4, layer 1 (hidden, 3 sigmoid neurons), neuron 3.")
    line = next(x for x in text.splitlines() if x.strip().startswith("z ="))
    products = re.findall(r"\(?(-?[\d.e-]+)\)? x \(?(-?[\d.e-]+)\)?", line)
    x, w = hidden.inputs[3], hidden.weights[:, 2]
    assert [float(v) for pair in products for v in pair] == pytest.approx(
        [float(v) for pair in zip(x, w) for v in pair], rel=1e-3)
    assert line.endswith(f"= {num(hidden.z[3, 2], 6)}")
    slope, a = hidden.da_dz[3, 2], num(hidden.a[3, 2], 6)
    flat = _flat(text)
    assert f"da/dz = a (1 - a) = {a} x (1 - {a}) = {num(slope, 6)}" in flat
    assert f"= {num(hidden.dL_dz[3, 2], 6)}   (its blame)" in text
    assert f"(-{num(-out.dL_dz[3, 0], 4)}) x" in text or f"{num(out.dL_dz[3, 0], 4)} x" in text
    assert f"= {num(hidden.db[2], 6)}" in text
    text = _flat(step.explain(row=0))
    assert "it should be 0: error = t - a" in text
    a = num(out.a[0, 0], 6)
    assert f"dL/da = 2 (a - t) / (n) = 2 x ({a} - 0) / 4 = {num(out.dL_da[0, 0], 6)}" in text


def test_the_words_follow_the_row_asked_for():
    network = Network.mlp([2, 3, 1], hidden="tanh", output="sigmoid", seed=2)
    step = trace.step(network, XOR, XOR_Y, loss="sse")
    words = _flat(step.words(row=2))
    out = step.layers[-1]
    assert "Forward, row 3 of 4 (inputs 1, 0)" in words
    assert f"output neuron 1 was {num(out.a[2, 0])} and should be 1" in words
    assert str(step) == step.words(row=0) != step.words(row=2)
    with pytest.raises(ValueError, match="0 to 3"):
        step.words(row=-1)


def test_explain_tells_fused_softmax_and_dropout_steps():
    network = Network([Dense(2, 5, "relu"), Dropout(0.4), Dense(5, 3, "softmax")], seed=3)
    rng = np.random.default_rng(5)
    step = trace.step(network, rng.normal(size=(20, 2)), rng.integers(0, 3, 20),
                      loss="categorical_crossentropy")
    text = step.explain(row=1, neuron=(2, 1))
    assert "dL/dz = (a - t) / n" in text
    hidden = step.layers[0]
    dropped = np.argwhere((hidden.dL_da == 0) & (hidden.a != 0))
    row, j = (int(v) for v in dropped[0])
    masked = _flat(step.explain(row=row, neuron=(1, j)))
    assert "dL/da = sum of dL/dz x weight" in masked and "then dropout: dL/da = 0" in masked
    assert "Dropout(0.4)" in str(step)


def test_explain_refuses_what_is_not_there():
    step = _tutorial_step()
    with pytest.raises(ValueError, match="row must be a row of the batch, 0 to 3"):
        step.explain(row=4)
    with pytest.raises(ValueError, match="numbered 1 to 1"):
        step.explain(neuron=(2, 0))
    with pytest.raises(ValueError, match="neurons 0 to 0"):
        step.explain(neuron=(1, 1))
    with pytest.raises(ValueError, match="a pair"):
        step.explain(neuron=3)


def test_the_table_holds_the_numbers():
    pytest.importorskip("pandas")
    network = Network.mlp([2, 4, 4, 1], hidden="tanh", output="sigmoid", seed=1)
    step = trace.step(network, XOR, XOR_Y, loss="sse")
    frame = step.table()
    assert len(frame) == 4 * (4 + 4 + 1)
    assert list(frame.columns) == ["layer", "neuron", "row", "z", "a", "dL_da", "da_dz",
                                   "dL_dz", "db", "bias", "new_bias"]
    one = frame[(frame.layer == 2) & (frame.neuron == 3) & (frame.row == 1)].iloc[0]
    layer = step.layers[1]
    assert one.z == layer.z[1, 3] and one.dL_dz == layer.dL_dz[1, 3]
    assert one.db == layer.db[3] and one.new_bias == layer.new_bias[3]
    assert _numbers_in(step.explain(row=1, neuron=(2, 3)))  # the same neuron, told
