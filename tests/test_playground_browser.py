"""The playground in a real browser: Debian's headless Chromium driven by Playwright, against
`neuronet playground` started as a user starts it.

Where Chromium or Playwright is missing these tests are skipped with the reason; in CI (the
CI variable set) a missing browser is a failure. NEURONET_SCREENSHOTS=DIR also writes the
screenshots there (`make screenshots` refreshes the README's)."""

import base64
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import neuronet
from neuronet.playground import data

pytest.importorskip("uvicorn")

CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT = 30_000  # milliseconds: the longest any expectation waits (a shared, busy machine)


def unavailable(reason):
    if os.environ.get("CI"):
        pytest.fail(f"the browser tests must run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def server():
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "neuronet", "playground", "--port", "0", "--no-browser"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    line = process.stdout.readline()
    match = re.search(r"http://\S+/", line)
    assert match, f"no address printed: {line!r}"
    yield match.group()
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=20)
    assert process.returncode == 0


@pytest.fixture(scope="module")
def chromium():
    """(Playwright, the path of Debian's chromium), or a skip saying what is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed (pip install playwright)")
    executable = shutil.which("chromium")
    if executable is None:
        unavailable("Debian's chromium is not installed (apt-get install chromium)")
    playwright = sync_playwright().start()
    yield playwright, executable
    playwright.stop()


def launch(chromium, profile, **options):
    playwright, executable = chromium
    try:
        return playwright.chromium.launch_persistent_context(
            str(profile), executable_path=executable, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 800}, accept_downloads=True, **options)
    except Exception as exc:  # a browser that cannot start here
        unavailable(f"Chromium did not start: {str(exc).splitlines()[0]}")


@pytest.fixture(scope="module")
def browser(chromium, tmp_path_factory):
    # Playwright's waits evaluate strings, which the page's policy forbids (no eval): these
    # tests bypass it; test_the_page_keeps_its_own_security_policy runs under it.
    context = launch(chromium, tmp_path_factory.mktemp("chromium-profile"), bypass_csp=True)
    yield context
    context.close()


@pytest.fixture
def page(browser):
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_default_timeout(WAIT)
    yield page
    page.close()
    assert not errors, f"the page's script failed: {errors}"


def open_page(page, server, state=""):
    page.goto(server + state)
    page.wait_for_function("window.neuronetPlayground && window.neuronetPlayground.frame")


def until(page, condition):
    """Wait until the current frame ``f`` meets a condition.

    A new run has no frame for a moment (after a reconnection, say): the wait goes on.
    """
    page.wait_for_function(f"(f => f && ({condition}))(window.neuronetPlayground.frame)")


def epoch(page):
    return int(page.inner_text("[data-testid=epoch]").replace(",", ""))


def wait_epoch(page, value):
    until(page, f"f.epoch === {value}")
    page.wait_for_function(
        f"document.querySelector('[data-testid=epoch]').textContent.replace(',', '') "
        f"=== '{value}'")


def step(page, times):
    start = page.evaluate("window.neuronetPlayground.frame.epoch")
    for _ in range(times):
        page.click("[data-testid=step]")
    wait_epoch(page, start + times)


def weights(page):
    return page.evaluate("window.neuronetPlayground.frame.weights")


def shown_output(page):
    """The output surface the page holds, as float32 values row by row."""
    b64 = page.evaluate("window.neuronetPlayground.frame.output")
    return np.frombuffer(base64.b64decode(b64), dtype=np.float32)


def save_screenshot(page, name, **options):
    folder = os.environ.get("NEURONET_SCREENSHOTS")
    png = page.screenshot(**options)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / name).write_bytes(png)
    return png


def test_play_learns_the_circle(page, server):
    open_page(page, server, "#dataset=circle&seed=1&speed=5")
    assert epoch(page) == 0
    page.click("[data-testid=play]")
    page.wait_for_function("Number(document.querySelector('[data-testid=epoch]')"
                           ".textContent.replace(',', '')) > 0")
    page.wait_for_function("Number(document.querySelector('[data-testid=test-loss]')"
                           ".textContent) < 0.1")
    assert "playing" in page.evaluate("document.body.className")
    page.click("[data-testid=play]")
    until(page, "!f.playing")
    # The drawing shows both classes: orange and blue pixels on the output.
    colours = page.evaluate("""() => {
        const c = document.querySelector('[data-testid=output-surface]');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let blue = 0, orange = 0;
        for (let i = 0; i < d.length; i += 4) {
            if (d[i + 2] > d[i] + 40) blue++;
            if (d[i] > d[i + 2] + 40) orange++;
        }
        return [blue, orange];
    }""")
    assert min(colours) > 1000


def test_add_a_layer_and_the_drawing_changes(page, server):
    open_page(page, server, "#seed=2&layers=4,2")
    before = page.locator(".hidden-node").count()
    links_before = page.locator("#links path.link").count()
    assert before == 6
    page.click("[data-testid=add-layer]")
    page.wait_for_function("document.querySelectorAll('.hidden-node').length === 8")
    assert page.locator("#links path.link").count() > links_before
    assert "layers=4%2C2%2C2" in page.url
    assert page.text_content("#layer-count") == "3 hidden layers"
    page.click("[data-testid=layer-3-add]")
    page.wait_for_function("document.querySelectorAll('.hidden-node').length === 9")
    page.click("[data-testid=remove-layer]")
    page.wait_for_function("document.querySelectorAll('.hidden-node').length === 6")
    page.click("[data-testid=feature-x1x2]")
    page.wait_for_function("window.neuronetPlayground.config.features.length === 3")
    assert page.get_attribute("[data-testid=feature-x1x2]", "aria-pressed") == "true"


@pytest.mark.parametrize("name", ["xor", "gauss", "spiral", "circle"])
def test_change_the_data_set(page, server, name):
    start = "spiral" if name == "circle" else "circle"
    open_page(page, server, f"#dataset={start}&seed=3")
    first = page.evaluate("window.neuronetPlayground.points.train[0]")
    page.click(f"[data-testid=dataset-{name}]")
    page.wait_for_function(f"window.neuronetPlayground.config.dataset === '{name}'")
    page.wait_for_function("first => JSON.stringify(window.neuronetPlayground.points.train[0])"
                           " !== JSON.stringify(first)", arg=first)
    assert f"dataset={name}" in page.url
    assert page.get_attribute(f"[data-testid=dataset-{name}]", "aria-pressed") == "true"
    X, y = data.generate(name, seed=3)
    X_train, y_train, _, _ = data.split(X, y, train_percent=50, seed=3)
    shown = page.evaluate("window.neuronetPlayground.points.train")
    np.testing.assert_allclose(np.array(shown)[:, :2], X_train, atol=1e-4)


def test_upload_a_csv_file(page, server, tmp_path):
    rng = np.random.default_rng(0)
    points = rng.uniform(0, 100, (200, 2))
    rows = [f"{a:.3f},{b:.3f},{'inside' if (a - 50) ** 2 + (b - 50) ** 2 < 900 else 'outside'}"
            for a, b in points]
    file = tmp_path / "rings.csv"
    file.write_text("height,weight,where\n" + "\n".join(rows) + "\n")
    open_page(page, server, "#seed=4")
    page.set_input_files("[data-testid=upload]", str(file))
    page.wait_for_function("window.neuronetPlayground.config.dataset === 'csv'")
    page.wait_for_function("window.neuronetPlayground.points.axes !== null")
    assert page.input_value("[data-testid=csv-x1]") == "height"
    assert page.input_value("[data-testid=csv-target]") == "where"
    # The page draws the new axes and legend at its next frame, after the state above: a
    # loaded machine may show the old ones a moment longer, so the test waits for the new.
    page.wait_for_function("document.querySelector('#upload-status').innerText"
                           ".includes('200 rows')")
    page.wait_for_function("document.querySelector('#axis-x').innerText.startsWith('height')")
    page.wait_for_function("document.querySelector('#legend-high').innerText === 'outside'")
    step(page, 3)
    # A bad file and a file too large: clear errors in the page, and it keeps working.
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    page.set_input_files("[data-testid=upload]", str(bad))
    page.wait_for_selector("[data-testid=upload-error]:not([hidden])")
    assert "needs at least three" in page.inner_text("[data-testid=upload-error]")
    huge = tmp_path / "huge.csv"
    huge.write_text("a,b,c\n" + "1,2,3\n" * 600_000)
    page.set_input_files("[data-testid=upload]", str(huge))
    page.wait_for_function("document.querySelector('[data-testid=upload-error]')"
                           ".textContent.includes('up to 2 MB')")
    step(page, 1)


def test_export_the_model_and_load_it(page, server, tmp_path):
    open_page(page, server, "#dataset=xor&seed=5&layers=6,4&features=x1,x2,x1x2&activation=relu")
    step(page, 10)
    with page.expect_download() as download:
        page.click("[data-testid=export-model]")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == "neuronet-playground.npz"
    net = neuronet.load(path)
    grid = data.features(data.grid(page.evaluate("window.neuronetPlayground.gridSize()")),
                         ["x1", "x2", "x1x2"])
    np.testing.assert_allclose(net.predict(grid)[:, 0], shown_output(page), rtol=1e-6,
                               atol=1e-7)
    # What the page draws at a point is what the model predicts there.
    value = page.evaluate("window.neuronetPlayground.outputAt(10, 50)")
    assert value == pytest.approx(net.predict(grid[10 * 64 + 50])[0], abs=1e-6)
    with page.expect_download() as script_download:
        page.click("[data-testid=export-python]")
    script = Path(script_download.value.path()).read_text()
    namespace = {"__name__": "__main__"}
    exec(compile(script, "neuronet_playground.py", "exec"), namespace)
    rebuilt = [layer.weights.tolist() for layer in namespace["net"].layers
               if isinstance(layer, neuronet.Dense)]
    assert rebuilt == weights(page)
    with page.expect_download() as onnx_download:
        page.click("[data-testid=export-onnx]")
    assert onnx_download.value.suggested_filename == "neuronet-playground.onnx"
    assert Path(onnx_download.value.path()).stat().st_size > 500


def test_a_shared_address_replays_the_same_run(page, browser, server):
    open_page(page, server, "#dataset=spiral&seed=77&layers=5,3&optimizer=adam&lr=0.01"
                            "&dropout=0.1&features=x1,x2,sinx1,sinx2&batch=7")
    step(page, 6)
    first = weights(page)
    shared = page.url
    other = browser.new_page()
    try:
        open_page(other, shared)
        step(other, 6)
        assert weights(other) == first
        assert other.evaluate("window.neuronetPlayground.config") == \
            page.evaluate("window.neuronetPlayground.config")
    finally:
        other.close()


def test_malformed_messages_leave_it_working(page, browser, server):
    open_page(page, server, "#seed=6")
    bystander = browser.new_page()
    try:
        open_page(bystander, server, "#seed=8")
        for text in ["not json", "[]", '{"type": "explode"}', '{"type": "step", "count": -3}',
                     '{"type": "config", "config": {"layers": "many", "noise": 999}}',
                     "[" * 20_000]:
            page.evaluate("text => window.neuronetPlayground.sendRaw(text)", text)
            page.wait_for_selector("[data-testid=error]:not([hidden])")
            page.evaluate("document.querySelector('[data-testid=error]').hidden = true")
        # Bad settings in the address: the page says what was wrong and uses the rest.
        page.goto("about:blank")
        page.goto(server + "#seed=6&noise=lots&layers=4,99")
        page.wait_for_selector("[data-testid=error]:not([hidden])")
        message = page.inner_text("[data-testid=error]")
        assert "noise: expected a whole number" in message and "layers:" in message
        page.wait_for_function("window.neuronetPlayground.frame")
        step(page, 2)
        step(bystander, 1)
    finally:
        bystander.close()


def test_the_tutorials_neuron_step_by_step(page, server):
    """Its table stepped as `neuronet demo --explain` tells it, to the tutorial's weights."""
    from neuronet.trace import record

    open_page(page, server, "#seed=1")
    page.click("[data-testid=tutorial-mode]")
    page.wait_for_function("window.neuronetPlayground.tutorial")
    assert page.inner_text("[data-testid=tutorial-iteration]") == "0"
    assert page.text_content("#epoch-label") == "Iteration"
    page.click("[data-testid=step]")
    page.wait_for_function("document.querySelector('[data-testid=tutorial-iteration]')"
                           ".textContent === '1'")
    inputs, outputs, _ = neuronet.datasets.tutorial()
    first = record(neuronet.Neuron(), inputs, outputs, 1)[1]
    shown = page.inner_text("[data-testid=tutorial-weights]").replace("−", "-")
    assert shown == "[" + ", ".join(f"{w:.4f}" for w in first.new_weights[:, 0]) + "]"
    rows = page.locator("#tutorial-rows tr")
    assert rows.count() == 4
    assert rows.nth(1).inner_text().split()[:4] == ["1", "1", "1", "1"]
    page.click("[data-testid=tutorial-finish]")
    page.wait_for_function("document.querySelector('[data-testid=tutorial-iteration]')"
                           ".textContent === '10,000'")
    final = page.inner_text("[data-testid=tutorial-weights]").replace("−", "-")
    assert final == "[9.6734, -0.2085, -4.6294]"
    assert page.inner_text("[data-testid=tutorial-test]") == "0.99993707"
    with page.expect_download() as download:
        page.click("[data-testid=tutorial-export-model]")
    neuron = neuronet.load(download.value.path())
    assert neuron.predict(np.array([1, 0, 0]))[0] == pytest.approx(0.99993707, abs=1e-8)
    page.click("[data-testid=tutorial-mode]")
    page.wait_for_selector("#network-view:not([hidden])")


