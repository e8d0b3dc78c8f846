"""The tutorial's training loop, told step by step: what the neuron output, how wrong it was,
how confident it was, and how much each weight moved, recorded at the iterations you choose.

``record`` trains a ``Neuron`` exactly as ``Neuron.train`` does (the same arithmetic, so the
same weights to the last bit) and keeps the numbers of the tutorial's loop along the way::

    output     = sigmoid(inputs . weights)
    error      = expected - output
    confidence = error * sigmoid_derivative(output)     # error * output * (1 - output)
    adjustment = inputs.T . confidence
    weights   += adjustment

``step`` carries the same loop to a network of any depth: one step of learning on one batch,
with every number of backpropagation kept (``neuronet.steps``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_count
from .steps import LayerStep, StepTrace, step

__all__ = ["DEFAULT_AT", "LayerStep", "Step", "StepTrace", "Trace", "record", "step"]

DEFAULT_AT = (1, 2, 3, 10, 100, 1000, 10_000)


@dataclass(frozen=True)
class Step:
    """The numbers of one iteration of the tutorial's loop (one row per training row).

    ``weights`` are those the iteration started from and ``new_weights`` those it left;
    ``iteration`` counts from 1.

    Parameters
    ----------
    iteration : int
        Which iteration this was, counted from 1.
    weights : ndarray of shape (n_inputs, 1)
        The weights the iteration started from.
    output : ndarray of shape (n_rows, 1)
        The neuron's output for each training row, ``sigmoid(inputs . weights)``.
    error : ndarray of shape (n_rows, 1)
        How wrong each output was, ``expected - output``.
    confidence : ndarray of shape (n_rows, 1)
        The error scaled by the sigmoid's slope, ``error * output * (1 - output)``.
    adjustment : ndarray of shape (n_inputs, 1)
        What was added to the weights, ``inputs.T . confidence`` (times the learning rate
        when it is not 1).
    new_weights : ndarray of shape (n_inputs, 1)
        The weights the iteration left.
    """

    iteration: int
    weights: np.ndarray
    output: np.ndarray
    error: np.ndarray
    confidence: np.ndarray
    adjustment: np.ndarray
    new_weights: np.ndarray


class Trace:
    """What ``record`` saw: the training table, the starting and final weights, and one
    ``Step`` per recorded iteration (``trace.steps``, or ``trace[iteration]``).

    ``len(trace)`` is the number of recorded steps, and iterating over a trace gives them in
    order; ``trace[iteration]`` raises KeyError for an iteration that was not recorded.

    Parameters
    ----------
    inputs : ndarray of shape (n_rows, n_inputs)
        The training inputs, as the neuron checked them.
    expected : ndarray of shape (n_rows, 1)
        The expected outputs.
    start : ndarray of shape (n_inputs, 1)
        The weights before the first iteration.
    steps : list of Step
        One per recorded iteration, in order.
    weights : ndarray of shape (n_inputs, 1)
        The weights after the last iteration.
    iterations : int
        How many iterations training ran.
    """

    def __init__(self, inputs, expected, start, steps, weights, iterations):
        self.inputs = inputs
        self.expected = expected
        self.start = start
        self.steps = steps
        self.weights = weights
        self.iterations = iterations

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self):
        return iter(self.steps)

    def __getitem__(self, iteration: int) -> Step:
        for recorded in self.steps:
            if recorded.iteration == iteration:
                return recorded
        recorded = ", ".join(str(step.iteration) for step in self.steps)
        raise KeyError(f"iteration {iteration} was not recorded (recorded: {recorded})")

    def weights_history(self):
        """(iterations, weights): iteration 0 and every recorded one, with the weights each
        left, as arrays of shape (k,) and (k, n_inputs), ready to plot.

        Returns
        -------
        iterations : ndarray of shape (k,)
            0, then the number of every recorded iteration.
        weights : ndarray of shape (k, n_inputs)
            The starting weights, then those each recorded iteration left.
        """
        iterations = np.array([0] + [step.iteration for step in self.steps])
        weights = np.array([self.start.ravel()] + [step.new_weights.ravel() for step in self])
        return iterations, weights

    def table(self, *, detail: int = 3, test_input=None) -> str:
        """A compact table in the tutorial's words: the first ``detail`` recorded iterations
        row by row, then the weights at every recorded iteration as they converge (with the
        neuron's answer for ``test_input``, when given).

        Parameters
        ----------
        detail : int, default 3
            How many of the first recorded iterations to show row by row.
        test_input : array-like of shape (n_inputs,), optional
            An input the neuron did not train on; when given, a column shows the neuron's
            output for it at every recorded iteration.

        Returns
        -------
        str
            The table, lines joined by newlines.
        """
        lines = [
            f"Each iteration, on all {len(self.inputs)} training rows at once:",
            "  output     = sigmoid(inputs . weights)",
            "  error      = expected - output",
            "  confidence = error * output * (1 - output)   "
            "(largest when the neuron is unsure)",
            "  adjustment = inputs.T . confidence           (added to the weights)",
        ]
        width = max(len(_row(x)) for x in self.inputs)
        for it in self.steps[:detail]:
            lines += ["", f"Iteration {it.iteration}, from weights {_vector(it.weights)}:"]
            lines.append(f"  {'inputs':>{width}}  expected    output     error  confidence")
            for x, target, out, err, conf in zip(
                self.inputs, self.expected[:, 0], it.output[:, 0], it.error[:, 0],
                it.confidence[:, 0],
            ):
                lines.append(f"  {_row(x):>{width}}  {target:8g}  {out:8.4f}  {err:8.4f}"
                             f"  {conf:10.4f}")
            lines.append(f"  adjustment {_vector(it.adjustment)} -> weights "
                         f"{_vector(it.new_weights)}")

        n = self.start.shape[0]
        header = "  iteration" + "".join(f"{f'w{i}':>10}" for i in range(1, n + 1))
        header += "  mean |error|"
        if test_input is not None:
            test_input = np.asarray(test_input, dtype=np.float64)
            header += f"  output for [{_row(test_input)}]"
        lines += ["", "The weights as they converge:", header]
        rows = [(0, self.start)] + [(step.iteration, step.new_weights) for step in self.steps]
        for iteration, weights in rows:
            error = self.expected - _sigmoid(self.inputs @ weights)
            line = f"  {iteration:9d}" + "".join(f"{w:10.4f}" for w in weights[:, 0])
            line += f"  {np.mean(np.abs(error)):12.4f}"
            if test_input is not None:
                line += f"  {_sigmoid(test_input @ weights)[0]:.8f}"
            lines.append(line)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"<Trace: {self.iterations} iterations, {len(self.steps)} recorded, "
                f"weights {_vector(self.weights)}>")


def record(neuron, training_inputs, training_outputs, iterations, *, at=None) -> Trace:
    """Train ``neuron`` as ``neuron.train`` would, keeping the loop's numbers at the
    iterations listed in ``at``; returns a ``Trace``. The neuron's weights end exactly where
    ``train`` would have left them.

    Parameters
    ----------
    neuron : Neuron
        The neuron to train (its weights are updated in place, as ``train`` does).
    training_inputs, training_outputs : arrays
        The training table: one row of inputs and one expected output per example.
    iterations : int
        How many times to adjust the weights.
    at : iterable of int, optional
        Iterations to record, counted from 1 (default: 1, 2, 3, 10, 100, 1,000 and
        10,000, those that happen, and the last). ``range(1, iterations + 1)`` records
        them all.

    Returns
    -------
    Trace
        The training table, the starting and final weights, and one ``Step`` per recorded
        iteration.

    Raises
    ------
    ValueError
        When the table does not fit the neuron, ``iterations`` is not a count, or ``at`` is
        not a list of iteration numbers from 1 to ``iterations``.
    """
    inputs, expected = neuron.check_table(training_inputs, training_outputs)
    iterations = as_count(iterations, "iterations")
    wanted = _iterations_to_record(at, iterations)

    weights = neuron.weights
    start = weights.copy()
    rate = neuron.learning_rate
    steps = []
    # The tutorial's loop in its own words. Neuron.train does the same operations into
    # reused buffers; the test suite holds the two to bit-identical weights.
    with np.errstate(over="ignore"):
        for iteration in range(1, iterations + 1):
            output = 1 / (1 + np.exp(-np.dot(inputs, weights)))
            error = expected - output
            confidence = error * (output * (1 - output))
            adjustment = np.dot(inputs.T, confidence)
            if rate != 1.0:
                adjustment = adjustment * rate
            if iteration in wanted:
                before = weights.copy()
            weights += adjustment
            if iteration in wanted:
                steps.append(Step(iteration, before, output, error, confidence, adjustment,
                                  weights.copy()))
    return Trace(inputs, expected, start, steps, weights.copy(), iterations)


def _iterations_to_record(at, iterations) -> set:
    if at is None:
        return {i for i in DEFAULT_AT if i <= iterations} | ({iterations} if iterations else set())
    try:
        wanted = [as_count(i, "at", minimum=1) for i in at]
    except TypeError:
        raise ValueError(f"at must be a list of iteration numbers, got {at!r}") from None
    late = [i for i in wanted if i > iterations]
    if late:
        raise ValueError(
            f"at asks for iteration {late[0]}, but training runs {iterations} iterations "
            f"(counted from 1)"
        )
    return set(wanted)


def _sigmoid(x):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def _row(values) -> str:
    return " ".join(f"{v:g}" for v in np.ravel(values))


def _vector(values) -> str:
    return "[" + ", ".join(f"{v:.4f}" for v in np.ravel(values)) + "]"
