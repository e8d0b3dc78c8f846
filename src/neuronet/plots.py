"""Figures of learning: loss curves, decision boundaries, confusion matrices, digits, and the
tutorial neuron's weights as they converge. Needs matplotlib (``pip install 'neuronet[plot]'``).

Every function returns a matplotlib ``Figure`` made without pyplot: nothing is shown, no
window opens and no global state changes, so they work on servers and in tests alike. Save
one with ``fig.savefig("loss.png")``. A notebook shows the figure that ends a cell once
``%matplotlib inline`` has run (or pyplot has been imported) in it.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_count, as_float_array

POSITIVE = "#2166ac"  # class 1 in two-class pictures, as positive weights in the diagrams
NEGATIVE = "#c0392b"  # class 0


def _as_written(value) -> str:
    """A name from data (a class, a metric) drawn as written: matplotlib reads the text between
    two $ as a formula ("$5 to $10" would come out as an italic 5to10)."""
    return str(value).replace("$", r"\$")


def _figure(figsize):
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "neuronet.plots needs matplotlib: pip install 'neuronet[plot]'"
        ) from None
    return Figure(figsize=figsize, layout="constrained")


# --- learning curves --------------------------------------------------------------------------


def plot_history(history, *, keys=None, figsize=None):
    """Learning curves: the loss and each metric per epoch, on the training data (solid) and
    the validation data (dashed) when there was some.

    Parameters
    ----------
    history : History (from ``Network.fit``) or dict of lists
    keys : list of str, optional
        Which quantities to draw (default: all, loss first), e.g. ``["loss"]``.
    figsize : (width, height) in inches, optional
        Default: 4.5 by 3.5 for each quantity, side by side.

    Returns
    -------
    matplotlib.figure.Figure
        Not shown: ``fig.savefig(path)`` writes it; a notebook shows it.
    """
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict):
        raise ValueError(f"history must be a History or a dict of lists, got {history!r}")
    names = [k for k in logs if not k.startswith("val_") and len(logs[k])]
    names += [k[4:] for k in logs if k.startswith("val_") and k[4:] not in logs and len(logs[k])]
    if not names:
        raise ValueError("history holds no epochs; fit the network first")
    names.sort(key=lambda k: k != "loss")
    if keys is not None:
        keys = [keys] if isinstance(keys, str) else list(keys)
        missing = [k for k in keys if k not in names]
        if missing:
            raise ValueError(f"history has no {missing[0]!r}; it has {', '.join(names)}")
        names = keys
    fig = _figure(figsize or (4.5 * len(names), 3.5))
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    best = getattr(history, "best_epoch", None)
    for ax, name in zip(axes, names):
        for key, label, style in ((name, "training", "-"), (f"val_{name}", "validation", "--")):
            values = logs.get(key)
            if values is not None and len(values):
                epochs = np.arange(1, len(values) + 1)
                ax.plot(epochs, values, style, label=label, linewidth=2)
        if best is not None:
            ax.axvline(best, color="#888888", linestyle=":", label=f"best epoch ({best})")
        ax.set_title(_as_written(name.replace("_", " ")))
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(frameon=False)
    return fig


# --- decision boundaries ----------------------------------------------------------------------


def plot_decision_boundary(model, X, y, *, resolution=200, ax=None, title=None, figsize=(6, 5)):
    """How a model splits the plane: its answer everywhere around 2-D points, with the points.

    Two classes are shaded by the model's probability of class 1 (red 0, white 0.5, blue 1)
    with the boundary (probability 0.5) drawn; more classes colour each region by the class
    the model picks there.

    Parameters
    ----------
    model : Network, Neuron with 2 inputs, an object with ``predict_proba`` or ``predict``,
        or a function from an (n, 2) array to probabilities or classes.
    X : array of shape (n, 2)
        The points, drawn over the regions.
    y : array of n class labels (0, 1, ...)
        Their classes, which colour them.
    resolution : int
        The grid is resolution x resolution points.
    ax : matplotlib Axes, optional
        Draw into it (its figure is returned), to put several side by side.
    title : str, optional
        Default: the model's accuracy on these points.
    figsize : (width, height) in inches
        Of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        Not shown: ``fig.savefig(path)`` writes it; a notebook shows it.
    """
    X = as_float_array(X, "X")
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(
            f"plot_decision_boundary draws 2-D inputs: X must have shape (n, 2), got {X.shape}"
        )
    y = _labels(y, "y")
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)} labels")
    resolution = as_count(resolution, "resolution", minimum=2)
    predict = _predictor(model)

    low, high = X.min(axis=0), X.max(axis=0)
    margin = 0.15 * np.maximum(high - low, 1e-9)
    gx = np.linspace(low[0] - margin[0], high[0] + margin[0], resolution)
    gy = np.linspace(low[1] - margin[1], high[1] + margin[1], resolution)
    xx, yy = np.meshgrid(gx, gy)
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    answer = np.asarray(predict(grid), dtype=np.float64)
    points = np.asarray(predict(X), dtype=np.float64)

    if ax is None:
        fig = _figure(figsize)
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    n_classes = max(int(y.max()) + 1, 2)
    if answer.ndim == 2 and answer.shape[1] > 1:  # one probability per class
        classes = answer.argmax(axis=1).reshape(xx.shape)
        confidence = answer.max(axis=1).reshape(xx.shape)
        n_classes = max(n_classes, answer.shape[1])
        colours = _class_colours(n_classes)
        image = colours[classes]
        image[..., 3] = 0.15 + 0.35 * (confidence - confidence.min()) / max(np.ptp(confidence),
                                                                            1e-12)
        ax.imshow(image, origin="lower", aspect="auto", interpolation="bilinear",
                  extent=(gx[0], gx[-1], gy[0], gy[-1]))
        guessed = points.argmax(axis=1)
    else:
        probability = answer.reshape(xx.shape)
        if n_classes == 2 and _is_probability(answer):
            from matplotlib.colors import LinearSegmentedColormap

            shades = LinearSegmentedColormap.from_list("neuronet", [NEGATIVE, "#ffffff", POSITIVE])
            ax.contourf(xx, yy, probability, levels=np.linspace(0, 1, 11), cmap=shades,
                        alpha=0.55, vmin=0, vmax=1)
            ax.contour(xx, yy, probability, levels=[0.5], colors="#222222", linewidths=1.5)
            guessed = (points.reshape(-1) >= 0.5).astype(int)
        else:  # class labels
            classes = np.rint(probability).astype(int).clip(0, n_classes - 1)
            image = _class_colours(n_classes)[classes]
            image[..., 3] = 0.35
            ax.imshow(image, origin="lower", aspect="auto",
                      extent=(gx[0], gx[-1], gy[0], gy[-1]))
            guessed = np.rint(points.reshape(-1)).astype(int)
    colours = _class_colours(n_classes)
    for k in range(n_classes):
        chosen = y == k
        if chosen.any():
            ax.scatter(X[chosen, 0], X[chosen, 1], s=22 if len(X) > 50 else 70,
                       color=colours[k], edgecolor="white" if len(X) > 50 else "#222222",
                       linewidth=0.6, label=f"class {k}", zorder=3)
    ax.set_xlim(gx[0], gx[-1])
    ax.set_ylim(gy[0], gy[-1])
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    if title is None:
        title = f"accuracy {np.mean(guessed == y):.0%} on these {len(y)} points"
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
    return fig


def _predictor(model):
    from .network import Network
    from .neuron import Neuron

    if isinstance(model, Network):
        if model.n_inputs != 2:
            raise ValueError(f"the network takes {model.n_inputs} inputs; "
                             "plot_decision_boundary needs one that takes 2")
        return model.predict
    if isinstance(model, Neuron):
        if model.n_inputs != 2:
            raise ValueError(f"the neuron takes {model.n_inputs} inputs; plot_decision_boundary "
                             "needs 2 (wrap it in a function to add a constant input)")
        return model.run
    if hasattr(model, "predict_proba"):
        return model.predict_proba
    if hasattr(model, "predict"):
        return model.predict
    if callable(model):
        return model
    raise ValueError(f"model must be a Network, a Neuron, an estimator or a function; "
                     f"got {type(model).__name__}")


def _is_probability(values) -> bool:
    return values.size > 0 and values.min() >= 0 and values.max() <= 1 and not np.all(
        values == np.rint(values))


def _class_colours(n):
    from matplotlib import colormaps

    if n == 2:
        from matplotlib.colors import to_rgba

        return np.array([to_rgba(NEGATIVE), to_rgba(POSITIVE)])
    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return np.array([cmap(k % cmap.N) for k in range(n)])


def _labels(values, name):
    array = np.asarray(values)
    if array.ndim == 2 and array.shape[1] > 1:  # one-hot
        array = array.argmax(axis=1)
    array = as_float_array(array, name).reshape(-1) if array.ndim else array.reshape(-1)
    if array.size == 0:
        raise ValueError(f"{name} is empty; expected class labels")
    if np.any(array != np.rint(array)) or array.min() < 0:
        raise ValueError(f"{name} must hold class labels 0, 1, 2, ...; got {array[:5]}...")
    return array.astype(int)


# --- confusion matrices -----------------------------------------------------------------------


def confusion_matrix(y_true, y_pred, *, n_classes=None):
    """Counts of (true class, predicted class) pairs: row i, column j counts the examples of
    class i that were predicted as j. The diagonal holds the correct answers.

    ``y_pred`` may be class labels or a network's outputs: one probability per class
    (argmax taken) or one column of probabilities of class 1 (threshold 0.5).

    Parameters
    ----------
    y_true : array_like
        Class labels 0, 1, ...
    y_pred : array_like
        Class labels, or outputs as above.
    n_classes : int, optional
        Default: the largest label plus one.

    Returns
    -------
    ndarray
        Shape (n_classes, n_classes).
    """
    y_true = _labels(y_true, "y_true")
    predicted = np.asarray(y_pred)
    if predicted.ndim == 2 and predicted.shape[1] == 1:
        predicted = (as_float_array(predicted, "y_pred")[:, 0] >= 0.5).astype(int)
    y_pred = _labels(predicted, "y_pred")
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} labels but y_pred has {len(y_pred)}")
    k = max(y_true.max(), y_pred.max()) + 1
    if n_classes is not None:
        n_classes = as_count(n_classes, "n_classes", minimum=1)
        if k > n_classes:
            raise ValueError(f"labels go up to {k - 1}, beyond n_classes={n_classes}")
        k = n_classes
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def plot_confusion_matrix(y_true, y_pred, *, labels=None, normalize=False, ax=None, title=None,
                          figsize=(6, 5)):
    """The confusion matrix as a picture: true classes down, predicted classes across, each
    cell's count written in it. Mistakes are the cells off the diagonal.

    Parameters
    ----------
    y_true, y_pred : see ``confusion_matrix``.
    labels : list of str, optional
        Names of the classes (default 0, 1, 2, ...).
    normalize : bool
        Show each row as fractions of its true class instead of counts.
    ax : matplotlib Axes, optional
    title : str, optional
        Default: the accuracy.
    figsize : (width, height) in inches
        Of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        Not shown: ``fig.savefig(path)`` writes it; a notebook shows it.
    """
    counts = confusion_matrix(y_true, y_pred,
                              n_classes=None if labels is None else len(labels))
    k = len(counts)
    labels = [str(i) for i in range(k)] if labels is None else [_as_written(x) for x in labels]
    shown = counts.astype(np.float64)
    if normalize:
        shown = shown / np.maximum(shown.sum(axis=1, keepdims=True), 1)
    if ax is None:
        fig = _figure(figsize)
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    image = ax.imshow(shown, cmap="Blues", vmin=0)
    fig.colorbar(image, ax=ax, shrink=0.8, label="fraction of the row" if normalize else "count")
    top = shown.max() if shown.size else 1
    for i in range(k):
        for j in range(k):
            value = f"{shown[i, j]:.2f}" if normalize else f"{counts[i, j]}"
            if not normalize and counts[i, j] == 0:
                value = "\u00b7"
            ax.text(j, i, value, ha="center", va="center", fontsize=9 if k > 6 else 11,
                    color="white" if shown[i, j] > 0.6 * top else "#222222")
    ax.set_xticks(range(k), labels)
    ax.set_yticks(range(k), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if title is None:
        total = counts.sum()
        title = f"accuracy {np.trace(counts) / total:.1%} on {total:,} examples"
    ax.set_title(title)
    return fig


# --- images and the tutorial's trace ----------------------------------------------------------


def plot_images(images, *, titles=None, shape=None, columns=8, figsize=None):
    """Rows of pixels drawn as small pictures, e.g. the digits a network got wrong.

    Parameters
    ----------
    images : array (n, pixels) or (n, height, width)
    titles : list of n str, optional
        A caption over each picture.
    shape : (height, width), optional
        Of one picture, when images are flat rows (default: square, e.g. 8 x 8 for 64).
    columns : int
        Pictures per row of the figure.
    figsize : (width, height) in inches, optional
        Default: from the columns and rows.

    Returns
    -------
    matplotlib.figure.Figure
        Not shown: ``fig.savefig(path)`` writes it; a notebook shows it.
    """
    images = as_float_array(images, "images")
    if images.ndim == 2:
        if shape is None:
            side = int(round(np.sqrt(images.shape[1])))
            if side * side != images.shape[1]:
                raise ValueError(f"images have {images.shape[1]} pixels, not a square number: "
                                 "pass shape=(height, width)")
            shape = (side, side)
        if int(np.prod(shape)) != images.shape[1]:
            raise ValueError(f"shape {tuple(shape)} does not hold {images.shape[1]} pixels")
        images = images.reshape(len(images), *shape)
    if images.ndim != 3 or len(images) == 0:
        raise ValueError(f"images must be (n, pixels) or (n, height, width) with n >= 1, "
                         f"got shape {images.shape}")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"{len(images)} images but {len(titles)} titles")
    columns = min(as_count(columns, "columns", minimum=1), len(images))
    rows = -(-len(images) // columns)
    fig = _figure(figsize or (1.3 * columns, 1.5 * rows))
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for k, ax in enumerate(axes):
        ax.set_axis_off()
        if k < len(images):
            ax.imshow(images[k], cmap="gray_r", interpolation="nearest")
            if titles is not None:
                ax.set_title(_as_written(titles[k]), fontsize=10)
    return fig


def plot_trace(trace, *, figsize=(7, 4)):
    """The tutorial neuron's weights at each recorded iteration of a ``trace.record`` run,
    on a logarithmic scale of iterations: fast moves first, then a slow convergence.

    Parameters
    ----------
    trace : Trace
        From ``neuronet.trace.record``.
    figsize : (width, height) in inches

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        For a trace without recorded iterations.
    """
    iterations, weights = trace.weights_history()
    if len(iterations) < 2:
        raise ValueError("the trace holds no recorded iteration to draw")
    fig = _figure(figsize)
    ax = fig.add_subplot()
    steps = np.maximum(iterations, 0.8)  # iteration 0 (the start) on a log axis
    for i in range(weights.shape[1]):
        ax.plot(steps, weights[:, i], marker="o" if len(steps) <= 20 else None, markersize=4,
                linewidth=2, label=f"w{i + 1} \u2192 {weights[-1, i]:.2f}")
    ax.set_xscale("log")
    ax.axhline(0, color="#888888", linewidth=0.8)
    ax.set_xlabel("iteration (0 plotted at the far left)")
    ax.set_ylabel("weight")
    ax.set_title("The weights as the neuron trains")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
    return fig
