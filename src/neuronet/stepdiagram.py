"""A traced step of learning (``neuronet.trace.step``) drawn as the network it ran through,
in the style of ``neuronet.diagram``: every number on it one a learner can recompute from the
ones beside it.

Each neuron shows its output ``a`` for one row of the batch, and its blame ``dL/dz``: written
under it, and as a ring around it, orange when the neuron was too high (positive blame: the
loss falls if its sum falls) and purple when too low, thicker the larger the blame within its
layer. Each connection is coloured by the sign of its weight (blue positive, red negative) and
drawn thicker the larger its gradient ``dL/dW`` over the batch, the amount the step moves it.
The inputs show the row's values and the outputs their targets. A wide layer is summarised.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

import numpy as np

from ._checks import as_count
from ._text import printable
from .diagram import FILLS, FONT, INK, MUTED, NEGATIVE, POSITIVE, SVG, ZERO

__all__ = ["TOO_HIGH", "TOO_LOW", "draw_step"]

TOO_HIGH = "#e08214"  # orange: positive blame, the output should come down
TOO_LOW = "#7b3294"  # purple: negative blame, the output should go up


def draw_step(step, *, row=0, max_nodes=10) -> SVG:
    """The network of a traced step with the step's numbers for one row.

    Parameters
    ----------
    step : StepTrace
        What ``neuronet.trace.step`` returned.
    row : int
        The row of the batch (from 0) whose outputs and blames the neurons show; the
        connections' gradients are those of the whole batch, as the step uses them.
    max_nodes : int
        Layers wider than this (by three or more) show this many neurons, the first and last
        ones, around an ellipsis.

    Returns
    -------
    neuronet.diagram.SVG
        The drawing, which notebooks display.

    Raises
    ------
    ValueError
        If ``row`` is not a row of the batch or ``max_nodes`` is not a count of at least 2.
    """
    n = step.n_rows
    if isinstance(row, bool) or not isinstance(row, (int, np.integer)) or not 0 <= row < n:
        raise ValueError(f"row must be a row of the batch, 0 to {n - 1}, got {row!r}")
    max_nodes = as_count(max_nodes, "max_nodes", minimum=2)
    r = int(row)
    layers = step.layers
    sizes = step.sizes
    visible = [_visible(size, max_nodes) for size in sizes]
    slots = max(len(shown) + (gap is not None) for shown, gap in visible)
    spacing, radius, col_gap, top = 70, 23, 230, 104
    room_left, room_right = 120, 150  # the inputs' names; the targets beside the outputs
    width = max(room_left + room_right + (len(sizes) - 1) * col_gap, 760)
    left = (width - (len(sizes) - 1) * col_gap) / 2 - (room_right - room_left) / 2
    height = top + slots * spacing + 124
    xs = [left + c * col_gap for c in range(len(sizes))]

    positions = []
    body, ellipses = [], []
    for c, (shown, gap) in enumerate(visible):
        count = len(shown) + (gap is not None)
        start = top + (slots - count) * spacing / 2
        ys = {}
        for slot, i in enumerate(_with_gap(shown, gap)):
            y = start + slot * spacing
            if i is None:
                ellipses.append(_text(xs[c], y + 8, "\u22ee", size=24, fill=MUTED,
                                      cls="ellipsis"))
                ellipses.append(_text(xs[c] + 16, y + 4, f"{sizes[c] - len(shown):,} more",
                                      size=11, fill=MUTED, anchor="start"))
            else:
                ys[i] = y
        positions.append(ys)

    # Connections, the weakest gradients first so that the strong ones lie on top.
    for c, layer in enumerate(layers):
        weights = np.asarray(layer.weights, dtype=np.float64)
        grads = np.asarray(layer.dW, dtype=np.float64)
        scale = max(float(np.abs(grads).max()), 1e-300)
        edges = []
        for i, y1 in positions[c].items():
            for j, y2 in positions[c + 1].items():
                w, g = weights[i, j], grads[i, j]
                title = (f"weight {i + 1} \u2192 {j + 1} of layer {c + 1}: w = {w:.4g}, "
                         f"dL/dW = {g:.4g} (over the batch), after the step "
                         f"{layer.new_weights[i, j]:.4g}")
                edges.append((abs(g), _edge(xs[c], y1, xs[c + 1], y2, radius + 4, w, g / scale,
                                            title)))
        body += [edge for _, edge in sorted(edges, key=lambda e: e[0])]

    # The inputs: the row's values.
    for i, y in positions[0].items():
        value = float(step.X[r, i])
        body.append(_circle(xs[0], y, radius, FILLS["input"], f"input x{i + 1} = {value:.6g}"))
        body.append(_text(xs[0], y + 4, _short(value), size=11, cls="value"))
        body.append(_text(xs[0] - radius - 8, y + 4, f"x{i + 1}", size=12, fill=MUTED,
                          anchor="end"))
    # The neurons: output inside, blame under and as a ring.
    for c, layer in enumerate(layers, 1):
        kind = "output" if c == len(layers) else "hidden"
        blames = layer.dL_dz[r]
        scale = max(float(np.abs(blames).max()), 1e-300)
        for j, y in positions[c].items():
            a, blame = float(layer.a[r, j]), float(blames[j])
            strength = np.sqrt(min(abs(blame) / scale, 1.0))
            ring = TOO_HIGH if blame > 0 else TOO_LOW if blame < 0 else ZERO
            title = (f"layer {c}, neuron {j + 1}: z = {float(layer.z[r, j]):.6g}, "
                     f"a = {a:.6g}, dL/da = {float(layer.dL_da[r, j]):.6g}, "
                     f"blame dL/dz = {blame:.6g}")
            body.append(f'<circle class="blame-ring" cx="{xs[c]:.1f}" cy="{y:.1f}" '
                        f'r="{radius + 3}" fill="none" stroke="{ring}" '
                        f'stroke-width="{1 + 5 * strength:.2f}" stroke-opacity="0.85"/>')
            body.append(_circle(xs[c], y, radius, FILLS[kind], title))
            body.append(_text(xs[c], y + 4, _short(a), size=11, cls="value"))
            body.append(_text(xs[c], y + radius + 17, f"blame {_short(blame)}", size=10.5,
                              fill=ring, cls="blame", halo=True))
            if kind == "output":
                target = float(step.targets[r, j])
                body.append(_text(xs[c] + radius + 12, y + 4, f"t = {_short(target)}",
                                  size=12, anchor="start", cls="target"))
    body += ellipses

    # Column headings.
    for c, size in enumerate(sizes):
        if c == 0:
            name, what = "inputs", f"row {r + 1} of {n}"
        else:
            layer = layers[c - 1]
            name = "output layer" if c == len(sizes) - 1 else f"hidden layer {c}"
            what = f"{size:,} {layer.activation}"
        body.append(_text(xs[c], 40, name, size=14, weight="bold"))
        body.append(_text(xs[c], 58, what, size=12, fill=MUTED))
        shown, gap = visible[c]
        if gap is not None:
            body.append(_text(xs[c], 76, f"{len(shown)} of {size:,} drawn", size=11,
                              fill=MUTED))

    caption = (f"Row {r + 1} of {n}; loss {step.loss_name} = {step.loss:.4g} over the batch, "
               "before the step")
    foot = top + slots * spacing + 18
    body.append(_text(24, foot, caption, size=13, anchor="start", cls="caption"))
    body.append(_text(24, foot + 19, f"The step is taken by {step.optimizer}.", size=11.5,
                      fill=MUTED, anchor="start"))
    body.append(_text(24, foot + 37, "In each neuron its output a for this row; under it, and "
                                     "as its ring, its blame dL/dz (orange: too high, purple: "
                                     "too low).", size=11.5, fill=MUTED, anchor="start"))
    body.append(_legend(24, foot + 62))
    sizes_text = "-".join(f"{s}" for s in sizes)
    return _document(width, height, body,
                     f"One step of learning of a {sizes_text} network, row {r + 1}")


def _short(value: float) -> str:
    """A number in at most about five characters: 0.73, -0.053, 12.4, 3e-05."""
    if value == 0:
        return "0"
    text = f"{value:.2g}" if abs(value) < 0.01 or abs(value) >= 1000 else (
        f"{value:.3f}".rstrip("0").rstrip(".") if abs(value) < 1 else f"{value:.3g}")
    return text.replace("-", "\u2212")


def _visible(size: int, limit: int):
    if size <= limit + 2:
        return list(range(size)), None
    head = (limit + 1) // 2
    return list(range(head)) + list(range(size - (limit - head), size)), head


def _with_gap(shown, gap):
    items = list(shown)
    if gap is not None:
        items.insert(gap, None)
    return items


def _edge(x1, y1, x2, y2, inset, w, strength, title) -> str:
    dx, dy = x2 - x1, y2 - y1
    length = max(float(np.hypot(dx, dy)), 1e-9)
    ux, uy = dx / length, dy / length
    a, b = (x1 + ux * inset, y1 + uy * inset), (x2 - ux * inset, y2 - uy * inset)
    strength = float(np.sqrt(min(abs(strength), 1.0)))
    colour = POSITIVE if w > 0 else NEGATIVE if w < 0 else ZERO
    return (f'<line class="edge" x1="{a[0]:.1f}" y1="{a[1]:.1f}" x2="{b[0]:.1f}" '
            f'y2="{b[1]:.1f}" stroke="{colour}" stroke-width="{0.6 + 5.4 * strength:.2f}" '
            f'stroke-opacity="{0.25 + 0.65 * strength:.2f}" stroke-linecap="round">'
            f"<title>{_xml(title)}</title></line>")


def _circle(x, y, r, fill, title) -> str:
    return (f'<circle class="node" cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{fill}" '
            f'stroke="{INK}" stroke-width="1.5"><title>{_xml(title)}</title></circle>')


def _text(x, y, text, *, size=13, fill=INK, anchor="middle", weight=None, halo=False,
          cls=None) -> str:
    extra = f' font-weight="{weight}"' if weight else ""
    if halo:
        extra += ' stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'
    if cls:
        extra += f' class="{cls}"'
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" '
            f'text-anchor="{anchor}"{extra}>{_xml(text)}</text>')


def _xml(text) -> str:
    return escape(printable(text))


def _legend(x, y) -> str:
    parts = []
    items = [(POSITIVE, "positive weight", 3), (NEGATIVE, "negative weight", 3),
             (MUTED, "thicker: larger |dL/dW|", 6)]
    for k, (colour, label, width) in enumerate(items):
        left = x + k * 165
        parts.append(f'<line x1="{left}" y1="{y - 4}" x2="{left + 26}" y2="{y - 4}" '
                     f'stroke="{colour}" stroke-width="{width}" stroke-linecap="round"/>')
        parts.append(_text(left + 33, y, label, size=11.5, fill=MUTED, anchor="start"))
    return "".join(parts)


def _document(width, height, body, description) -> SVG:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family={quoteattr(FONT)} role="img">'
        f"<title>{_xml(description)}</title>"
        '<rect width="100%" height="100%" fill="#ffffff"/>'
    )
    return SVG(head + "\n".join(body) + "</svg>\n", int(width), int(height))
