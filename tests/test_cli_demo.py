"""neuronet.cli.demo, called in this process: what each demo prints, and its parser."""

import argparse
import types

import numpy as np
import pytest

from neuronet import datasets
from neuronet.cli import demo
from neuronet.cli.common import CommandError
from neuronet.neuron import Neuron


def _args(which="tutorial", explain=False):
    return types.SimpleNamespace(which=which, explain=explain)


def test_the_tutorial_demo_prints_the_tutorials_weights_and_answer(capsys):
    demo.demo_tutorial(_args())
    out = capsys.readouterr().out
    inputs, outputs, test_input = datasets.tutorial()
    neuron = Neuron()
    neuron.train(inputs, outputs, 10000)
    assert "Random starting weights:" in out and "New weights after training:" in out
    assert str(neuron.weights) in out and str(neuron.run(test_input)) in out
    assert "Trained 10,000 iterations in" in out


def test_explain_tells_the_training_step_by_step(capsys):
    demo.demo_tutorial(_args(explain=True))
    out = capsys.readouterr().out
    assert "three inputs, one weight each" in out and "The weights converge toward" in out
    assert "Test of input [1, 0, 0] -> 0.99993" in out


def test_xor_shows_the_neuron_failing_and_the_network_succeeding(capsys):
    demo.demo_xor(_args("xor"))
    out = capsys.readouterr().out
    first, second = out.split("A network with a hidden layer")
    assert "no straight line separates" in first and "accuracy 100%" not in first
    assert "accuracy 100%" in second


def test_explain_applies_to_the_tutorial_only():
    with pytest.raises(CommandError, match="does not apply to 'demo xor'") as caught:
        demo._cmd_demo(_args("xor", explain=True))
    assert caught.value.status == 2


def test_add_demo_registers_every_demo():
    parser = argparse.ArgumentParser()
    demo.add_demo(parser.add_subparsers())
    args = parser.parse_args(["demo"])
    assert args.which == "tutorial" and args.explain is False and args.run is demo._cmd_demo
    assert parser.parse_args(["demo", "digits"]).which == "digits"
    assert set(demo.DEMOS) == {"tutorial", "xor", "digits"}
    with pytest.raises(SystemExit):
        parser.parse_args(["demo", "nothing"])


def test_the_xor_table_prints_a_row_per_example(capsys):
    demo._print_xor_table(np.array([[0, 1], [1, 1]]), np.array([1, 0]), np.array([0.9, 0.1]))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["x1", "x2", "target", "output"]
    assert lines[1].split() == ["0", "1", "1", "0.9000"]
