"""neuronet.playground.tutorial: the tutorial's neuron, stepped as Neuron.train steps it."""

import numpy as np

from neuronet import Neuron
from neuronet.datasets import tutorial as tutorial_table
from neuronet.playground.tutorial import TUTORIAL_ITERATIONS, Tutorial


def test_the_neuron_steps_as_neuron_train_and_stops_at_ten_thousand():
    tutorial = Tutorial()
    assert tutorial.advance(250) == 250 and tutorial.total_left() == TUTORIAL_ITERATIONS - 250
    inputs, outputs, _ = tutorial_table()
    same = Neuron()
    same.train(inputs, outputs, 250)
    np.testing.assert_array_equal(tutorial.neuron.weights, same.weights)
    frame = tutorial.frame()
    assert frame["iteration"] == 250 and len(frame["confidence"]) == 4
    assert tutorial.advance(20_000) == TUTORIAL_ITERATIONS - 250 and tutorial.done
    np.testing.assert_allclose(tutorial.neuron.weights[:, 0], [9.67, -0.21, -4.63], atol=0.01)
    net = tutorial.network()
    assert net.metadata["playground"]["tutorial_iterations"] == TUTORIAL_ITERATIONS
    tutorial.reset()
    assert tutorial.iteration == 0 and tutorial.step is None
