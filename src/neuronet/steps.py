"""One step of learning of a layered network, with every number kept: backpropagation seen.

The tutorial's neuron learns in four lines: its output, its error, its confidence
``error * output * (1 - output)`` and the adjustment ``inputs.T . confidence``. A network with
hidden layers learns the same way, layer after layer from the output back to the input; the
only new idea is how a hidden neuron learns its share of the blame: through the weights that
join it to the neurons after it (the chain rule). For every Dense layer, ``step`` keeps::

    z     = inputs . W + b          the weighted sums
    a     = activation(z)           the outputs
    dL/da                           how the loss changes with each output (for the last
                                    layer, from the loss; for the others, passed back)
    da/dz = activation'(z)          the local slope (a * (1 - a) for the sigmoid)
    dL/dz = dL/da * da/dz           the blame of each neuron: the tutorial's confidence
    dW    = inputs.T . dL/dz        how the loss changes with each weight (summed over rows)
    db    = column sums of dL/dz
    passed back = dL/dz . W.T       dL/da of the layer before

and then lets the optimizer move the weights, as ``Network.fit`` does on one batch.

The tutorial's signs. Its neuron adds ``adjustment``; gradient descent subtracts the gradient.
With the tutorial's loss, "sse" (half the sum of squared errors), and ``SGD(learning_rate=1)``::

    dL/da = a - t     = -error
    dL/dz             = -confidence
    dW                = -adjustment
    new weights = W - dW = W + adjustment

so every number is the tutorial's with its sign turned. With "mse" (the mean over the n rows
and k outputs of the squared error) ``dL/da = 2 (a - t) / (n k)``: the tutorial's numbers
times ``-2 / (n k)``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from . import losses, optimizers, targets
from ._checks import is_lazy, is_sparse
from .layers import Dense

__all__ = ["LayerStep", "StepTrace", "step"]


@dataclass(frozen=True, eq=False)
class LayerStep:
    """The numbers of one Dense layer in one step, for every row of the batch.

    Arrays have shape (rows, neurons) unless said otherwise.

    Parameters
    ----------
    number : int
        The layer's place among the Dense layers, from 1 (input side first).
    activation : str
        Its activation's name.
    inputs : ndarray
        What the layer read, (rows, inputs).
    z : ndarray
        The weighted sums ``inputs . weights + bias``.
    a : ndarray
        The outputs, ``activation(z)``.
    dL_da : ndarray
        How the loss changes with each output: from the loss for the last layer, passed back
        (and through dropout, if any) for the others.
    da_dz : ndarray or None
        The activation's slope at each sum (None for softmax, whose slope is a matrix per
        row).
    dL_dz : ndarray
        Each neuron's blame, ``dL_da * da_dz``: the tutorial's confidence, generalised.
    dW : ndarray
        The weights' gradient ``inputs.T . dL_dz``, (inputs, neurons), summed over the rows.
    db : ndarray or None
        The biases' gradient, the column sums of ``dL_dz``, (neurons,); None without bias.
    passed_back : ndarray or None
        ``dL_dz . weights.T``, (rows, inputs): the blame handed to the layer before (None for
        the first layer).
    weights, bias : ndarray
        The parameters before the step (``bias`` None without one).
    new_weights, new_bias : ndarray
        The parameters after the step.
    fused : bool
        True when the loss gave ``dL_dz`` straight from ``z`` (cross-entropy after sigmoid or
        softmax, Poisson after exp); ``dL_da * da_dz`` then equals it up to rounding.
    """

    number: int
    activation: str
    inputs: np.ndarray
    z: np.ndarray
    a: np.ndarray
    dL_da: np.ndarray
    da_dz: np.ndarray | None
    dL_dz: np.ndarray
    dW: np.ndarray
    db: np.ndarray | None
    passed_back: np.ndarray | None
    weights: np.ndarray
    bias: np.ndarray | None
    new_weights: np.ndarray
    new_bias: np.ndarray | None
    fused: bool = False

    @property
    def n_inputs(self) -> int:
        """How many inputs each neuron of the layer reads."""
        return self.weights.shape[0]

    @property
    def n_neurons(self) -> int:
        """How many neurons the layer has."""
        return self.weights.shape[1]


class StepTrace:
    """One step of learning on one batch, every number kept (what ``step`` returns).

    Printing it tells the step in the tutorial's words, from the output back to the input;
    ``explain`` follows one neuron of one row; ``table`` gives the numbers as a DataFrame and
    ``draw`` as a picture (shown by notebooks when the object is named). ``step[k]`` is the
    LayerStep of Dense layer k, counted from 1 as the words count.

    Parameters
    ----------
    layers : list of LayerStep
        One per Dense layer, input side first.
    X : ndarray
        The batch, (rows, inputs).
    targets : ndarray
        What the network should have output, (rows, outputs).
    loss : float
        The batch's loss before the step, as ``fit`` computes it.
    loss_name : str
        The loss's name ("sse", "mse", "binary_crossentropy"...).
    optimizer : str
        The optimizer that took the step, as ``repr`` shows it.
    weights_before, weights_after : list of ndarray
        Every parameter before and after the step, in the order of
        ``Network.get_weights()``.
    notes : list of (int, str)
        Layers between the Dense ones (dropout): the number of Dense layers before each, and
        its description.
    """

    def __init__(self, layers, X, targets, loss, loss_name, optimizer, weights_before,
                 weights_after, notes=()):
        self.layers = list(layers)
        self.X = X
        self.targets = targets
        self.loss = float(loss)
        self.loss_name = loss_name
        self.optimizer = optimizer
        self.weights_before = weights_before
        self.weights_after = weights_after
        self.notes = list(notes)

    @property
    def outputs(self) -> np.ndarray:
        """The network's outputs for the batch before the step, (rows, outputs)."""
        return self.layers[-1].a

    @property
    def n_rows(self) -> int:
        """How many rows the batch has."""
        return self.X.shape[0]

    @property
    def sizes(self) -> list:
        """Units per layer, inputs first: [2, 4, 1] for a 2-4-1 network."""
        return [self.layers[0].n_inputs] + [layer.n_neurons for layer in self.layers]

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, number: int) -> LayerStep:
        return self.layers[self._layer_index(number)]

    def _layer_index(self, number) -> int:
        if isinstance(number, bool) or not isinstance(number, (int, np.integer)) or not \
                1 <= number <= len(self.layers):
            raise ValueError(f"layers are numbered 1 to {len(self.layers)} (the Dense layers, "
                             f"from the input side), got {number!r}")
        return int(number) - 1

    def __str__(self) -> str:
        return self.words()

    def words(self, row=0) -> str:
        """The step in the tutorial's words, from the output back to the input.

        It follows one row (``print(step)`` tells row 0), then tells what every weight learns
        from the whole batch.

        Parameters
        ----------
        row : int
            The row of the batch to follow, from 0 (the words count rows from 1).

        Returns
        -------
        str
            The words, in lines of at most 100 characters.

        Raises
        ------
        ValueError
            If the row does not exist.
        """
        from ._stepwords import tell

        return tell(self, row)

    def __repr__(self) -> str:
        sizes = "-".join(map(str, self.sizes))
        return (f"<StepTrace: {sizes} network, {self.n_rows} rows, {self.loss_name} "
                f"{self.loss:.6g}, {self.optimizer}>")

    def explain(self, row=0, neuron=None) -> str:
        """One neuron of one row, followed with every number, each from the ones beside it.

        Parameters
        ----------
        row : int
            The row of the batch, from 0.
        neuron : (layer, index) or None
            The Dense layer (numbered from 1, input side first) and the neuron in it (from 0);
            default: the output layer's first neuron.

        Returns
        -------
        str
            Several lines of text.

        Raises
        ------
        ValueError
            If the row, layer or neuron does not exist.
        """
        from ._stepwords import explain

        return explain(self, row, neuron)

    def table(self):
        """The numbers as a pandas DataFrame: one line per layer, neuron and row.

        Returns
        -------
        pandas.DataFrame
            Columns ``layer``, ``neuron``, ``row``, ``z``, ``a``, ``dL_da``, ``da_dz``,
            ``dL_dz``, ``db``, ``bias`` and ``new_bias`` (one neuron's bias and its gradient
            repeat on its rows).

        Raises
        ------
        ImportError
            If pandas is not installed.
        """
        from ._stepwords import table

        return table(self)

    def draw(self, row=0, *, max_nodes=10):
        """The network drawn with the step's numbers (``neuronet.stepdiagram.draw_step``).

        Parameters
        ----------
        row : int
            The row whose outputs and blames the neurons show.
        max_nodes : int
            Layers wider than this are summarised.

        Returns
        -------
        neuronet.diagram.SVG
            The drawing.

        Raises
        ------
        ValueError
            If the row does not exist.
        """
        from .stepdiagram import draw_step

        return draw_step(self, row=row, max_nodes=max_nodes)

    def _repr_svg_(self) -> str:
        return str(self.draw())


