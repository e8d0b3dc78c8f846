"""Sphinx's settings for neuronet's documentation site (``make docs``: docs/_build/html).

Why Sphinx: the docstrings are numpydoc, which Sphinx reads natively (numpydoc is a Sphinx
extension), and it is what scikit-learn, NumPy and pandas build their sites with, so a reader
who knows theirs finds the same layout here (the PyData theme, a user guide, an API reference
from the docstrings, a gallery). See docs/building.md for the whole story.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import neuronet

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))

project = "neuronet"
author = "The neuronet authors"
copyright = "2026, The neuronet authors"  # noqa: A001 - Sphinx's name for it
release = neuronet.__version__
version = release

extensions = [
    "apipages",  # writes api/*.rst from the package before autosummary reads them
    "mathml",  # math as MathML: nothing loaded from the internet
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_nb",
    "sphinx_gallery.gen_gallery",
]

# The tutorial notebooks live with the examples; the site renders a copy of each with the
# outputs it was saved with (tests/test_docs.py checks that they are the ones it prints now).
for _name in ("quick_dive.ipynb", "backprop.ipynb"):
    _NOTEBOOK = ROOT / "examples" / _name
    _COPY = DOCS / "tutorial" / _name
    if not _COPY.exists() or _COPY.read_bytes() != _NOTEBOOK.read_bytes():
        shutil.copyfile(_NOTEBOOK, _COPY)

# sphinx-gallery writes a page (and files) for each example and never removes them: those of an
# example that is gone would stand outside every table of contents.
_EXAMPLES = ROOT / "examples" / "gallery"
for _old in (DOCS / "gallery").glob("plot_*"):
    if not (_EXAMPLES / (_old.name.split(".")[0] + ".py")).exists():
        _old.unlink()

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "_templates", "_ext", "README.md",
                    # sphinx-gallery writes a notebook of each example beside its page
                    "gallery/*.ipynb", "gallery/**/*.ipynb"]
templates_path = ["_templates"]

# --- the theme ---------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"neuronet {release}"
html_static_path: list[str] = []
html_show_sourcelink = False
html_copy_source = False
html_math_renderer = "mathml"
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"index": [], "getting-started": [], "changelog": []}

# --- the API reference -------------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"  # the docstrings' Parameters say the types, numpydoc-style
numpydoc_show_class_members = False  # the class page lists its members itself
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# --- notebooks and Markdown pages (myst-nb) --------------------------------------------------
nb_execution_mode = "off"
myst_enable_extensions = ["colon_fence", "dollarmath", "deflist"]
myst_heading_anchors = 3

# --- the gallery (sphinx-gallery): examples/gallery/plot_*.py, run at every build -------------
sphinx_gallery_conf = {
    "examples_dirs": [str(ROOT / "examples" / "gallery")],
    "gallery_dirs": ["gallery"],
    "filename_pattern": r"plot_",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "show_memory": False,
    "show_signature": False,
    "backreferences_dir": None,
    "image_scrapers": ("figures.neuronet_figures",),
    "matplotlib_animations": False,
    "min_reported_time": 5,
    # its pages of timings load a table library from the internet
    "write_computation_times": False,
}


def _with_architecture(app, docname, source):
    """List docs/architecture.md (the map of the house) among the developers' pages when it
    is there: a table of contents that names a missing page is an error."""
    if docname == "develop/index" and (DOCS / "architecture.md").exists():
        source[0] = source[0].replace(":maxdepth: 1\n", ":maxdepth: 1\n\n/architecture\n")


def setup(app):
    app.connect("source-read", _with_architecture)