def test_keyboard_space_step_and_reset(page, server):
    open_page(page, server, "#seed=9")
    page.evaluate("document.activeElement.blur()")  # keys go to the page itself
    page.keyboard.press(" ")
    until(page, "f.playing")
    page.keyboard.press(" ")
    until(page, "!f.playing")
    now = page.evaluate("window.neuronetPlayground.frame.epoch")
    page.keyboard.press("s")
    wait_epoch(page, now + 1)
    page.keyboard.press("r")
    wait_epoch(page, 0)
    # Every control is reachable with Tab, and Enter presses it.
    page.focus("[data-testid=add-layer]")
    page.keyboard.press("Enter")
    page.wait_for_function("window.neuronetPlayground.config.layers.length === 3")
    page.focus("[data-testid=learning-rate]")
    page.keyboard.press("ArrowDown")
    page.wait_for_function("window.neuronetPlayground.config.lr === 0.1")
    unlabeled = page.evaluate("""() => [...document.querySelectorAll(
        'button, select, input')].filter(e => !(e.labels && e.labels.length) &&
        !e.getAttribute('aria-label') && !e.textContent.trim()).map(e => e.id)""")
    assert unlabeled == []


@pytest.mark.parametrize("width, height, name", [(1280, 800, "playground.png"),
                                                 (420, 900, "playground-narrow.png")])
