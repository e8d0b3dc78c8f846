"""A traced step (``neuronet.steps``) told in the tutorial's words: the whole step from the
output back to the input (``tell``), one neuron of one row with every number (``explain``),
and the numbers as a table (``table``). The words count rows, layers and neurons from 1, as
the drawings do."""

from __future__ import annotations

import textwrap

import numpy as np

WIDE = 10  # neurons shown one by one; a wider layer is summarised

LOSS_WORDS = {
    "sse": "half the sum of the squared errors (the tutorial's)",
    "mse": "the mean of the squared errors",
    "binary_crossentropy": "binary cross-entropy",
    "categorical_crossentropy": "categorical cross-entropy",
    "poisson": "the Poisson deviance",
}

SLOPES = {
    "sigmoid": "a (1 - a)",
    "tanh": "1 - a^2",
    "relu": "1 where z > 0, else 0",
    "leaky_relu": "1 where z > 0, else alpha",
    "exp": "a (e^z is its own slope)",
    "identity": "1",
}


def num(x, digits=3) -> str:
    """A number as the words show it: ``digits`` significant digits."""
    x = float(x)
    if x == 0:
        return "0"
    return f"{x:.{digits}g}"


def _factor(x, digits=4) -> str:
    text = num(x, digits)
    return f"({text})" if text.startswith("-") else text


def _numbers(values, digits=3, limit=WIDE) -> str:
    values = np.ravel(values)
    if len(values) <= limit:
        return ", ".join(num(v, digits) for v in values)
    head = ", ".join(num(v, digits) for v in values[:5])
    tail = ", ".join(num(v, digits) for v in values[-2:])
    return f"{head}, ... ({len(values) - 7} more), {tail}"


def _largest(values) -> str:
    values = np.ravel(values)
    j = int(np.argmax(np.abs(values)))
    return f"largest in size: neuron {j + 1}, {num(values[j])}"


def _kind(step, k) -> str:
    return "output" if k == len(step.layers) - 1 else "hidden"


def _layer_name(step, k) -> str:
    layer = step.layers[k]
    count = layer.n_neurons
    return (f"layer {k + 1} ({_kind(step, k)}, {count} {layer.activation} "
            f"neuron{'s' if count > 1 else ''})")


def _loss_gradient_words(name, rows, outputs) -> str:
    nk = "n k" if outputs > 1 else "n"
    return {
        "sse": "a - t",
        "mse": f"2 (a - t) / ({nk})",
        "binary_crossentropy": f"(a - t) / (a (1 - a) {nk})",
        "categorical_crossentropy": "-t / (a n)",
        "poisson": f"(1 - t / a) / ({nk})",
    }.get(name, "the loss's gradient")


def _row(step, row) -> int:
    n = step.n_rows
    if isinstance(row, bool) or not isinstance(row, (int, np.integer)) or not 0 <= row < n:
        raise ValueError(f"row must be a row of the batch, 0 to {n - 1}, got {row!r}")
    return int(row)


def _fused_words(name, outputs) -> str:
    nk = "n" if name == "categorical_crossentropy" or outputs == 1 else "(n k)"
    return f"(a - t) / {nk}"


def _loss_gradient_numbers(name, a, t, n, k) -> str:
    """The loss's dL/da for one output with its numbers put in."""
    a_, t_, nk = _factor(a, 6), _factor(t, 4), n * k
    return {
        "sse": f"{a_} - {t_}",
        "mse": f"2 x ({a_} - {t_}) / {nk}",
        "binary_crossentropy": f"({a_} - {t_}) / ({a_} x (1 - {a_}) x {nk})",
        "categorical_crossentropy": f"-{t_} / ({a_} x {n})",
        "poisson": f"(1 - {t_} / {a_}) / {nk}",
    }.get(name, "")


