"""Pictures of a neuron and of a network, as SVG, drawn the way the tutorial draws them.

A neuron: its inputs x1...xn, one weight on each arrow, the sum, the S-shaped activation and
the output y. A network: columns of units (the input, hidden and output layers), every
connection coloured by the sign of its weight (blue positive, red negative) and drawn thicker
the larger the weight. A wide layer is summarized: its first and last units and an ellipsis.

In a notebook, naming a ``Neuron`` or a ``Network`` draws it. Nothing beyond NumPy is needed.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

import numpy as np

from ._checks import as_count, as_float_array
from ._text import printable

POSITIVE = "#2166ac"  # blue
NEGATIVE = "#c0392b"  # red
ZERO = "#999999"
INK = "#222222"
MUTED = "#666666"
FONT = "DejaVu Sans, Verdana, Helvetica, Arial, sans-serif"
FILLS = {"input": "#ffffff", "hidden": "#eeeeee", "output": "#fff3c4"}


class SVG(str):
    """An SVG document: a string that notebooks display as a picture, and that can ``save``.

    Parameters
    ----------
    text : str
        The SVG document itself.
    width, height : int
        Its size in pixels, kept as the ``width`` and ``height`` attributes.
    """

    width: int
    height: int

    def __new__(cls, text: str, width: int, height: int):
        self = super().__new__(cls, text)
        self.width, self.height = width, height
        return self

    def _repr_svg_(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return f"<SVG drawing {self.width}x{self.height}>"

    def save(self, path) -> None:
        """Write the drawing to ``path`` atomically: a temporary file beside it, renamed into
        place, so that an existing file is never left half-written.

        Parameters
        ----------
        path : str or os.PathLike
            Where to write the drawing (an ``.svg`` file, say).
        """
        write_atomic(path, str(self))


def draw(model, **options) -> SVG:
    """The drawing of a ``Neuron`` (``draw_neuron``) or a ``Network`` (``draw_network``).

    Told apart by what they hold, not by their classes, so that drawing never imports what it
    draws (a Network draws itself in a notebook with this module): a network has ``layers``,
    the tutorial's neuron a column of ``weights`` and ``run``.

    Parameters
    ----------
    model : Neuron or Network
        What to draw.
    **options
        Passed on to ``draw_neuron`` (``inputs``, ``max_inputs``) or ``draw_network``
        (``max_nodes``).

    Returns
    -------
    SVG
        The drawing.

    Raises
    ------
    TypeError
        When ``model`` is neither a neuron nor a network.
    """
    if hasattr(model, "layers") and hasattr(model, "n_inputs"):
        return draw_network(model, **options)
    if hasattr(model, "run") and np.ndim(getattr(model, "weights", None)) == 2:
        return draw_neuron(model, **options)
    raise TypeError(f"draw takes a Neuron or a Network, got {type(model).__name__}")


def save(model, path, **options) -> None:
    """Draw ``model`` and write the SVG to ``path`` atomically.

    Parameters
    ----------
    model : Neuron or Network
        What to draw.
    path : str or os.PathLike
        Where to write the SVG.
    **options
        Passed on to ``draw``.
    """
    draw(model, **options).save(path)


# --- a neuron ---------------------------------------------------------------------------------


def draw_neuron(neuron, *, inputs=None, max_inputs: int = 8) -> SVG:
    """The tutorial's picture of one neuron: inputs, weights, sum, sigmoid, output.

    Parameters
    ----------
    neuron : Neuron
        The neuron to draw, with the weights it holds now.
    inputs : array of shape (n_inputs,), optional
        One input row: its values are written beside the inputs, and the sum and the
        output they give are written out.
    max_inputs : int
        More inputs than this (by three or more) are summarized: this many of them, the first
        and last ones, around an ellipsis.

    Returns
    -------
    SVG
        The drawing.

    Raises
    ------
    ValueError
        When ``inputs`` does not hold one value per input of the neuron, or ``max_inputs``
        is not a whole number of at least 2.
    """
    weights = np.asarray(neuron.weights, dtype=np.float64)[:, 0]
    n = len(weights)
    max_inputs = as_count(max_inputs, "max_inputs", minimum=2)
    values = None
    if inputs is not None:
        values = as_float_array(inputs, "inputs").ravel()
        if values.shape != (n,):
            raise ValueError(f"inputs has {values.size} values, but the neuron expects {n}")
    shown, gap = _visible(n, max_inputs)
    slots = len(shown) + (gap is not None)

    spacing, top = 58, 70
    height = max(top + slots * spacing + 110, 300)
    width = 700
    in_x, sum_x, act_x, out_x = 110, 380, 500, 630
    middle = top + (slots - 1) * spacing / 2
    body = []
    scale = max(np.abs(weights).max(), 1e-12)

    ys = {}
    edges, labels = [], []
    for slot, i in enumerate(_with_gap(shown, gap)):
        y = top + slot * spacing
        if i is None:
            body.append(_text(in_x, y + 8, "\u22ee", size=24, fill=MUTED, cls="ellipsis"))
            body.append(_text(in_x + 36, y + 4, f"{n - len(shown)} more", size=12, fill=MUTED,
                              anchor="start"))
            continue
        ys[i] = y
        w = weights[i]
        # Each arrow runs level for a while, its weight written above it where no other
        # arrow comes near, then turns toward the sum.
        bend = in_x + 170
        _, _, x2, y2 = _shorten(bend, y, sum_x, middle, 0, 32)
        edges.append((abs(w), _line([(in_x + 20, y), (bend, y), (x2, y2)], w, scale,
                                    title=f"w{i + 1} = {w:.6g}", faint=0.35)))
        labels.append(_text(in_x + 98, y - 8, _weight_label(i, w), size=14, fill=_colour(w),
                            halo=True))
    body += [edge for _, edge in sorted(edges, key=lambda e: e[0])]
    for i, y in ys.items():
        body.append(_circle(in_x, y, 20, FILLS["input"], title=f"input x{i + 1}"))
        body.append(_sub_label(in_x, y + 5, "x", i + 1, size=15))
        if values is not None:
            body.append(_text(in_x - 30, y + 5, f"{values[i]:g}", size=14, anchor="end",
                              fill=POSITIVE if values[i] else MUTED))
    body += labels

    # The sum, the activation and the output.
    body.append(_circle(sum_x, middle, 32, FILLS["hidden"], title="the weighted sum"))
    body.append(_text(sum_x, middle + 11, "\u03a3", size=32))
    body.append(_text(sum_x, middle + 56, "sum", size=13, fill=MUTED))
    body.append(_arrow(sum_x + 32, middle, act_x - 42, middle))
    body.append(f'<rect x="{act_x - 40}" y="{middle - 30:.1f}" width="80" height="60" rx="10" '
                f'fill="{FILLS["hidden"]}" stroke="{INK}" stroke-width="1.5">'
                f"<title>the activation: sigmoid(sum) = 1 / (1 + e^-sum)</title></rect>")
    body.append(_sigmoid_glyph(act_x, middle, 30, 20))
    body.append(_text(act_x, middle + 56, "sigmoid", size=13, fill=MUTED))
    body.append(_arrow(act_x + 40, middle, out_x - 24, middle))
    body.append(_circle(out_x, middle, 22, FILLS["output"], title="the output"))
    body.append(_text(out_x, middle + 6, "y", size=17))
    body.append(_text(out_x, middle + 56, "output", size=13, fill=MUTED))

    # The arithmetic in words under the picture.
    terms = [f"x{i + 1}\u00b7w{i + 1}" for i in range(n)]
    if n > 4:
        terms = terms[:2] + ["\u2026", terms[-1]]
    formula_y = top + slots * spacing + 30
    lines = ["sum = " + " + ".join(terms), "y = sigmoid(sum) = 1 / (1 + e^\u2212sum)"]
    if values is not None:
        total = float(values @ weights)
        with np.errstate(over="ignore"):
            output = 1 / (1 + np.exp(-total))
        lines[0] += f" = {total:.4f}"
        lines[1] += f" = {output:.8f}"
        body.append(_text(out_x, middle - 34, f"{output:.4f}", size=14, fill=POSITIVE))
    for k, line in enumerate(lines):
        body.append(_text(40, formula_y + 22 * k, line, size=14, anchor="start"))
    body.append(_legend(40, height - 24))
    return _document(width, height, body, f"A neuron with {n} inputs")


def _weight_label(i: int, w: float) -> str:
    return f"w{i + 1} = {w:.2f}".replace("-", "\u2212")


def _sigmoid_glyph(cx, cy, half_w, half_h) -> str:
    xs = np.linspace(-6, 6, 25)
    points = " ".join(
        f"{cx + half_w * x / 6:.1f},{cy + half_h - 2 * half_h / (1 + np.exp(-x)):.1f}"
        for x in xs
    )
    axis = (f'<line x1="{cx - half_w}" y1="{cy}" x2="{cx + half_w}" y2="{cy}" '
            f'stroke="#bbbbbb" stroke-width="1"/>')
    return axis + (f'<polyline points="{points}" fill="none" stroke="{INK}" '
                   f'stroke-width="2.5"/>')


# --- a network --------------------------------------------------------------------------------


def draw_network(network, *, max_nodes: int = 8) -> SVG:
    """The network as columns of units, input layer to output layer, with its connections.

    Each connection is blue for a positive weight and red for a negative one, and thicker the
    larger its magnitude (relative to the largest in its layer). Hovering over a connection
    or a unit in a browser shows its weight or bias.

    Parameters
    ----------
    network : Network
        The network to draw, with the weights it holds now; when its ``metadata`` names
        its inputs (``feature_names``) or its ``classes``, the units are labelled with them.
    max_nodes : int
        Layers wider than this (by three or more) show this many units, the first and last
        ones, around an ellipsis (8 of 784, say), so that any network stays readable.

    Returns
    -------
    SVG
        The drawing.

    Raises
    ------
    ValueError
        When ``max_nodes`` is not a whole number of at least 2.
    """
    from .layers import Dense, Dropout

    max_nodes = as_count(max_nodes, "max_nodes", minimum=2)
    dense = [layer for layer in network.layers if isinstance(layer, Dense)]
    sizes = [dense[0].n_inputs] + [layer.n_outputs for layer in dense]
    notes = [""] * len(sizes)
    column = 0
    for layer in network.layers:
        if isinstance(layer, Dense):
            column += 1
        elif isinstance(layer, Dropout):
            notes[column] = f"then dropout {layer.rate:g}"
    visible = [_visible(size, max_nodes) for size in sizes]
    slots = max(len(shown) + (gap is not None) for shown, gap in visible)

    # A saved model's metadata names its inputs and classes: label the units with them.
    inputs_named = _names(network.metadata.get("feature_names"), sizes[0])
    outputs_named = _names(network.metadata.get("classes"), sizes[-1])
    spacing, radius, col_gap = 38, 13, 180
    top = 92
    n_hidden = len(sizes) - 2
    inner_width = (len(sizes) - 1) * col_gap
    # Room for the labels beside the first and last columns (about 7 px a character).
    room_left = max(95, 7 * max(map(len, inputs_named or [""])) + 30)
    room_right = max(95, 7 * max(map(len, outputs_named or [""])) + 30)
    width = max(inner_width + room_left + room_right, 540)
    left = room_left + (width - inner_width - room_left - room_right) / 2
    height = top + slots * spacing + (104 if any(notes) or any(
        gap is not None for _, gap in visible) else 84)
    xs = [left + c * col_gap for c in range(len(sizes))]

    positions = []  # per column: {unit index: y}
    body, ellipses = [], []
    for c, (shown, gap) in enumerate(visible):
        count = len(shown) + (gap is not None)
        start = top + (slots - count) * spacing / 2
        ys = {}
        for slot, i in enumerate(_with_gap(shown, gap)):
            y = start + slot * spacing
            if i is None:
                ellipses.append(_text(xs[c], y + 9, "\u22ee", size=24, fill=MUTED, halo=True,
                                      cls="ellipsis"))
            else:
                ys[i] = y
        positions.append(ys)

    for c, layer in enumerate(dense):
        weights = np.asarray(layer.weights, dtype=np.float64)
        scale = max(float(np.abs(weights).max()), 1e-12)
        edges = []
        for i, y1 in positions[c].items():
            for j, y2 in positions[c + 1].items():
                w = weights[i, j]
                x1, a, x2, b = _shorten(xs[c], y1, xs[c + 1], y2, radius, radius)
                edges.append((abs(w), _line([(x1, a), (x2, b)], w, scale,
                                            title=f"weight {i + 1} \u2192 {j + 1}: {w:.6g}")))
        body += [edge for _, edge in sorted(edges, key=lambda e: e[0])]

    for c, ys in enumerate(positions):
        kind = "input" if c == 0 else "output" if c == len(sizes) - 1 else "hidden"
        layer = dense[c - 1] if c else None
        for i, y in ys.items():
            if c == 0:
                title = f"input x{i + 1}"
            else:
                title = f"unit {i + 1}"
                if layer.bias is not None:
                    title += f", bias {float(layer.bias[i]):.6g}"
            body.append(_circle(xs[c], y, radius, FILLS[kind], title=title))
            if c == 0 and inputs_named:
                body.append(_text(xs[c] - radius - 6, y + 5, inputs_named[i], size=12,
                                  anchor="end", halo=True))
            elif c == 0:
                body.append(_sub_label(xs[c] - radius - 6, y + 5, "x", i + 1, size=13,
                                       anchor="end"))
            elif c == len(sizes) - 1 and outputs_named:
                body.append(_text(xs[c] + radius + 6, y + 5, outputs_named[i], size=12,
                                  anchor="start", halo=True))
            elif c == len(sizes) - 1:
                index = None if sizes[-1] == 1 else i + 1
                body.append(_sub_label(xs[c] + radius + 6, y + 5, "y", index, size=13,
                                       anchor="start"))
        if c == 0:
            name, what = "input layer", f"{sizes[0]:,} input{'s' if sizes[0] > 1 else ''}"
        else:
            name = "output layer" if kind == "output" else (
                "hidden layer" if n_hidden == 1 else f"hidden layer {c}")
            what = f"{sizes[c]:,} unit{'s' if sizes[c] > 1 else ''}, {layer.activation.name}"
        body.append(_text(xs[c], 36, name, size=14, weight="bold"))
        body.append(_text(xs[c], 56, what, size=13, fill=MUTED))
        shown, gap = visible[c]
        below = [] if gap is None else [f"{len(shown)} of {sizes[c]:,} drawn"]
        below += [notes[c]] if notes[c] else []
        for k, note in enumerate(below):
            body.append(_text(xs[c], top + slots * spacing + 4 + 17 * k, note, size=12,
                              fill=MUTED))
    body += ellipses

    parameters = sum(p.size for p in network.parameters())
    body.append(_legend(24, height - 20))
    body.append(_text(width - 24, height - 44, f"{parameters:,} parameters", size=12,
                      fill=MUTED, anchor="end"))
    description = "A network with layers of " + ", ".join(f"{s:,}" for s in sizes) + " units"
    return _document(width, height, body, description)


def _names(names, count: int):
    """``names`` as labels of at most 18 characters, if there is one for each of ``count``
    units; else None. They come from a file: control characters are shown escaped."""
    if not isinstance(names, (list, tuple)) or len(names) != count:
        return None
    labels = [printable(n) for n in names]
    return [label if len(label) <= 18 else label[:17] + "\u2026" for label in labels]


# --- drawing primitives -----------------------------------------------------------------------


def _visible(size: int, limit: int):
    """Which units to draw (their indices) and where the ellipsis goes (None: nowhere).
    An ellipsis stands for at least three units: it would save no room for fewer."""
    if size <= limit + 2:
        return list(range(size)), None
    head = (limit + 1) // 2
    tail = limit - head
    return list(range(head)) + list(range(size - tail, size)), head


def _with_gap(shown, gap):
    items = list(shown)
    if gap is not None:
        items.insert(gap, None)
    return items


def _colour(w: float) -> str:
    return POSITIVE if w > 0 else NEGATIVE if w < 0 else ZERO


def _shorten(x1, y1, x2, y2, r1, r2):
    """The segment between two circles' centres, cut back to their rims."""
    dx, dy = x2 - x1, y2 - y1
    length = max(np.hypot(dx, dy), 1e-9)
    ux, uy = dx / length, dy / length
    return x1 + ux * r1, y1 + uy * r1, x2 - ux * r2, y2 - uy * r2


