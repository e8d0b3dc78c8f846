"""Math as MathML, written into the page at build time: the site loads no script from the
internet (MathJax would come from a CDN) and every current browser draws MathML itself."""

from docutils import nodes
from docutils.utils.math import MathError, latex2mathml
from sphinx.util import logging

logger = logging.getLogger(__name__)

# Commands that MathJax knows and docutils' converter does not, with their equivalents.
SPELLINGS = {r"\dots": r"\ldots"}


def _mathml(self, node, block):
    tex = node.astext() if block else node["latex"] if "latex" in node else node.astext()
    for written, known in SPELLINGS.items():
        tex = tex.replace(written, known)
    try:
        markup = latex2mathml.tex2mathml(tex, as_block=block)
    except MathError as exc:
        logger.warning("math %r cannot be written as MathML: %s", tex, exc, location=node)
        markup = f"<code>{self.encode(tex)}</code>"
    self.body.append(f'<div class="math">{markup}</div>' if block else markup)
    raise nodes.SkipNode


def visit_inline(self, node):
    _mathml(self, node, block=False)


def visit_block(self, node):
    _mathml(self, node, block=True)


def setup(app):
    app.add_html_math_renderer("mathml", (visit_inline, None), (visit_block, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
