"""The tutorial's single artificial neuron, kept faithful to the last bit.

A neuron weighs its inputs, sums them, and passes the sum through the sigmoid
function 1 / (1 + e^-x). Training nudges each weight by how wrong the neuron was,
scaled by how unsure it was (the slope of the sigmoid at its output).
"""

from __future__ import annotations

import numpy as np

from ._checks import as_count, as_float_array, as_positive_float


class Neuron:
    """One sigmoid neuron without bias, exactly as "A Quick Dive into Deep Learning" builds it.

    ``Neuron()`` is the tutorial's: seed 15, three inputs, starting weights
    ``2 * U[0, 1) - 1``. Trained 10,000 times on the tutorial's table it reaches
    the tutorial's weights bit for bit.

    Parameters
    ----------
    n_inputs : int
        How many inputs the neuron takes (one weight each).
    seed : int
        Seed of the neuron's own ``np.random.RandomState``, which draws the starting
        weights the way the tutorial does; NumPy's global random state is left alone.
    learning_rate : float
        Scale of each adjustment. The tutorial adds the adjustment as it is: 1.0.
    """

    def __init__(self, n_inputs: int = 3, *, seed: int = 15, learning_rate: float = 1.0):
        self.n_inputs = as_count(n_inputs, "n_inputs", minimum=1)
        self.seed = seed
        self.learning_rate = as_positive_float(learning_rate, "learning_rate")
        random = np.random.RandomState(seed)
        self.weights = 2 * random.random_sample((self.n_inputs, 1)) - 1

    def __repr__(self) -> str:
        return (
            f"Neuron(n_inputs={self.n_inputs}, seed={self.seed}, "
            f"learning_rate={self.learning_rate:g})"
        )

    def _repr_svg_(self) -> str:
        """Notebooks show the drawing (``neuronet.diagram``) when the object is named."""
        from .diagram import draw

        return draw(self)

    @staticmethod
    def sigmoid(x):
        """The S-shaped curve that squashes any sum into (0, 1)."""
        with np.errstate(over="ignore"):  # exp(-x) overflows to inf for x < -709; 1/inf is 0
            return 1 / (1 + np.exp(-x))

    @staticmethod
    def sigmoid_derivative(output):
        """Slope of the sigmoid, written in terms of the neuron's *output* s = sigmoid(x).

        The tutorial calls the argument ``x``, but it is the output: d sigmoid/dx = s * (1 - s).
        The slope is largest (0.25) when the neuron is least sure (s = 0.5), so unsure
        answers are corrected most.
        """
        return output * (1 - output)

    def run(self, inputs):
        """The neuron's output for one input row (1-D) or a batch of rows (2-D)."""
        inputs = self._check_inputs(inputs, "inputs", allow_1d=True)
        return self.sigmoid(np.dot(inputs, self.weights))

    def train(self, training_inputs, training_outputs, iterations):
        """Adjust the weights ``iterations`` times on the whole table, as the tutorial does.

        Each iteration: output = run(inputs); error = expected - output;
        confidence = error * sigmoid_derivative(output);
        weights += learning_rate * inputs.T @ confidence.
        Returns the neuron, so calls can be chained.
        """
        inputs = self._check_inputs(training_inputs, "training_inputs", allow_1d=False)
        expected = as_float_array(training_outputs, "training_outputs")
        if expected.ndim == 1:
            expected = expected[:, None]
        if expected.ndim != 2 or expected.shape[1] != 1:
            raise ValueError(
                f"training_outputs must be one column, shape ({len(inputs)}, 1) or "
                f"({len(inputs)},), got shape {expected.shape}"
            )
        if len(expected) != len(inputs):
            raise ValueError(
                f"training_inputs has {len(inputs)} rows but training_outputs has "
                f"{len(expected)}; expected one output per input row"
            )
        iterations = as_count(iterations, "iterations")
        if iterations == 0:
            return self

        # The tutorial's arithmetic, operation for operation, into buffers allocated once:
        # the results are bit-identical, without ten thousand rounds of temporary arrays.
        weights = self.weights
        inputs_t = inputs.T
        output = np.empty((len(inputs), 1))
        error = np.empty_like(output)
        slope = np.empty_like(output)
        adjustment = np.empty_like(weights)
        rate = self.learning_rate
        dot, negative, exp, add, subtract, multiply, divide = (
            np.dot, np.negative, np.exp, np.add, np.subtract, np.multiply, np.divide
        )
        with np.errstate(over="ignore"):
            for _ in range(iterations):
                dot(inputs, weights, output)
                negative(output, output)
                exp(output, output)
                add(1, output, output)
                divide(1, output, output)  # output = sigmoid(inputs @ weights)
                subtract(expected, output, error)
                subtract(1, output, slope)
                multiply(output, slope, slope)  # sigmoid_derivative(output)
                multiply(error, slope, error)  # confidence
                dot(inputs_t, error, adjustment)
                if rate != 1.0:
                    multiply(adjustment, rate, adjustment)
                add(weights, adjustment, weights)
        return self

    def _check_inputs(self, inputs, name: str, *, allow_1d: bool) -> np.ndarray:
        array = as_float_array(inputs, name)
        if array.ndim == 1 and allow_1d:
            if array.shape[0] != self.n_inputs:
                raise ValueError(
                    f"{name} has {array.shape[0]} values, but the neuron expects {self.n_inputs}"
                )
            return array
        if array.ndim != 2:
            shape = "(n_inputs,) or (n_rows, n_inputs)" if allow_1d else "(n_rows, n_inputs)"
            raise ValueError(f"{name} must have shape {shape}, got shape {array.shape}")
        if array.shape[1] != self.n_inputs:
            raise ValueError(
                f"{name} has {array.shape[1]} columns, but the neuron expects {self.n_inputs}"
            )
        if array.shape[0] == 0:
            raise ValueError(f"{name} has no rows; expected at least one")
        return array