def step(network, X, y, *, loss=None, optimizer=None, update=False) -> StepTrace:
    """One step of learning on the batch (X, y), traced: every number of backpropagation.

    The numbers are those ``Network.fit`` computes on that batch, by the same functions: with
    ``batch_size=None`` and ``shuffle=False``, one epoch of ``fit`` leaves the weights exactly
    at ``weights_after`` (bit for bit). One difference: with plain SGD, ``fit`` multiplies the
    loss's gradient by the learning rate before passing it back (it saves a pass over the
    weights); the traced gradients are the plain ones, as with every other optimizer, while
    ``weights_after`` come from that very step.

    Parameters
    ----------
    network : Network
        The network; left unchanged unless ``update``.
    X : array of shape (rows, inputs)
        The batch.
    y : array
        Its targets, as ``fit`` takes them (class labels for categorical cross-entropy).
    loss : str or Loss, optional
        As for ``fit``; default: the loss the network was last fitted with.
    optimizer : SGD, Adam, "sgd", "adam" or None
        The optimizer that takes the step (default: a fresh Adam, as ``fit`` uses). Its state
        (momentum, Adam's moments) is used and, unless ``update``, left as it was.
    update : bool
        Take the step on ``network`` itself (and advance ``optimizer``), as ``fit`` would.

    Returns
    -------
    StepTrace
        The step's numbers.

    Raises
    ------
    ValueError
        If X or y do not fit the network, the loss does not fit its output, no loss is known,
        or the optimizer works on all rows at once (L-BFGS has no single step to show).
    FloatingPointError
        If the batch's loss is not finite (as ``fit`` raises; no step is taken).

    Notes
    -----
    For the tutorial's neuron (one sigmoid neuron without bias), the loss "sse" and
    ``SGD(learning_rate=1)``, the numbers are the tutorial's with gradient descent's sign:
    ``dL_da = -error``, ``dL_dz = -confidence``, ``dW = -adjustment``, and the new weights are
    the old plus the adjustment. With "mse" they are the tutorial's times ``-2 / (n k)``, for
    n rows and k outputs (see the module's documentation).
    """
    if loss is None:
        loss = network.loss
        if loss is None:
            raise ValueError("step needs a loss: pass loss=..., or fit the network first")
    loss = losses.get(loss)
    targets.check_loss_fits_output(network, loss)
    if optimizer is None:
        optimizer = optimizers.Adam()
    optimizer = optimizers.get(optimizer)
    if optimizer.full_batch:
        raise ValueError(f"{type(optimizer).__name__} searches over all rows at once and takes "
                         "no single step of one batch to trace; use SGD or Adam")
    if is_sparse(X) or is_lazy(X):
        raise ValueError("step traces a batch held in memory: pass X as a NumPy array "
                         "(X.toarray() for a sparse matrix, np.asarray for data on disk)")
    X = network.check_inputs(X, "X")
    n = X.shape[0]
    expected = targets.prepare(network, loss, y, n).rows(slice(0, n))

    before = network.get_weights()
    # Traced on a copy, whose random draws (dropout) are those the network itself would make.
    traced = _trace(copy.deepcopy(network), X, expected, loss)
    if update:
        learner, stepper = network, optimizer
    else:
        learner, stepper = copy.deepcopy(network), copy.deepcopy(optimizer)
    with learner.claim(), np.errstate(over="ignore", invalid="ignore"):
        value, _ = learner.train_batch(X, expected, loss, stepper)
    if not np.isfinite(value):
        raise FloatingPointError(f"the loss is {value} on this batch; no step was taken "
                                 "(scale the inputs, or start from smaller weights)")
    after = learner.get_weights()
    layers, notes = _with_weights(traced["layers"], network, before, after), traced["notes"]
    return StepTrace(layers, X, expected, traced["loss"], loss.name, repr(optimizer), before,
                     after, notes)


