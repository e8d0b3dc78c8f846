"""The gallery's pictures: the matplotlib figures that each block of an example leaves in its
variables. neuronet.plots makes figures without pyplot (no window, no global state), so
sphinx-gallery's own scraper, which asks pyplot for its figures, would see none of them."""

from sphinx_gallery.scrapers import figure_rst

_shown = {}  # example file -> ids of the figures already drawn for it


def neuronet_figures(block, block_vars, gallery_conf):
    from matplotlib.figure import Figure

    shown = _shown.setdefault(block_vars["src_file"], set())
    names = []
    for value in list(block_vars["example_globals"].values()):
        if isinstance(value, Figure) and id(value) not in shown:
            shown.add(id(value))
            path = next(block_vars["image_path_iterator"])
            value.savefig(path, dpi=100)
            names.append(path)
    return figure_rst(names, gallery_conf["src_dir"])
