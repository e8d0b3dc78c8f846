import os
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuronet import Dense, Dropout, Network, Neuron, datasets, diagram
from neuronet._text import printable

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg):
    root = ET.fromstring(str(svg))
    assert root.tag == f"{SVG}svg"
    return root


def of_class(root, name):
    return [e for e in root.iter() if e.get("class") == name]


def weight_of(edge):
    return float(edge.find(f"{SVG}title").text.rsplit(" ", 1)[-1])


def texts(root):
    return ["".join(e.itertext()) for e in root.iter(f"{SVG}text")]


def test_neuron_drawing_has_inputs_sum_output_and_one_arrow_per_weight():
    neuron = Neuron()
    root = parse(diagram.draw_neuron(neuron))
    assert len(of_class(root, "node")) == 3 + 2  # x1..x3, the sum, the output
    edges = of_class(root, "edge")
    assert sorted(weight_of(e) for e in edges) == pytest.approx(sorted(neuron.weights[:, 0]))
    words = texts(root)
    assert {"x1", "x2", "x3", "\u03a3", "sigmoid", "y"} <= set(words)
    assert "w1 = 0.70" in words and "w3 = \u22120.89" in words


def test_neuron_drawing_with_an_input_row_writes_out_the_sum_and_output():
    inputs, outputs, test_input = datasets.tutorial()
    neuron = Neuron().train(inputs, outputs, 10000)
    words = " ".join(texts(parse(diagram.draw_neuron(neuron, inputs=test_input))))
    assert "= 9.6734" in words
    assert f"{neuron.run(test_input)[0]:.8f}" in words
    with pytest.raises(ValueError, match="inputs has 2 values, but the neuron expects 3"):
        diagram.draw_neuron(neuron, inputs=[1, 0])


def test_edges_are_coloured_by_sign_and_thicker_for_larger_weights():
    net = Network([Dense(3, 4, "tanh"), Dense(4, 2, "softmax")], seed=0)
    net.layers[0].weights[...] = np.arange(-6, 6).reshape(3, 4) / 4
    root = parse(diagram.draw_network(net))
    edges = of_class(root, "edge")
    assert len(edges) == 3 * 4 + 4 * 2
    first = edges[:12]  # the first layer is drawn first
    for edge in edges:
        w = weight_of(edge)
        colour = edge.get("stroke")
        assert colour == (diagram.POSITIVE if w > 0 else diagram.NEGATIVE if w < 0
                          else diagram.ZERO)
    layer_one = sorted((abs(weight_of(e)), float(e.get("stroke-width"))) for e in first)
    widths = [width for _, width in layer_one]
    assert widths == sorted(widths) and widths[0] < widths[-1]


@pytest.mark.parametrize(
    "sizes, max_nodes, nodes, edges, ellipses",
    [
        ([2, 4, 1], 8, 7, 8 + 4, 0),
        ([3, 1], 8, 4, 3, 0),
        ([64, 32, 10], 8, 8 + 8 + 10, 8 * 8 + 8 * 10, 2),
        ([784, 128, 64, 10], 8, 8 + 8 + 8 + 10, 8 * 8 * 2 + 8 * 10, 3),
        ([784, 16, 10], 4, 4 + 4 + 4, 16 + 16, 3),
    ],
)
def test_wide_layers_are_summarized(sizes, max_nodes, nodes, edges, ellipses):
    net = Network.mlp(sizes, seed=0)
    root = parse(diagram.draw_network(net, max_nodes=max_nodes))
    assert len(of_class(root, "node")) == nodes
    assert len(of_class(root, "edge")) == edges
    assert len(of_class(root, "ellipsis")) == ellipses


def test_network_drawing_names_the_layers_and_their_activations():
    net = Network([Dense(784, 32, "relu"), Dropout(0.2), Dense(32, 16, "tanh"),
                   Dense(16, 10, "softmax")], seed=0)
    words = texts(parse(diagram.draw_network(net)))
    for expected in ["input layer", "784 inputs", "hidden layer 1", "32 units, relu",
                     "hidden layer 2", "16 units, tanh", "output layer", "10 units, softmax",
                     "8 of 784 drawn", "then dropout 0.2", "25,818 parameters"]:
        assert expected in words
    assert "x784" in words and "y10" in words


def test_a_models_feature_names_and_classes_label_its_units():
    net = Network.mlp([30, 8, 3], seed=0)
    net.metadata.update(feature_names=[f"feature {i}" for i in range(29)]
                        + ["a rather long name for the last column"],
                        classes=["setosa", "versicolor", "virginica"])
    svg = diagram.draw_network(net)
    words = texts(parse(svg))
    assert "feature 0" in words and "feature 3" in words and "feature 4" not in words
    assert "a rather long nam\u2026" in words  # shortened to 18 characters
    assert {"setosa", "versicolor", "virginica"} <= set(words)
    assert "x1" not in words and "y1" not in words
    plain = texts(parse(diagram.draw_network(Network.mlp([30, 8, 3], seed=0))))
    assert "x1" in plain and "y3" in plain
    assert svg.width > diagram.draw_network(Network.mlp([30, 8, 3], seed=0)).width  # room


