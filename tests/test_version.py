"""neuronet._version: the one place the version is written."""

import re
from pathlib import Path

import neuronet
from neuronet import _version

ROOT = Path(__file__).resolve().parents[1]


def test_the_version_is_a_release_number_the_package_offers():
    assert re.fullmatch(r"\d+\.\d+\.\d+", _version.__version__)
    assert neuronet.__version__ == _version.__version__


def test_the_changelog_names_it_as_the_latest_release():
    releases = re.findall(r"^## \[(\d+\.\d+\.\d+)\]", (ROOT / "CHANGELOG.md").read_text(),
                          re.MULTILINE)
    assert releases and releases[0] == _version.__version__


def test_a_saved_model_records_it(tmp_path):
    import json
    import zipfile

    net = neuronet.Network.mlp([2, 1], seed=0)
    path = net.save(tmp_path / "m.npz")
    with zipfile.ZipFile(path) as archive:
        import io

        import numpy as np

        header = json.loads(np.load(io.BytesIO(archive.read("header.npy"))).tobytes())
    assert _version.__version__ in json.dumps(header)