def _slope_numbers(name, a, z) -> str:
    """The slope's formula with its numbers put in, and " = " (or nothing)."""
    a_ = _factor(a, 6)
    text = {"sigmoid": f"{a_} x (1 - {a_})", "tanh": f"1 - {a_}^2",
            "relu": f"(z = {num(z, 4)})", "leaky_relu": f"(z = {num(z, 4)})"}.get(name)
    return "" if text is None else text + " = "


def tell(step, row=0) -> str:
    """The whole step in words, from the output layer back to the input, for one row (from
    0), then what every weight learns from the whole batch."""
    r = _row(step, row)
    n, last = step.n_rows, len(step.layers) - 1
    lines = [
        f"One step of learning on {n} row{'s' if n > 1 else ''} with {step.optimizer}.",
        f"The loss, {LOSS_WORDS.get(step.loss_name, step.loss_name)}, is "
        f"{num(step.loss, 4)} before the step.",
        "",
        f"Forward, row {r + 1}{' of ' + str(n) if n > 1 else ''} (inputs {_numbers(step.X[r])}):",
    ]
    for k, layer in enumerate(step.layers):
        lines.append(f"  {_layer_name(step, k)}: sums z {_numbers(layer.z[r])}; "
                     f"outputs a {_numbers(layer.a[r])}")
    lines += ["", f"Backward, from the output to the input (row {r + 1}):"]
    out = step.layers[last]
    t, a = step.targets[r], out.a[r]
    shown = range(out.n_neurons) if out.n_neurons <= WIDE else [
        int(j) for j in np.argsort(-np.abs(t - a))[:3]]
    for j in shown:
        said = (f"  output neuron {j + 1} was {num(a[j])} and should be {num(t[j])}: "
                f"error {num(t[j] - a[j])}; ")
        if out.fused:
            said += (f"{step.loss_name} after {out.activation} makes its blame simply "
                     f"{_fused_words(step.loss_name, out.n_neurons)}: "
                     f"dL/dz = {num(out.dL_dz[r, j])}")
        else:
            said += (f"dL/da = {_loss_gradient_words(step.loss_name, n, out.n_neurons)} = "
                     f"{num(out.dL_da[r, j])}; its slope da/dz is {num(out.da_dz[r, j])}"
                     if out.da_dz is not None else
                     f"dL/da = {num(out.dL_da[r, j])}; softmax ties the row's outputs "
                     "together")
            said += f", so its blame dL/dz is {num(out.dL_dz[r, j])}"
            if step.loss_name == "sse" and out.activation == "sigmoid":
                said += f" (the tutorial's confidence {num(-out.dL_dz[r, j])}, sign turned)"
        lines.append(said + ".")
    if len(shown) < out.n_neurons:
        lines.append(f"  (the {len(shown)} largest errors of {out.n_neurons} outputs; "
                     f"blames {_numbers(out.dL_dz[r])})")
    for k in range(last - 1, -1, -1):
        layer, after = step.layers[k], step.layers[k + 1]
        where = "the output" if k + 1 == last else f"layer {k + 2}"
        if after.n_neurons == 1:
            how = (f"its blame {num(after.dL_dz[r, 0])} times the weight that joins them "
                   f"({_numbers(after.weights[:, 0])})")
        else:
            how = "the blames of " + where + "'s neurons times the weights that join them, added up"
        between = dict(step.notes).get(k + 1)
        gap = "" if between is None else f", as {between} leaves it"
        lines.append(f"  Each neuron of layer {k + 1} gets its share from {where}: {how}: "
                     f"dL/da {_numbers(layer.dL_da[r])}{gap}.")
        slope = SLOPES.get(layer.activation, f"{layer.activation}'s derivative")
        if layer.da_dz is not None:
            lines.append(f"  Their slopes ({slope}) are {_numbers(layer.da_dz[r])}, so their "
                         f"blames dL/dz = dL/da x da/dz are {_numbers(layer.dL_dz[r])}.")
        else:
            lines.append(f"  Through softmax their blames dL/dz are {_numbers(layer.dL_dz[r])}.")
        if layer.n_neurons > WIDE:
            lines.append(f"  ({_largest(layer.dL_dz[r])})")
    rows = "the row" if n == 1 else f"all {n} rows"
    lines += ["", f"Each weight learns its input times the blame of the neuron it feeds, added "
                  f"over {rows} (dW = inputs.T . dL/dz; db adds the blames):"]
    for k in range(last, -1, -1):
        layer = step.layers[k]
        moved = layer.new_weights - layer.weights
        line = f"  layer {k + 1}: dW (input by input) {_numbers(layer.dW)}"
        if layer.db is not None:
            line += f"; db {_numbers(layer.db)}"
        lines.append(line)
        lines.append(f"    the optimizer moves its weights by {_numbers(moved)}")
    return "\n".join(_wrapped(lines))