def _trace(network, X, expected, loss) -> dict:
    """The forward and backward pass of ``Network.train_batch`` with a gradient scale of 1,
    layer by layer, keeping a copy of every number on the way."""
    layers = network.layers
    last = len(layers) - 1
    fused = network.fuses(loss)
    forward: list[dict] = []
    notes: list[tuple] = []
    inputs = X
    with np.errstate(over="ignore", invalid="ignore"):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Dense):
                notes.append((len(forward), repr(layer)))
                inputs = layer.forward(inputs, training=True)
                continue
            seen = inputs.copy()
            if fused and i == last:
                z = layer.sums(inputs)  # forward_with_loss may overwrite its own sums
                inputs, value = layer.forward_with_loss(inputs, loss, expected)
            else:
                inputs = layer.forward(inputs, training=True)
                z = layer.z.copy()
            forward.append({"inputs": seen, "z": z, "a": inputs.copy()})
        outputs = inputs
        if not fused:
            value = loss.value(outputs, expected)
        if loss.scale != 1:
            value *= loss.scale
        if fused:
            grad = loss.gradient_from_logits(outputs, expected, scale=loss.scale)
            shown = loss.gradient(outputs.copy(), expected)  # dL/da, for the words only
            if loss.scale != 1:
                shown *= loss.scale
        else:
            grad = loss.gradient(outputs, expected)
            if loss.scale != 1:
                grad *= loss.scale
        found = []
        k = len(forward)
        for i in range(last, -1, -1):
            layer = layers[i]
            if not isinstance(layer, Dense):
                grad = layer.backward(grad, need_input_grad=i > 0)
                continue
            k -= 1
            through = not (fused and i == last)
            a = forward[k]["a"]
            dL_da = grad.copy() if through else shown
            dL_dz = layer.activation.backward(a, grad.copy()) if through else grad.copy()
            try:
                slope = layer.activation.derivative(a)
            except NotImplementedError:  # softmax: a matrix per row, not a factor
                slope = None
            passed = layer.backward(grad, need_input_grad=i > 0, through_activation=through)
            found.append({
                "number": k + 1, "activation": layer.activation.name, **forward[k],
                "dL_da": dL_da, "da_dz": None if slope is None else np.array(slope),
                "dL_dz": np.array(dL_dz), "dW": np.array(layer.grad_weights),
                "db": None if layer.grad_bias is None else layer.grad_bias.copy(),
                "passed_back": None if passed is None else passed.copy(), "fused": not through,
            })
            grad = passed
    return {"layers": found[::-1], "loss": value, "notes": notes}


def _with_weights(found, network, before, after) -> list:
    """LayerSteps from the traced numbers and the parameters before and after the step."""
    # get_weights lists each layer's weights, then its bias if it has one.
    position, steps = 0, []
    dense = network.dense_layers
    for numbers, layer in zip(found, dense):
        weights, new_weights = before[position], after[position]
        position += 1
        bias = new_bias = None
        if layer.bias is not None:
            bias, new_bias = before[position], after[position]
            position += 1
        steps.append(LayerStep(weights=weights, bias=bias, new_weights=new_weights,
                               new_bias=new_bias, **numbers))
    return steps
