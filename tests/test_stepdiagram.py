"""step.draw(): the network of a traced step, with each neuron's output and blame and each
connection's gradient; parsed as XML, and rendered to a picture in Chromium."""

import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from neuronet import Network, diagram, stepdiagram, trace

SVG = "{http://www.w3.org/2000/svg}"
XOR = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_Y = np.array([0, 1, 1, 0], dtype=float)


def _xor_step():
    network = Network.mlp([2, 4, 4, 1], hidden="tanh", output="sigmoid", seed=1)
    return trace.step(network, XOR, XOR_Y, loss="sse")


def _parse(svg):
    root = ET.fromstring(str(svg))
    assert root.tag == f"{SVG}svg"
    return root


def _of_class(root, name):
    return [e for e in root.iter() if e.get("class") == name]


def _texts(root, name=None):
    return ["".join(e.itertext()) for e in root.iter(f"{SVG}text")
            if name is None or e.get("class") == name]


def test_every_neuron_shows_its_output_and_blame_and_every_connection_its_gradient():
    step = _xor_step()
    svg = step.draw(row=1)
    assert isinstance(svg, diagram.SVG) and step._repr_svg_() == str(step.draw())
    root = _parse(svg)
    assert len(_of_class(root, "node")) == 2 + 4 + 4 + 1
    assert len(_of_class(root, "blame-ring")) == 4 + 4 + 1
    edges = _of_class(root, "edge")
    assert len(edges) == 2 * 4 + 4 * 4 + 4 * 1
    values = _texts(root, "value")
    expected = [stepdiagram._short(v) for v in step.X[1]]
    for layer in step.layers:
        expected += [stepdiagram._short(v) for v in layer.a[1]]
    assert values == expected
    blames = _texts(root, "blame")
    assert blames == [f"blame {stepdiagram._short(v)}" for layer in step.layers
                      for v in layer.dL_dz[1]]
    assert _texts(root, "target") == ["t = 1"]
    (caption,) = _texts(root, "caption")
    assert caption.startswith("Row 2 of 4; loss sse = ") and f"{step.loss:.4g}" in caption
    # Colour: the weight's sign. Thickness: the gradient's size, within the layer.
    first = edges[:8]
    layer = step.layers[0]
    for edge in first:
        title = edge.find(f"{SVG}title").text
        i, j = (int(v) - 1 for v in title.split(":")[0].split()[1:4:2])
        w, g = layer.weights[i, j], layer.dW[i, j]
        assert edge.get("stroke") == (diagram.POSITIVE if w > 0 else diagram.NEGATIVE)
        assert f"dL/dW = {g:.4g}" in title
    widths = {float(e.get("stroke-width")) for e in first}
    order = sorted(first, key=lambda e: float(e.get("stroke-width")))
    grads = [abs(float(e.find(f"{SVG}title").text.split("dL/dW = ")[1].split()[0]))
             for e in order]
    assert grads == sorted(grads) and len(widths) > 1


def test_the_ring_says_too_high_or_too_low():
    step = _xor_step()
    root = _parse(step.draw(row=0))
    rings = _of_class(root, "blame-ring")
    blames = [v for layer in step.layers for v in layer.dL_dz[0]]
    for ring, blame in zip(rings, blames):
        assert ring.get("stroke") == (stepdiagram.TOO_HIGH if blame > 0 else
                                      stepdiagram.TOO_LOW if blame < 0 else diagram.ZERO)


def test_wide_layers_are_summarised():
    network = Network.mlp([30, 64, 10], hidden="relu", output="softmax", seed=1)
    rng = np.random.default_rng(0)
    step = trace.step(network, rng.normal(size=(5, 30)), [0, 1, 2, 3, 9],
                      loss="categorical_crossentropy")
    root = _parse(step.draw())
    assert len(_of_class(root, "node")) == 10 + 10 + 10  # ten a layer, the output whole
    assert "20 more" in _texts(root) and "54 more" in _texts(root)
    assert "10 of 64 drawn" in _texts(root)
    assert len(_of_class(_parse(step.draw(max_nodes=4)), "node")) == 4 + 4 + 4


def test_a_bad_row_is_refused():
    step = _xor_step()
    with pytest.raises(ValueError, match="0 to 3"):
        step.draw(row=4)
    with pytest.raises(ValueError, match="max_nodes"):
        step.draw(max_nodes=1)


def test_the_drawing_renders_in_a_browser(tmp_path):
    """Rendered in Chromium: the picture holds the weights' blue and red and the rings'
    orange and purple (the PNG stays in the test's folder to be looked at)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed")
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("chromium is not installed")
    svg = _xor_step().draw(row=1)
    png = tmp_path / "step.png"
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=executable, args=["--no-sandbox", "--headless", "--disable-gpu"])
        except Exception as exc:
            pytest.skip(f"Chromium did not start: {str(exc).splitlines()[0]}")
        page = browser.new_page(viewport={"width": svg.width, "height": svg.height})
        page.set_content(f"<html><body style='margin:0'>{svg}</body></html>")
        page.screenshot(path=str(png))
        browser.close()
    from PIL import Image

    pixels = np.asarray(Image.open(png).convert("RGB")).reshape(-1, 3).astype(int)
    assert pixels.shape[0] == svg.width * svg.height
    for colour in (diagram.POSITIVE, diagram.NEGATIVE, stepdiagram.TOO_HIGH,
                   stepdiagram.TOO_LOW):
        rgb = np.array([int(colour[k:k + 2], 16) for k in (1, 3, 5)])
        assert (np.abs(pixels - rgb).sum(axis=1) < 40).sum() > 50, colour
