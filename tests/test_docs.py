"""The documentation site: it builds without a warning (as `make docs` builds it), every public
module and name has its page, no internal link points nowhere, the gallery shows a picture
for each example, the tutorial shows the outputs the notebook prints today, and a reader in
Chromium finds a public name by the site's search and lands on its page.

The site is built once for this module into a temporary folder, from scratch."""

import functools
import http.server
import importlib
import inspect
import json
import os
import pkgutil
import re
import shutil
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest

import neuronet

pytest.importorskip("sphinx")
pytest.importorskip("pydata_sphinx_theme")

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT = 30_000  # milliseconds: the longest a browser expectation waits (a shared, busy machine)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The built site's folder: `make docs`'s command, warnings as errors, into a new folder."""
    out = tmp_path_factory.mktemp("site")
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
               "-d", str(out / "doctrees"), str(DOCS), str(out / "html")]
    result = subprocess.run(command, capture_output=True, text=True, cwd=DOCS, timeout=900)
    assert result.returncode == 0, f"the site did not build:\n{result.stderr[-5000:]}"
    return out / "html"


def _text(html):
    """A page's words, without its markup (highlighted code is split into many elements)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html.read_text("utf-8")))


# --- what the site holds --------------------------------------------------------------------


def public_modules():
    """Found here on their own, so that a reference generated from a wrong list fails."""
    names = ["neuronet"]
    for info in pkgutil.walk_packages(neuronet.__path__, "neuronet."):
        if info.name != "neuronet.__main__" and \
                not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return names


def test_the_package_has_the_modules_this_test_expects():
    # The walk must see subpackages' modules, or the checks below would check too little.
    modules = public_modules()
    assert {"neuronet.network", "neuronet.tabular.model", "neuronet.playground.server",
            "neuronet.skl2onnx"} <= set(modules)


def test_every_public_module_and_name_has_its_page(site):
    missing = []
    for modname in public_modules():
        page = site / "api" / f"{modname}.html"
        if not page.exists():
            missing.append(page.name)
            continue
        module = importlib.import_module(modname)
        public = getattr(module, "__all__", None) or \
            [name for name in vars(module) if not name.startswith("_")]
        for name in public:
            obj = getattr(module, name)
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and \
                    obj.__module__ == modname:
                generated = site / "api" / "generated" / f"{modname}.{name}.html"
                if not generated.exists() or \
                        f'id="{modname}.{name}"' not in generated.read_text("utf-8"):
                    missing.append(f"{modname}.{name}")
    assert not missing, f"not in the API reference: {missing}"


def test_a_reexported_name_links_to_its_one_page(site):
    page = (site / "api" / "neuronet.html").read_text("utf-8")
    assert 'href="generated/neuronet.network.Network.html' in page
    assert not (site / "api" / "generated" / "neuronet.Network.html").exists()


def test_the_guide_has_its_pages(site):
    for name in ["networks", "tables", "estimators", "onnx", "playground", "dask", "files",
                 "performance"]:
        assert (site / "guide" / f"{name}.html").exists(), name
    page = _text(site / "getting-started.html")
    assert "make demo" in page and "make test" in page


def test_the_changelog_names_this_version(site):
    page = (site / "changelog.html").read_text("utf-8")
    assert "Unreleased" in page
    assert f"[{neuronet.__version__}]" in page


def test_the_gallery_shows_a_picture_for_every_example(site):
    examples = sorted((ROOT / "examples" / "gallery").glob("plot_*.py"))
    assert examples
    for example in examples:
        page = site / "gallery" / f"{example.stem}.html"
        assert page.exists(), f"{example.name} has no page"
        images = re.findall(r'<img[^>]+src="([^"]+)"', page.read_text("utf-8"))
        pictures = [src for src in images if f"sphx_glr_{example.stem}_" in src]
        assert pictures, f"{example.name} drew no picture"
        for src in pictures:
            assert (page.parent / unquote(src)).stat().st_size > 1000


def test_math_is_written_as_mathml_and_nothing_comes_from_the_internet(site):
    page = (site / "tutorial" / "quick_dive.html").read_text("utf-8")
    assert "<math" in page
    for html in site.rglob("*.html"):
        text = html.read_text("utf-8")
        loaded = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(https?:[^"]+)"', text)
        assert not loaded, f"{html.relative_to(site)} loads {loaded[:3]}"


# --- links ----------------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.targets = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for key in ("href", "src"):
            if attrs.get(key) and not (tag == "link" and attrs.get("rel") == "preload"):
                self.targets.append(attrs[key])


def test_no_internal_link_is_broken(site):
    pages = {}
    for html in site.rglob("*.html"):
        if html.relative_to(site).parts[0] == "_static":  # the theme's templates, not pages
            continue
        parser = _Links()
        parser.feed(html.read_text("utf-8"))
        pages[html.resolve()] = parser
    broken = []
    for html, parser in pages.items():
        for target in parser.targets:
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or target.startswith(("mailto:", "javascript:")):
                continue
            path, fragment = urldefrag(target)
            path = unquote(urlsplit(path).path)
            resolved = (html.parent / path).resolve() if path else html
            if resolved.is_dir():
                resolved = resolved / "index.html"
            if not resolved.exists():
                broken.append(f"{html.relative_to(site)} -> {target}")
            elif fragment and resolved in pages and unquote(fragment) not in pages[resolved].ids:
                broken.append(f"{html.relative_to(site)} -> {target} (no such anchor)")
    assert len(pages) > 100
    assert not broken, f"{len(broken)} broken links, the first: {broken[:10]}"


# --- the tutorial ---------------------------------------------------------------------------


def _comparable(cell):
    """What a code cell shows that does not change from run to run: text and neuronet's own
    drawings (SVG); PNG bytes depend on the matplotlib version, so only their presence."""
    shown = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            shown.append((output["name"], "".join(output["text"])))
        elif output["output_type"] in ("execute_result", "display_data"):
            for kind, value in sorted(output["data"].items()):
                value = "".join(value) if isinstance(value, list) else value
                shown.append((kind, value if kind in ("text/plain", "image/svg+xml") else ""))
        else:
            shown.append((output["output_type"], output.get("evalue", "")))
    return shown


@pytest.fixture
def kernel_of_this_python(tmp_path, monkeypatch):
    """A kernelspec that runs this very interpreter, so that the notebook sees this neuronet."""
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    spec = tmp_path / "jupyter" / "kernels" / "neuronet-docs"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "neuronet docs", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    return "neuronet-docs"


@pytest.mark.parametrize("name, shown", [
    ("quick_dive", ["9.6734", "0.99993707"]),  # its printed weights and answer
    ("backprop", ["bit for bit: True", "Backpropagation DISAGREES"]),
])
def test_the_tutorial_page_shows_what_the_notebook_prints_today(site, kernel_of_this_python,
                                                                 name, shown):
    import nbclient
    import nbformat

    notebook = ROOT / "examples" / f"{name}.ipynb"
    saved = nbformat.read(notebook, as_version=4)
    fresh = nbformat.read(notebook, as_version=4)
    nbclient.NotebookClient(fresh, kernel_name=kernel_of_this_python, timeout=300,
                            resources={"metadata": {"path": str(notebook.parent)}}).execute()
    code = [(a, b) for a, b in zip(saved.cells, fresh.cells) if a.cell_type == "code"]
    for number, (old, new) in enumerate(code, 1):
        assert _comparable(old) == _comparable(new), (
            f"code cell {number} of {notebook.name} shows other outputs when run now: run the "
            "notebook again and save it")
    page = (site / "tutorial" / f"{name}.html").read_text("utf-8")
    assert all(text in page for text in shown)


# --- in a browser ---------------------------------------------------------------------------


def unavailable(reason):
    if os.environ.get("CI"):
        pytest.fail(f"the browser tests must run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def served(site):
    """The site served over HTTP on this computer, as a reader's browser would fetch it."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed (pip install playwright)")
    executable = shutil.which("chromium")
    if executable is None:
        unavailable("Debian's chromium is not installed (apt-get install chromium)")
    playwright = sync_playwright().start()
    try:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=executable,
            headless=True, args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 800})
    except Exception as exc:  # a browser that cannot start here
        playwright.stop()
        unavailable(f"Chromium did not start: {str(exc).splitlines()[0]}")
    page = context.new_page()
    page.set_default_timeout(WAIT)
    yield page
    context.close()
    playwright.stop()


def test_search_finds_a_public_name_and_leads_to_its_page(page, served):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(served + "index.html")
    # The reader's way: the search button, a name typed, Enter.
    page.locator("button.search-button__button, .search-button").first.click()
    field = page.locator("input[name='q']:visible").first
    field.fill("Network")
    field.press("Enter")
    page.wait_for_url(re.compile(r"search\.html\?q=Network"))
    result = page.locator("#search-results a", has_text=re.compile(r"\bNetwork$")).first
    result.wait_for()
    result.click()
    page.wait_for_url(re.compile(r"api/generated/neuronet\.network\.Network\.html"))
    heading = page.locator("h1")
    assert heading.first.inner_text().startswith("Network")
    assert page.locator("[id='neuronet.network.Network']").count() == 1
    assert page.locator("[id='neuronet.network.Network.fit']").count() == 1
    assert not errors, errors