def test_notebooks_draw_neurons_and_networks_by_name():
    neuron, net = Neuron(), Network.mlp([2, 3, 1], seed=0)
    assert neuron._repr_svg_() == diagram.draw(neuron)
    assert net._repr_svg_() == diagram.draw(net)
    drawing = diagram.draw(net)
    assert drawing._repr_svg_() == str(drawing)
    assert repr(drawing) == f"<SVG drawing {drawing.width}x{drawing.height}>"
    root = parse(drawing)
    assert root.get("width") == str(drawing.width)
    with pytest.raises(TypeError, match="draw takes a Neuron or a Network"):
        diagram.draw("network")
    with pytest.raises(ValueError, match="max_nodes must be at least 2"):
        diagram.draw_network(net, max_nodes=1)


def test_save_is_atomic_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "net.svg"
    target.write_text("old")
    net = Network.mlp([2, 3, 1], seed=0)
    diagram.save(net, target)
    parse(target.read_text())
    assert os.listdir(tmp_path) == ["net.svg"]
    assert oct(target.stat().st_mode & 0o777) != "0o600"
    with pytest.raises(OSError):
        diagram.save(net, tmp_path / "missing" / "net.svg")
    with pytest.raises(OSError):
        diagram.save(net, tmp_path)  # a directory
    assert os.listdir(tmp_path) == ["net.svg"]


def test_cli_draws_the_tutorial_neuron_without_a_model(run_cli, tmp_path):
    result = run_cli("diagram")
    assert result.returncode == 0, result.stderr
    words = texts(parse(result.stdout))
    assert "w1 = 9.67" in words
    result = run_cli("diagram", "-o", tmp_path / "neuron.svg")
    assert result.returncode == 0, result.stderr
    assert "neuron.svg" in result.stdout
    assert len(of_class(parse((tmp_path / "neuron.svg").read_text()), "node")) == 5


def test_cli_errors_are_one_line_and_nothing_is_half_written(run_cli, tmp_path):
    result = run_cli("diagram", "-o", tmp_path / "no" / "such" / "dir.svg")
    assert result.returncode == 1
    assert result.stderr.startswith("neuronet: error: cannot write ")
    assert len(result.stderr.splitlines()) == 1
    result = run_cli("diagram", "--max-nodes", "1")
    assert result.returncode == 2
    assert "--max-nodes must be at least 2" in result.stderr
    assert os.listdir(tmp_path) == []


def test_cli_draws_a_saved_model(run_cli, tmp_path):
    net = Network.mlp([64, 32, 10], seed=0)
    net.save(tmp_path / "digits.npz")
    out = tmp_path / "net.svg"
    result = run_cli("diagram", tmp_path / "digits.npz", "-o", out, "--max-nodes", "6")
    assert result.returncode == 0, result.stderr
    root = parse(out.read_text())
    assert len(of_class(root, "node")) == 6 + 6 + 6
    assert str(diagram.draw_network(net, max_nodes=6)) == out.read_text()
    (tmp_path / "bad.npz").write_bytes(b"not a model")
    result = run_cli("diagram", tmp_path / "bad.npz", "-o", tmp_path / "bad.svg")
    assert result.returncode == 1
    assert result.stderr.startswith("neuronet: error: ")
    assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "bad.svg").exists()


# --- names from files ----------------------------------------------------------------------------

# Every code point: controls, NUL, lone surrogates, noncharacters, direction overrides, markup.
names = st.text(st.characters(blacklist_categories=()), max_size=24)
labels = names | st.integers() | st.floats(allow_nan=False, allow_infinity=False)


def _label(name):
    text = printable(name)
    return text if len(text) <= 18 else text[:17] + "\u2026"


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_names_and_classes_draw_well_formed_xml(data):
    n_inputs, n_outputs = data.draw(st.integers(1, 5)), data.draw(st.integers(2, 4))
    features = data.draw(st.lists(names, min_size=n_inputs, max_size=n_inputs))
    classes = data.draw(st.lists(labels, min_size=n_outputs, max_size=n_outputs, unique=True))
    net = Network.mlp([n_inputs, 3, n_outputs], seed=0)
    net.metadata.update(feature_names=features, classes=classes)
    svg = diagram.draw_network(net)
    words = texts(parse(svg))
    for name in [*features, *classes]:
        assert _label(name) in words
    str(svg).encode("utf-8")  # nothing a file cannot hold (a lone surrogate would fail here)


HOSTILE = ["\x1b[2J\x1b[31mred", "nul\x00byte", "lone \ud800 surrogate", "\ufffe\uffff",
           "abc\u202edcba", "<b>&amp;</b>", "line\nbreak"]


@pytest.fixture
def hostile_model(rewrite_header, tmp_path):
    """A model file whose header names its inputs and classes with what XML forbids and
    terminals act on (written as JSON escapes, as any writer may)."""
    path = tmp_path / "hostile.npz"
    Network.mlp([len(HOSTILE), 4, 2], seed=0).save(path)
    rewrite_header(path, lambda header: header.update(metadata={
        "feature_names": HOSTILE, "classes": ["\x9b0m", "\x07bell"],
        "target_name": "\x1b]0;title\x07"}))
    return path


def test_cli_draws_a_model_with_hostile_names_as_well_formed_xml(run_cli, hostile_model,
                                                                 tmp_path):
    model = hostile_model
    result = run_cli("diagram", model)
    assert result.returncode == 0, result.stderr
    words = texts(parse(result.stdout))
    assert "\\x1b[2J\\x1b[31mred" in words and "\\x9b0m" in words
    assert "lone \\ud800 surro\u2026" in words and "<b>&amp;</b>" in words
    out = tmp_path / "hostile.svg"
    result = run_cli("diagram", model, "-o", out)
    assert result.returncode == 0, result.stderr
    assert ET.parse(out).getroot().tag == f"{SVG}svg"