def _wrapped(lines, width=100):
    """Long lines folded, each continuation indented under its line."""
    for line in lines:
        indent = " " * (len(line) - len(line.lstrip()))
        yield from textwrap.wrap(line, width, subsequent_indent=indent + "  ",
                                 break_on_hyphens=False) or [""]


def explain(step, row, neuron) -> str:
    """One neuron of one row, every number beside the ones it comes from."""
    n = step.n_rows
    _row(step, row)
    if neuron is None:
        neuron = (len(step.layers), 0)
    try:
        number, j = neuron
    except (TypeError, ValueError):
        raise ValueError(f"neuron must be a pair (layer, index), got {neuron!r}") from None
    layer = step[number]  # raises for a layer that is not there
    k = int(number) - 1
    if isinstance(j, bool) or not isinstance(j, (int, np.integer)) or not \
            0 <= j < layer.n_neurons:
        raise ValueError(f"layer {number} has neurons 0 to {layer.n_neurons - 1}, got {j!r}")
    r, last = int(row), len(step.layers) - 1
    x, w = layer.inputs[r], layer.weights[:, j]
    z, a = layer.z[r, j], layer.a[r, j]
    source = "the inputs" if k == 0 else f"the outputs of layer {k}"
    between = dict(step.notes).get(k)
    if between is not None:
        source += f", through {between}"
    lines = [f"Row {r + 1} of {n}, {_layer_name(step, k)}, neuron {j + 1}.", "",
             "Forward:",
             f"  its inputs ({source}): {_numbers(x, 4, 12)}",
             f"  its weights: {_numbers(w, 4, 12)}"
             + ("" if layer.bias is None else f"; its bias {num(layer.bias[j], 4)}")]
    terms = [f"{_factor(xi)} x {_factor(wi)}" for xi, wi in zip(x, w)]
    if len(terms) > 6:
        terms = terms[:3] + [f"... ({len(terms) - 4} more)", terms[-1]]
    bias = "" if layer.bias is None else f" + {_factor(layer.bias[j])}"
    lines.append(f"  z = {' + '.join(terms)}{bias} = {num(z, 6)}")
    lines.append(f"  a = {layer.activation}(z) = {num(a, 6)}")
    lines += ["", "Backward:"]
    dL_da, dL_dz = layer.dL_da[r, j], layer.dL_dz[r, j]
    if k == last:
        t = step.targets[r, j]
        lines.append(f"  it should be {num(t, 4)}: error = t - a = {num(t - a, 6)}")
        numbers = _loss_gradient_numbers(step.loss_name, a, t, n, layer.n_neurons)
        lines.append(f"  dL/da = {_loss_gradient_words(step.loss_name, n, layer.n_neurons)} "
                     f"= {numbers + ' = ' if numbers else ''}{num(dL_da, 6)}   (n = {n} rows, "
                     f"k = {layer.n_neurons} output{'s' if layer.n_neurons > 1 else ''})")
    else:
        after = step.layers[k + 1]
        shares = [f"{_factor(after.dL_dz[r, i])} x {_factor(after.weights[j, i])}"
                  for i in range(after.n_neurons)]
        if len(shares) > 6:
            shares = shares[:3] + [f"... ({len(shares) - 4} more)", shares[-1]]
        lines.append(f"  its share of the blame of layer {k + 2}, through the weights that "
                     f"join them: dL/da = sum of dL/dz x weight = {' + '.join(shares)} = "
                     f"{num(after.passed_back[r, j], 6)}")
        if dL_da != after.passed_back[r, j]:
            lines.append(f"  then dropout: dL/da = {num(dL_da, 6)}")
    if layer.fused:
        t = step.targets[r, j]
        count = n if step.loss_name == "categorical_crossentropy" else n * layer.n_neurons
        lines.append(f"  {step.loss_name} after {layer.activation}: dL/dz = "
                     f"{_fused_words(step.loss_name, layer.n_neurons)} = ({_factor(a, 6)} - "
                     f"{_factor(t, 4)}) / {count} = {num(dL_dz, 6)}   (dL/da x da/dz, "
                     "without the rounding)")
    elif layer.da_dz is not None:
        slope = layer.da_dz[r, j]
        lines.append(f"  da/dz = {SLOPES.get(layer.activation, 'the derivative')} = "
                     f"{_slope_numbers(layer.activation, a, z)}{num(slope, 6)}")
        lines.append(f"  dL/dz = dL/da x da/dz = {_factor(dL_da, 6)} x {_factor(slope, 6)} = "
                     f"{num(dL_dz, 6)}   (its blame)")
    else:
        inner = float(np.dot(layer.dL_da[r], layer.a[r]))
        lines.append(f"  softmax: dL/dz = a x (dL/da - sum of a x dL/da over the row) = "
                     f"{_factor(a, 6)} x ({_factor(dL_da, 6)} - {_factor(inner, 6)}) = "
                     f"{num(dL_dz, 6)}")
    lines += ["", "What its weights learn:"]
    lines.append(f"  from this row, input x blame: {_numbers(x * dL_dz, 4, 12)}")
    lines.append(f"  dW, added over all {n} rows: {_numbers(layer.dW[:, j], 4, 12)}"
                 if n > 1 else f"  dW: {_numbers(layer.dW[:, j], 4, 12)}")
    if layer.db is not None:
        lines.append(f"  db = the sum of its blames over the rows = {num(layer.db[j], 6)}")
    if layer.passed_back is not None:
        lines.append(f"  it passes back to layer {k} blame x weight: "
                     f"{_numbers(dL_dz * w, 4, 12)}")
    lines.append(f"  after the step its weights are {_numbers(layer.new_weights[:, j], 4, 12)}"
                 + ("" if layer.bias is None else f"; its bias {num(layer.new_bias[j], 4)}"))
    return "\n".join(_wrapped(lines))


def table(step):
    """One line per layer, neuron and row: the numbers of ``explain`` as columns."""
    import pandas as pd

    parts = []
    for k, layer in enumerate(step.layers):
        rows, count = layer.z.shape
        nan = np.full((rows, count), np.nan)
        frame = {
            "layer": np.full(rows * count, k + 1),
            "neuron": np.tile(np.arange(count), rows),
            "row": np.repeat(np.arange(rows), count),
            "z": layer.z.ravel(), "a": layer.a.ravel(), "dL_da": layer.dL_da.ravel(),
            "da_dz": (nan if layer.da_dz is None else layer.da_dz).ravel(),
            "dL_dz": layer.dL_dz.ravel(),
        }
        for name in ("db", "bias", "new_bias"):
            values = getattr(layer, name)
            frame[name] = np.tile(np.full(count, np.nan) if values is None else values, rows)
        parts.append(pd.DataFrame(frame))
    return pd.concat(parts, ignore_index=True)