def test_the_page_fits_wide_and_narrow_windows(page, server, width, height, name):
    page.set_viewport_size({"width": width, "height": height})
    open_page(page, server, "#dataset=spiral&seed=3&layers=8,8,5&speed=10"
                            "&features=x1,x2,x1sq,x2sq,sinx1,sinx2&showTest=true")
    page.click("[data-testid=play]")
    until(page, "f.epoch >= 300")
    page.click("[data-testid=play]")
    until(page, "!f.playing")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    if width >= 1280:  # the whole playground in one window, without scrolling
        for testid in ("play", "output-surface", "add-layer", "export-python", "dataset-spiral"):
            box = page.locator(f"[data-testid={testid}]").bounding_box()
            assert box["y"] + box["height"] <= height, testid
    page.mouse.move(0, 0)
    save_screenshot(page, name, full_page=width < 1280)


def test_the_page_keeps_its_own_security_policy(chromium, server, tmp_path):
    from playwright.sync_api import expect

    context = launch(chromium, tmp_path / "profile")
    try:
        page = context.new_page()
        refused = []
        page.on("console", lambda m: refused.append(m.text) if "Security Policy" in m.text
                else None)
        page.on("pageerror", lambda error: refused.append(str(error)))
        page.goto(server + "#seed=1")
        expect(page.get_by_test_id("test-loss")).not_to_have_text("–", timeout=WAIT)
        page.get_by_test_id("step").click()
        expect(page.get_by_test_id("epoch")).to_have_text("1", timeout=WAIT)
        assert refused == []
    finally:
        context.close()