def _line(points, w, scale, *, title, faint=0.15) -> str:
    """A connection through ``points``: coloured by the sign of ``w``, thicker and more
    opaque the larger |w| is against ``scale`` (the weakest ``faint``ly)."""
    # The square root keeps middling weights visible next to a few large ones.
    strength = np.sqrt(min(abs(w) / scale, 1.0))
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return (
        f'<polyline class="edge" points="{path}" fill="none" stroke-linejoin="round" '
        f'stroke="{_colour(w)}" stroke-width="{0.5 + 3.5 * strength:.2f}" '
        f'stroke-opacity="{faint + (0.9 - faint) * strength:.2f}" stroke-linecap="round">'
        f"<title>{_xml(title)}</title></polyline>"
    )


def _arrow(x1, y1, x2, y2) -> str:
    return (f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{INK}" '
            f'stroke-width="1.8" marker-end="url(#arrow)"/>')


def _circle(x, y, r, fill, *, title) -> str:
    return (f'<circle class="node" cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{fill}" '
            f'stroke="{INK}" stroke-width="1.5"><title>{_xml(title)}</title></circle>')


def _text(x, y, text, *, size=13, fill=INK, anchor="middle", weight=None, halo=False,
          cls=None) -> str:
    extra = f' font-weight="{weight}"' if weight else ""
    if halo:  # a white outline behind the letters keeps them legible over crossing lines
        extra += ' stroke="#ffffff" stroke-width="4" stroke-linejoin="round" paint-order="stroke"'
    if cls:
        extra += f' class="{cls}"'
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" '
            f'text-anchor="{anchor}"{extra}>{_xml(text)}</text>')


