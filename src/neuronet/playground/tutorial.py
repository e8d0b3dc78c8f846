"""The tutorial's neuron in the playground: its four-row table, trained one iteration at a time
exactly as ``Neuron.train`` trains it, with the numbers the page shows of each iteration."""

from __future__ import annotations

import numpy as np

from ..layers import Dense
from ..network import Network
from ..neuron import Neuron
from ..trace import record

TUTORIAL_ITERATIONS = 10_000
# Iterations at which the tutorial's weights are kept for the page's chart: evenly spread on a
# logarithmic scale, since the weights move most in the first hundred.
_CHARTED = sorted({round(10 ** (k / 40)) for k in range(161)})


class Tutorial:
    """The tutorial's neuron: its four-row table, trained one iteration at a time exactly as
    ``Neuron.train`` would (``neuronet.trace.record``), up to the tutorial's 10,000."""

    def __init__(self):
        from ..datasets import tutorial

        self.inputs, self.outputs, self.test_input = tutorial()
        self.reset()

    def reset(self) -> None:
        """Back to the tutorial's starting neuron (seed 15), not trained."""
        self.neuron = Neuron()
        self.start = self.neuron.weights.copy()
        self.iteration = 0
        self.step = None
        self.history = [[0, *self.start[:, 0].tolist()]]

    @property
    def done(self) -> bool:
        """Whether the neuron has trained all of the tutorial's 10,000 iterations."""
        return self.iteration >= TUTORIAL_ITERATIONS

    def total_left(self) -> int:
        """Iterations left to the tutorial's 10,000.

        Returns
        -------
        int
            How many.
        """
        return TUTORIAL_ITERATIONS - self.iteration

    def advance(self, iterations: int) -> int:
        """Train the neuron ``iterations`` more iterations (no further than 10,000).

        Parameters
        ----------
        iterations : int
            How many.

        Returns
        -------
        int
            How many it trained.
        """
        iterations = min(iterations, TUTORIAL_ITERATIONS - self.iteration)
        if iterations > 0:
            first = self.iteration
            at = {i - first for i in _CHARTED if first < i <= first + iterations}
            trace = record(self.neuron, self.inputs, self.outputs, iterations,
                           at=sorted(at | {iterations}))
            self.step = trace.steps[-1]
            self.history += [[first + step.iteration, *step.new_weights[:, 0].tolist()]
                             for step in trace.steps]
            self.iteration += iterations
        return iterations

    def frame(self) -> dict:
        """What the page shows of the neuron now: its table, weights, and the last
        iteration's output, error, confidence and adjustment, as the tutorial names them.

        Returns
        -------
        dict
            The "tutorial" message.
        """
        weights = self.neuron.weights[:, 0]
        message = {"type": "tutorial", "iteration": self.iteration,
                   "total": TUTORIAL_ITERATIONS, "done": self.done,
                   "inputs": self.inputs.tolist(), "expected": self.outputs[:, 0].tolist(),
                   "start": self.start[:, 0].tolist(), "weights": weights.tolist(),
                   "testInput": self.test_input.tolist(), "history": self.history,
                   "test": float(1 / (1 + np.exp(-self.test_input @ weights)))}
        if self.step is not None:
            step = self.step
            message.update(before=step.weights[:, 0].tolist(), output=step.output[:, 0].tolist(),
                           error=step.error[:, 0].tolist(),
                           confidence=step.confidence[:, 0].tolist(),
                           adjustment=step.adjustment[:, 0].tolist())
        else:  # not trained yet: what the starting weights answer
            output = 1 / (1 + np.exp(-(self.inputs @ self.start[:, 0])))
            error = self.outputs[:, 0] - output
            message.update(output=output.tolist(), error=error.tolist(),
                           confidence=(error * output * (1 - output)).tolist())
        return message

    def network(self) -> Network:
        """The neuron as a one-layer Network (three inputs, sigmoid, no bias).

        Returns
        -------
        Network
            The network, with the tutorial's iterations in its metadata.
        """
        layer = Dense(3, 1, "sigmoid", bias=False)
        layer.weights = self.neuron.weights.copy()
        net = Network([layer], seed=15)
        net.metadata = {"feature_names": ["x1", "x2", "x3"], "task": "classification",
                        "classes": [0, 1],
                        "playground": {"tutorial_iterations": self.iteration}}
        return net
