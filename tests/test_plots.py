import os
import struct
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from neuronet import SGD, Dense, Network, Neuron, datasets, plots  # noqa: E402
from neuronet.trace import record  # noqa: E402


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def saved(fig, path, dpi=50):
    """Save ``fig`` as PNG; check it has the figure's size and is not a blank image."""
    from matplotlib.image import imread

    fig.savefig(path, dpi=dpi)
    width, height = fig.get_size_inches() * dpi
    assert png_size(path) == (round(width), round(height))
    pixels = imread(path)[..., :3]
    assert pixels.std() > 0.05  # more than a blank page
    return pixels


@pytest.fixture(scope="module")
def xor_net():
    X, y = datasets.xor()
    net = Network([Dense(2, 4, "tanh"), Dense(4, 1, "sigmoid")], seed=0)
    history = net.fit(X, y, loss="binary_crossentropy", optimizer=SGD(learning_rate=0.5),
                      epochs=2000, batch_size=4)
    return net, history


def test_figures_are_made_without_pyplot(tmp_path):
    # No pyplot, no GUI backend, no window: safe on a server, in a thread, in a test.
    script = (
        "import sys\n"
        "from neuronet import plots\n"
        "fig = plots.plot_history({'loss': [1.0, 0.5], 'val_loss': [1.1, 0.7]})\n"
        f"fig.savefig({str(tmp_path / 'fig.png')!r})\n"
        "print(type(fig).__name__, 'matplotlib.pyplot' in sys.modules)\n"
    )
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["Figure", "False"]
    assert png_size(tmp_path / "fig.png") == (450, 350)  # 4.5 x 3.5 inches at 100 dpi


def test_history_plots_loss_and_metrics_for_training_and_validation(tmp_path):
    X, y = datasets.moons(n_samples=120, seed=0)
    net = Network.mlp([2, 8, 1], hidden="tanh", output="sigmoid", seed=0)
    history = net.fit(X, y, loss="binary_crossentropy", epochs=15, validation_split=0.25)
    fig = plots.plot_history(history)
    axes = fig.get_axes()
    assert [ax.get_title() for ax in axes] == ["loss", "accuracy"]
    for ax in axes:
        labels = [line.get_label() for line in ax.get_lines()]
        assert labels == ["training", "validation"]
        assert all(len(line.get_xdata()) == 15 for line in ax.get_lines())
    np.testing.assert_array_equal(axes[0].get_lines()[0].get_ydata(), history.loss)
    saved(fig, tmp_path / "history.png")
    assert [ax.get_title() for ax in plots.plot_history(history, keys="loss").get_axes()] == [
        "loss"]
    with pytest.raises(ValueError, match="history has no 'mae'"):
        plots.plot_history(history, keys=["mae"])
    with pytest.raises(ValueError, match="history holds no epochs"):
        plots.plot_history({})


def test_decision_boundary_of_xor(xor_net, tmp_path):
    net, _ = xor_net
    X, y = datasets.xor()
    fig = plots.plot_decision_boundary(net, X, y, resolution=60)
    ax = fig.get_axes()[0]
    assert ax.get_title() == "accuracy 100% on these 4 points"
    pixels = saved(fig, tmp_path / "xor.png")
    # Both classes' colours appear: red where the net says 0, blue where it says 1.
    red = (pixels[..., 0] > pixels[..., 2] + 0.2).mean()
    blue = (pixels[..., 2] > pixels[..., 0] + 0.2).mean()
    assert red > 0.05 and blue > 0.05


def test_decision_boundary_of_a_neuron_and_of_a_function(tmp_path):
    X, y = datasets.xor()
    inputs = np.hstack([X, np.ones((4, 1))])
    neuron = Neuron().train(inputs, y, 1000)
    fig = plots.plot_decision_boundary(
        lambda grid: neuron.run(np.hstack([grid, np.ones((len(grid), 1))])), X, y,
        resolution=40)
    assert "accuracy" in fig.get_axes()[0].get_title()
    two = Neuron(2, seed=0)
    fig = plots.plot_decision_boundary(two, X, y, resolution=40, title="two inputs")
    assert fig.get_axes()[0].get_title() == "two inputs"
    with pytest.raises(ValueError, match="the neuron takes 3 inputs"):
        plots.plot_decision_boundary(neuron, X, y)


def test_decision_boundary_of_several_classes(tmp_path):
    X, y = datasets.blobs(n_samples=150, centers=3, noise=0.8, seed=2)
    net = Network.mlp([2, 12, 3], seed=0)
    net.fit(X, y, loss="categorical_crossentropy", epochs=60)
    fig = plots.plot_decision_boundary(net, X, y, resolution=50)
    assert fig.get_axes()[0].get_title() == "accuracy 100% on these 150 points"
    saved(fig, tmp_path / "blobs.png")


