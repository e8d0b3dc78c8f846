"""neuronet.cli.models, called in this process: the model card of ``info`` and the drawing of
``diagram``."""

import argparse
import types

import numpy as np
import pytest

import neuronet
from neuronet.cli import models
from neuronet.cli.common import CommandError
from neuronet.serialization import read_model


@pytest.fixture
def saved(tmp_path):
    net = neuronet.Network.mlp([3, 4, 2], hidden="leaky_relu", output="softmax", seed=0)
    net.metadata.update(task="classification", feature_names=["a", "b", "c"],
                        classes=["no", "yes"], note="x" * 100)
    return net.save(tmp_path / "model.npz")


def test_model_card_describes_layers_and_metadata(saved):
    model, header = read_model(saved)
    card = models.model_card(saved, model, header)
    assert f"neuronet model, format version {header['format_version']}" in card
    assert "Dense" in card and "leaky_relu alpha" in card
    assert "task: classification" in card and "features (3): a, b, c" in card
    assert "classes (2): no, yes" in card
    assert "note: " in card and card.split("note: ")[1].split("\n")[0].endswith("...")


def test_listing_says_how_many_more():
    assert models._listing(list("abc"), limit=2) == "a, b, ... (1 more)"
    assert models._listing(["\x1b[31m"]) == "\\x1b[31m"


def test_diagram_draws_the_model_and_the_tutorial_neuron(saved, tmp_path, capsys):
    out = tmp_path / "net.svg"
    models._cmd_diagram(types.SimpleNamespace(model=str(saved), out=str(out), max_nodes=8))
    assert out.read_text().startswith("<svg") and "SVG" in capsys.readouterr().out
    models._cmd_diagram(types.SimpleNamespace(model=None, out=None, max_nodes=8))
    assert capsys.readouterr().out.startswith("<svg")
    with pytest.raises(CommandError, match="--max-nodes must be at least 2"):
        models._cmd_diagram(types.SimpleNamespace(model=None, out=None, max_nodes=1))


def test_diagram_will_not_overwrite_its_model(saved):
    with pytest.raises(CommandError):
        models._cmd_diagram(types.SimpleNamespace(model=str(saved), out=str(saved),
                                                  max_nodes=8))
    assert neuronet.load(saved).predict(np.ones((1, 3))).shape == (1, 2)


def test_the_parsers_are_registered():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers()
    models.add_info(commands)
    models.add_diagram(commands)
    assert parser.parse_args(["info", "m.npz"]).run is models._cmd_info
    args = parser.parse_args(["diagram", "-o", "x.svg"])
    assert args.model is None and args.out == "x.svg" and args.max_nodes == 8