def _xml(text) -> str:
    """``text`` as XML character data: markup escaped, and every character XML forbids (or
    a terminal would act on) written out as an escape such as ``\\x1b``."""
    return escape(printable(text))


def _sub_label(x, y, letter, index, *, size, anchor="middle") -> str:
    """``letter`` with ``index`` as a subscript, e.g. x with a small 1 below the line."""
    if index is None:
        return _text(x, y, letter, size=size, anchor=anchor)
    small = round(size * 0.72)
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{INK}" '
            f'text-anchor="{anchor}">{letter}<tspan font-size="{small}" dy="4">{index}'
            f"</tspan></text>")


def _legend(x, y) -> str:
    parts = []
    for k, (colour, label) in enumerate([(POSITIVE, "positive weight"),
                                         (NEGATIVE, "negative weight")]):
        left = x + k * 160
        parts.append(f'<line x1="{left}" y1="{y - 4}" x2="{left + 28}" y2="{y - 4}" '
                     f'stroke="{colour}" stroke-width="3.5" stroke-linecap="round"/>')
        parts.append(_text(left + 36, y, label, size=12, fill=MUTED, anchor="start"))
    parts.append(_text(x + 320, y, "thicker: larger |weight|", size=12, fill=MUTED,
                       anchor="start"))
    return "".join(parts)


def _document(width, height, body, description) -> SVG:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family={quoteattr(FONT)} role="img">'
        f"<title>{_xml(description)}</title>"
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{INK}"/>'
        "</marker></defs>"
        f'<rect width="100%" height="100%" fill="#ffffff"/>'
    )
    return SVG(head + "\n".join(body) + "</svg>\n", int(width), int(height))


def write_atomic(path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, renamed into
    place: the target is either the old file or the whole new one, never a part.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write.
    text : str
        What to write, as UTF-8.
    """
    from ._files import atomic_write

    with atomic_write(path, mode="w", encoding="utf-8") as handle:
        handle.write(text)
