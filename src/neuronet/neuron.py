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
    def sigmoid(x, out=None):
        """The S-shaped curve that squashes any sum into (0, 1): 1 / (1 + e^-x).

        Parameters
        ----------
        x : ndarray
            The weighted sums.
        out : ndarray, optional
            Where to write the result.

        Returns
        -------
        ndarray
            Of the shape of ``x``, each in [0, 1].
        """
        if out is None:
            with np.errstate(over="ignore"):
                return 1 / (1 + np.exp(-x))
        np.negative(x, out)
        np.exp(out, out)  # overflows to inf for x < -709, and 1 / inf is 0: no warning
        np.add(1, out, out)
        return np.divide(1, out, out)

    @staticmethod
    def sigmoid_derivative(output, out=None):
        """Slope of the sigmoid, written in terms of the neuron's *output* s = sigmoid(x),
        into ``out`` if given.

        The tutorial calls the argument ``x``, but it is the output: d sigmoid/dx = s * (1 - s).
        The slope is largest (0.25) when the neuron is least sure (s = 0.5), so unsure
        answers are corrected most.

        Parameters
        ----------
        output : ndarray
            The neuron's outputs s = sigmoid(x).
        out : ndarray, optional
            Where to write the result.

        Returns
        -------
        ndarray
            s * (1 - s), of the shape of ``output``.
        """
        if out is None:
            return output * (1 - output)
        np.subtract(1, output, out)
        return np.multiply(output, out, out)

    def run(self, inputs):
        """The neuron's output for one input row (1-D) or a batch of rows (2-D).

        Parameters
        ----------
        inputs : array_like
            One row of ``n_inputs`` numbers, or rows of them.

        Returns
        -------
        ndarray
            Shape (1,) for a row, (rows, 1) for rows: each in (0, 1).

        Raises
        ------
        ValueError
            For inputs of the wrong shape or that are not numbers.
        """
        inputs = self._check_inputs(inputs, "inputs", allow_1d=True)
        with np.errstate(over="ignore"):
            return self.sigmoid(np.dot(inputs, self.weights))

    def train(self, training_inputs, training_outputs, iterations):
        """Adjust the weights ``iterations`` times on the whole table, as the tutorial does.

        Each iteration: output = run(inputs); error = expected - output;
        confidence = error * sigmoid_derivative(output);
        weights += learning_rate * inputs.T @ confidence.

        Parameters
        ----------
        training_inputs : array_like
            The table's inputs, shape (rows, n_inputs).
        training_outputs : array_like
            The expected output of each row, shape (rows, 1) or (rows,).
        iterations : int
            How many times to adjust the weights (the tutorial: 10,000).

        Returns
        -------
        Neuron
            The neuron itself, so that calls can be chained.

        Raises
        ------
        ValueError
            For a table that does not fit the neuron, or a negative ``iterations``.
        """
        inputs, expected = self.check_table(training_inputs, training_outputs)
        iterations = as_count(iterations, "iterations")
        if iterations == 0:
            return self

        # The tutorial's loop, line for line. Each result goes into an array made once (out=)
        # rather than a new one every iteration: the same arithmetic, bit for bit, without
        # ten thousand rounds of temporary arrays.
        weights, rate = self.weights, self.learning_rate
        sigmoid, sigmoid_derivative = self.sigmoid, self.sigmoid_derivative
        dot, subtract, multiply = np.dot, np.subtract, np.multiply
        output, slope = np.empty((len(inputs), 1)), np.empty((len(inputs), 1))
        error, adjustment = np.empty_like(output), np.empty_like(weights)
        inputs_T = inputs.T  # a view, made once
        with np.errstate(over="ignore"):
            for _ in range(iterations):
                output = sigmoid(dot(inputs, weights, output), output)
                error = subtract(expected, output, error)
                confidence = multiply(error, sigmoid_derivative(output, slope), error)
                adjustment = dot(inputs_T, confidence, adjustment)
                if rate != 1.0:
                    adjustment *= rate
                weights += adjustment
        return self

    def check_table(self, training_inputs, training_outputs):
        """(inputs, expected outputs) of a training table as float arrays.

        Parameters
        ----------
        training_inputs : array_like
            The table's inputs.
        training_outputs : array_like
            One expected output per row.

        Returns
        -------
        inputs : ndarray
            Shape (n, n_inputs).
        expected : ndarray
            Shape (n, 1).

        Raises
        ------
        ValueError
            Saying what does not fit the neuron.
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
        return inputs, expected

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