def test_gradients_a_neurons_numbers_and_one_batch(page, server):
    from playwright.sync_api import expect

    open_page(page, server, "#dataset=xor&seed=4&layers=3&batch=10&lr=0.03&showGradients=false")
    shown = "getComputedStyle(document.querySelector('[data-testid=gradient-0-0-0]')).display"
    page.wait_for_function(f"{shown} === 'none'")
    page.check("[data-testid=show-gradients]")
    page.wait_for_function(f"{shown} !== 'none'")
    # The steepest weight's link has the thickest gradient line.
    drawn = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('path.grad')]
        .map(p => [p.dataset.testid, Number(p.getAttribute('stroke-width'))]))""")
    grads = page.evaluate("window.neuronetPlayground.frame.gradients")
    steepest = max(((abs(g), f"gradient-{k}-{i}-{j}") for k, layer in enumerate(grads)
                    for i, row in enumerate(layer) for j, g in enumerate(row)))[1]
    assert drawn[steepest] == max(drawn.values()) and len(drawn) == 2 * 3 + 3 * 1
    # A click on a neuron pins its numbers, in the tutorial's words.
    page.click("[aria-label='Layer 1, neuron 2']")
    panel = page.get_by_test_id("neuron-panel")
    expect(panel).to_be_visible()
    blame = page.evaluate("window.neuronetPlayground.frame.biasGradients[0][1].toPrecision(3)")
    expect(panel).to_contain_text("Layer 1, neuron 2")
    expect(panel).to_contain_text("share of the blame (how the loss changes as its weighted "
                                  "sum changes, dL/dz: the tutorial's confidence")
    expect(panel).to_contain_text(f"is {blame} on average")
    # One batch: exactly one, then what it changed.
    before = np.array(weights(page)[0])
    page.click("[data-testid=step-batch]")
    until(page, "f.batch")
    report = page.get_by_test_id("batch-report")
    expect(report).to_contain_text("One batch of 10 points: its loss")
    batch = page.evaluate("window.neuronetPlayground.frame.batch")
    assert page.evaluate("window.neuronetPlayground.frame.epoch") == 0
    np.testing.assert_allclose(np.array(weights(page)[0]) - before, batch["weightChanges"][0],
                               atol=1e-12)
    assert batch["lossAfter"] < batch["lossBefore"]
    page.click("[data-testid=neuron-panel-close]")
    expect(panel).to_be_hidden()


# The classes' colours, as the page draws them (playground-views.js), and which one a pixel is.
CLASS_COLOURS = np.array([[230, 97, 1], [33, 102, 172], [27, 158, 119], [117, 112, 179],
                          [231, 41, 138]], dtype=float)


def classes_drawn(page, testid, K):
    """How many pixels of the canvas are of each class's colour (a tint of it between white
    and the full colour), in order."""
    pixels = np.array(page.evaluate(f"""() => {{
        const c = document.querySelector('[data-testid={testid}]');
        return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
    }}"""), dtype=float).reshape(-1, 4)[:, :3]
    away = 255 - pixels  # from white
    strong = np.linalg.norm(away, axis=1) > 40
    tints = 255 - CLASS_COLOURS[:K]
    cosine = (away @ tints.T) / (np.linalg.norm(away, axis=1, keepdims=True) + 1e-9) \
        / np.linalg.norm(tints, axis=1)
    best = cosine.argmax(axis=1)
    clear = strong & (cosine.max(axis=1) > 0.985)
    return np.bincount(best[clear], minlength=K).tolist()


def test_three_classes_three_colours(page, server):
    from playwright.sync_api import expect

    open_page(page, server, "#dataset=circle&seed=4&layers=5&speed=5&lr=0.1")
    assert page.locator(".output-node").count() == 1
    expect(page.get_by_test_id("classes")).to_be_hidden()
    page.click("[data-testid=dataset-blobs]")
    # A new data set empties the frame until the server's first one arrives.
    until(page, "f.probabilities && window.neuronetPlayground.points.nClasses === 3")
    expect(page.get_by_test_id("classes")).to_be_visible()
    assert page.locator(".output-node").count() == 3
    assert page.locator("[data-testid=class-legend] .swatch").count() == 3
    page.click("[data-testid=play]")
    until(page, "f.testAccuracy > 0.95")
    page.click("[data-testid=play]")
    until(page, "!f.playing")
    counts = classes_drawn(page, "output-surface", 3)
    assert min(counts) > 0.1 * sum(counts), counts  # each class has its region, in its colour
    # The plane's colour is the most probable class: the page's own probabilities say so.
    probs = np.frombuffer(base64.b64decode(page.evaluate(
        "window.neuronetPlayground.frame.probabilities")), dtype=np.uint8).reshape(64, 64, 3)
    share = np.bincount(probs.argmax(axis=2).ravel(), minlength=3) / 64 ** 2
    np.testing.assert_allclose(np.array(counts) / sum(counts), share, atol=0.1)
    page.select_option("[data-testid=classes]", "5")
    page.wait_for_function("window.neuronetPlayground.points.nClasses === 5")
    page.wait_for_function("document.querySelectorAll('.output-node').length === 5")
    assert "classes=5" in page.url
    labels = {row[2] for row in page.evaluate("window.neuronetPlayground.points.train")}
    assert labels == {0, 1, 2, 3, 4}
    # The neuron panel speaks of a softmax for an output neuron.
    page.click("[aria-label='The output neuron of class 2']")
    panel = page.get_by_test_id("neuron-panel")
    expect(panel).to_contain_text("The output neuron of class 2")
    expect(panel).to_contain_text("simply its probability minus 1 on the points of class 2")


def test_click_to_add_a_point_of_a_chosen_class(page, server):
    from playwright.sync_api import expect

    open_page(page, server, "#dataset=blobs&classes=3&seed=5&layers=4")
    page.wait_for_function("window.neuronetPlayground.points")
    count = page.evaluate("window.neuronetPlayground.points.train.length")
    expect(page.get_by_test_id("point-count")).to_have_text(f"{count} points")
    surface = page.get_by_test_id("output-surface")
    surface.click(position={"x": 225, "y": 75})  # no class chosen: a click adds nothing
    page.click("[data-testid=add-class-2]")
    assert page.get_attribute("[data-testid=add-class-2]", "aria-pressed") == "true"
    surface.click(position={"x": 225, "y": 75})
    page.wait_for_function(f"window.neuronetPlayground.points.train.length === {count + 1}")
    x1, x2, label = page.evaluate("window.neuronetPlayground.points.train.at(-1)")
    assert (round(x1), round(x2), label) == (3, 3, 2)  # three quarters across, one down
    expect(page.get_by_test_id("point-count")).to_contain_text(f"{count + 1} points (1 added)")
    # The new point is drawn there in its class's colour.
    until(page, f"f.hidden.points.length === {count + 1}")
    spot = page.evaluate("""() => {
        const c = document.querySelector('[data-testid=output-surface]');
        const k = c.width / 300;
        return Array.from(c.getContext('2d').getImageData(225 * k, 75 * k, 1, 1).data);
    }""")
    assert np.abs(np.array(spot[:3]) - CLASS_COLOURS[2]).max() < 30, spot
    page.keyboard.press("1")  # key 1: class 0
    assert page.evaluate("window.neuronetPlayground.addClass") == 0
    surface.click(position={"x": 150, "y": 150})
    page.wait_for_function(f"window.neuronetPlayground.points.train.length === {count + 2}")
    assert page.evaluate("window.neuronetPlayground.points.train.at(-1)")[2] == 0
    page.click("[data-testid=step]")  # training goes on, with them
    wait_epoch(page, 1)
    page.click("[data-testid=clear-points]")
    page.wait_for_function(f"window.neuronetPlayground.points.train.length === {count}")
    assert epoch(page) == 1
    page.keyboard.press("Escape")
    assert page.evaluate("window.neuronetPlayground.addClass") is None


def test_the_data_as_the_first_hidden_layer_sees_it(page, server):
    from playwright.sync_api import expect

    open_page(page, server, "#dataset=circle&seed=6&layers=2,2&lr=0.1&speed=5")
    until(page, "f.hidden")
    expect(page.get_by_test_id("hidden-text")).to_contain_text("the output of its neuron 1")
    assert page.text_content("#hidden-axis-x") == "neuron 1's output →"
    assert page.text_content("#hidden-axis-y") == "neuron 2's output →"
    first = page.evaluate("window.neuronetPlayground.frame.hidden.points")
    assert len(first) == page.evaluate("window.neuronetPlayground.points.train.length")
    page.click("[data-testid=play]")
    until(page, "f.epoch >= 50")
    page.click("[data-testid=play]")
    until(page, "!f.playing")
    later = page.evaluate("window.neuronetPlayground.frame.hidden.points")
    assert np.abs(np.array(later) - np.array(first)).max() > 0.05  # the layer moved them
    pixels = page.evaluate("""() => {
        const c = document.querySelector('[data-testid=hidden-view]');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let blue = 0, orange = 0;
        for (let i = 0; i < d.length; i += 4) {
            if (d[i + 2] > d[i] + 60) blue++;
            if (d[i] > d[i + 2] + 60) orange++;
        }
        return [orange, blue];
    }""")
    orange, blue = pixels
    assert min(orange, blue) > 200, pixels  # both classes' points are drawn
    page.click("[data-testid=layer-1-add]")  # three neurons: the principal directions
    until(page, "f.hidden && f.hidden.neurons === 3")
    expect(page.get_by_test_id("hidden-text")).to_contain_text("principal directions")
    assert page.text_content("#hidden-axis-x").startswith("main direction 1 (")
    page.click("[data-testid=remove-layer]")
    page.click("[data-testid=remove-layer]")
    expect(page.get_by_test_id("hidden-text")).to_contain_text("no hidden layer")
    save_screenshot(page, "playground-views.png")


def test_a_screenshot_of_many_classes_and_the_hidden_view(page, server):
    page.set_viewport_size({"width": 1280, "height": 1000})
    open_page(page, server, "#dataset=spirals&classes=3&seed=3&layers=8,6&speed=20&lr=0.03"
                            "&activation=tanh")
    page.click("[data-testid=play]")
    until(page, "f.epoch >= 300")
    page.click("[data-testid=play]")
    until(page, "!f.playing")
    assert sum(classes_drawn(page, "hidden-view", 3)) > 300
    page.mouse.move(0, 0)
    save_screenshot(page, "playground-classes.png")