def test_decision_boundary_refuses_inputs_that_are_not_2d(xor_net):
    net, _ = xor_net
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\), got \(4, 3\)"):
        plots.plot_decision_boundary(net, np.zeros((4, 3)), [0, 1, 1, 0])
    with pytest.raises(ValueError, match="X has 4 rows but y has 3 labels"):
        plots.plot_decision_boundary(net, np.zeros((4, 2)), [0, 1, 1])
    with pytest.raises(ValueError, match="the network takes 64 inputs"):
        plots.plot_decision_boundary(Network.mlp([64, 10]), np.zeros((4, 2)), [0, 1, 1, 0])


def test_confusion_matrix_counts():
    y_true = [0, 0, 1, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 1, 2, 0, 2]
    expected = [[1, 1, 0], [0, 2, 0], [1, 0, 2]]
    np.testing.assert_array_equal(plots.confusion_matrix(y_true, y_pred), expected)
    probabilities = np.eye(3)[y_pred] * 0.8 + 0.05
    np.testing.assert_array_equal(plots.confusion_matrix(y_true, probabilities), expected)
    column = np.array([[0.2], [0.9], [0.6], [0.4]])
    np.testing.assert_array_equal(plots.confusion_matrix([0, 1, 1, 1], column), [[1, 0], [1, 2]])
    with pytest.raises(ValueError, match="y_pred must hold class labels"):
        plots.confusion_matrix([0, 1], [0.5, 0.2])
    with pytest.raises(ValueError, match="y_true has 2 labels but y_pred has 3"):
        plots.confusion_matrix([0, 1], [0, 1, 1])


def test_confusion_matrix_figure(tmp_path):
    y_true = np.arange(10).repeat(5)
    y_pred = y_true.copy()
    y_pred[::7] = 3
    fig = plots.plot_confusion_matrix(y_true, y_pred, labels=[str(d) for d in range(10)])
    ax = fig.get_axes()[0]
    cells = {t.get_text() for t in ax.texts}
    assert "5" in cells and "\u00b7" in cells
    assert ax.get_title() == f"accuracy {np.mean(y_true == y_pred):.1%} on 50 examples"
    saved(fig, tmp_path / "confusion.png")
    fig = plots.plot_confusion_matrix(y_true, y_pred, normalize=True)
    assert "1.00" in {t.get_text() for t in fig.get_axes()[0].texts}


def test_names_with_dollar_signs_are_drawn_as_written_not_as_formulas(tmp_path):
    from matplotlib import cbook

    names = ["$5 to $10", "a$^$b", "plain"]
    fig = plots.plot_confusion_matrix([0, 1, 2], [0, 1, 1], labels=names)
    ax = fig.get_axes()[0]
    for ticks in (ax.get_xticklabels(), ax.get_yticklabels()):
        shown = [t.get_text() for t in ticks]
        assert not any(cbook.is_math_text(text) for text in shown)
        assert [text.replace("\\$", "$") for text in shown] == names
    saved(fig, tmp_path / "dollars.png")
    fig = plots.plot_images(np.zeros((2, 4)), titles=["$1", "$2 and $3"])
    assert not any(cbook.is_math_text(ax.get_title()) for ax in fig.get_axes())


def test_images_and_trace(tmp_path):
    X, y = datasets.moons(n_samples=64, seed=0)
    pictures = np.random.default_rng(0).random((5, 64))
    fig = plots.plot_images(pictures, titles=list("abcde"), columns=3)
    assert [ax.get_title() for ax in fig.get_axes()][:5] == list("abcde")
    saved(fig, tmp_path / "images.png")
    with pytest.raises(ValueError, match="not a square number"):
        plots.plot_images(np.zeros((2, 10)))

    inputs, outputs, _ = datasets.tutorial()
    trace = record(Neuron(), inputs, outputs, 1000, at=range(1, 1001))
    fig = plots.plot_trace(trace)
    lines = fig.get_axes()[0].get_lines()
    assert [line.get_label() for line in lines[:3]] == [
        f"w{i + 1} \u2192 {trace.weights[i, 0]:.2f}" for i in range(3)]
    saved(fig, tmp_path / "trace.png")


def test_missing_matplotlib_names_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def refuse(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", refuse)
    with pytest.raises(ImportError, match=r"pip install 'neuronet\[plot\]'"):
        plots.plot_history({"loss": [1.0]})
