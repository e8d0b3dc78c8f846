"""``neuronet data``: the shipped tables, written where the other commands read them."""

from neuronet import datasets


def test_data_writes_the_shipped_penguins(run_cli, tmp_path):
    out = tmp_path / "penguins.csv"
    result = run_cli("data", "penguins", "-o", out, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"penguins: written to {out}\n"
    assert out.read_bytes() == open(datasets.penguins_path(), "rb").read()


def test_data_to_standard_output_feeds_train(run_cli, tmp_path):
    shown = run_cli("data", "penguins")
    assert shown.returncode == 0
    assert shown.stdout.splitlines()[0].startswith("studyName,Sample Number,Species")
    model = tmp_path / "m.npz"
    result = run_cli("train", "-", "--target", "Species", "-o", model, "--epochs", "2",
                     "--validation-split", "0", input=shown.stdout)
    assert result.returncode == 0, result.stderr
    assert model.exists()


def test_data_refuses_to_overwrite_its_own_source(run_cli):
    result = run_cli("data", "penguins", "-o", datasets.penguins_path())
    assert result.returncode == 1 and result.stderr.startswith("neuronet: error: ")
    assert "Traceback" not in result.stderr
