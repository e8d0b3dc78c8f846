"""The package as a user gets it: the sdist and the wheel that `make dist` builds pass twine's
checks and hold what they should, and the wheel installed into a fresh virtual environment,
outside the repository, runs the command line, the demo, a table's train and predict on the
shipped penguins, and serves the playground's first page.

The files a release needs beside the code (LICENSE, CHANGELOG.md, CITATION.cff) agree with the
package's version and licence."""

import csv
import re
import signal
import subprocess
import sys
import tarfile
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest

import neuronet

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent
VERSION = neuronet.__version__


def run(*command, cwd, timeout=300):
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True,
                            cwd=cwd, timeout=timeout)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


# --- the files beside the code --------------------------------------------------------------


def test_the_changelog_s_latest_release_is_this_version():
    text = (ROOT / "CHANGELOG.md").read_text("utf-8")
    releases = re.findall(r"^## \[([^\]]+)\]", text, flags=re.M)
    assert releases[0] == "Unreleased"
    assert releases[1] == VERSION, f"CHANGELOG.md's latest release is {releases[1]}"
    assert re.search(rf"^## \[{re.escape(VERSION)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, re.M)


def test_the_licence_file_is_the_one_pyproject_names():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text("utf-8").startswith("MIT License")


def test_the_citation_names_this_version_and_licence():
    yaml = pytest.importorskip("yaml")
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text("utf-8"))
    assert citation["cff-version"] == "1.2.0"
    assert citation["title"] == "neuronet"
    assert str(citation["version"]) == VERSION
    assert citation["license"] == "MIT"
    assert citation["authors"] and citation["message"]


def test_all_means_every_extra():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"][
        "optional-dependencies"]
    everything = set(extras["all"][0].split("[")[1].rstrip("]").split(","))
    users = {"sklearn", "scipy", "onnx", "plot", "dask", "playground", "skl2onnx"}
    assert users <= everything, f"[all] leaves out {users - everything}"
    assert users <= set(extras)


# --- the distributions ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    pytest.importorskip("build")
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--outdir", out, ROOT, cwd=out, timeout=600)
    wheels, sdists = list(out.glob("*.whl")), list(out.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1
    return wheels[0], sdists[0]


def test_twine_accepts_both(dist):
    pytest.importorskip("twine")
    output = run(sys.executable, "-m", "twine", "check", "--strict", *dist, cwd=dist[0].parent)
    assert output.count("PASSED") == 2


def test_the_wheel_holds_the_package_its_data_and_its_licence(dist):
    wheel, _ = dist
    assert wheel.name == f"neuronet-{VERSION}-py3-none-any.whl"
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ["neuronet/__init__.py", "neuronet/py.typed", "neuronet/data/penguins.csv",
                 "neuronet/playground/static/index.html", "neuronet/skl2onnx.py",
                 f"neuronet-{VERSION}.dist-info/licenses/LICENSE"]:
        assert name in names, name
    assert not [name for name in names if name.startswith(("tests/", "docs/"))]
    metadata = zipfile.ZipFile(wheel).read(f"neuronet-{VERSION}.dist-info/METADATA").decode()
    assert "License-Expression: MIT" in metadata
    assert f"Version: {VERSION}" in metadata
    for extra in ("all", "playground", "skl2onnx"):
        assert f"Provides-Extra: {extra}" in metadata


def test_the_sdist_holds_what_a_rebuild_and_a_reader_need(dist):
    _, sdist = dist
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for name in ["pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md", "CITATION.cff",
                 "src/neuronet/_version.py", "src/neuronet/data/penguins.csv", "docs/conf.py",
                 "tests/test_packaging.py"]:
        assert name in names, name


# --- the wheel in a fresh environment -------------------------------------------------------


@pytest.fixture(scope="module")
def installed(dist, tmp_path_factory):
    """(the environment's bin folder, a working folder), both outside the repository."""
    home = tmp_path_factory.mktemp("user")
    assert ROOT not in home.parents
    venv.create(home / "env", with_pip=True)
    bin_ = home / "env" / "bin"
    run(bin_ / "python", "-m", "pip", "install", "--quiet", f"{dist[0]}[playground]", cwd=home,
        timeout=600)
    work = home / "work"
    work.mkdir()
    return bin_, work


def test_the_installed_package_is_the_wheel_not_the_checkout(installed):
    bin_, work = installed
    where = run(bin_ / "python", "-c", "import neuronet; print(neuronet.__file__)", cwd=work)
    assert Path(where.strip()).is_relative_to(bin_.parent)
    assert run(bin_ / "neuronet", "--version", cwd=work).strip() == f"neuronet {VERSION}"


def test_the_demo_prints_the_tutorial_s_numbers(installed):
    bin_, work = installed
    output = run(bin_ / "neuronet", "demo", cwd=work)
    assert "0.99993707" in output and "9.67341006" in output


def test_train_and_predict_on_the_shipped_penguins(installed):
    bin_, work = installed
    penguins = run(bin_ / "python", "-c",
                   "import neuronet.datasets; print(neuronet.datasets.penguins_path())",
                   cwd=work).strip()
    assert Path(penguins).is_relative_to(bin_.parent)
    report = run(bin_ / "neuronet", "train", penguins, "--target", "Species", "--id",
                 "Individual ID", "--epochs", "30", "--out", "penguins.npz", cwd=work)
    assert "344 rows" in report and "classification" in report
    run(bin_ / "neuronet", "predict", "penguins.npz", penguins, "--out", "predictions.csv",
        cwd=work)
    with open(work / "predictions.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 344
    species = {row["Species"] for row in rows}
    assert species <= {"Adelie Penguin (Pygoscelis adeliae)",
                        "Chinstrap penguin (Pygoscelis antarctica)",
                        "Gentoo penguin (Pygoscelis papua)"} and len(species) == 3


def test_the_playground_serves_its_first_page(installed):
    bin_, work = installed
    process = subprocess.Popen([bin_ / "neuronet", "playground", "--no-browser", "--port", "0"],
                               cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        line = process.stdout.readline()
        match = re.search(r"http://\S+/", line)
        assert match, f"no address printed: {line!r} {process.stderr.read() if not line else ''}"
        with urllib.request.urlopen(match.group(), timeout=30) as response:
            assert response.status == 200
            page = response.read().decode("utf-8")
        assert "<title>" in page and "neuronet" in page.lower()
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    assert process.returncode == 0
