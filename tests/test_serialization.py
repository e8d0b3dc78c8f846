import io
import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
import zipfile

import numpy as np
import pytest

import neuronet
from neuronet import Dense, Dropout, ModelFileError, Network
from neuronet.serialization import atomic_write, read_model


def trained_network(dtype=np.float64):
    """A network using every setting a file must keep, trained so its weights are its own."""
    net = Network([
        Dense(4, 6, activation="leaky_relu", init="he_uniform"),
        Dense(6, 5, activation=neuronet.activations.LeakyReLU(0.3), bias=False),
        Dropout(0.25),
        Dense(5, 5, activation="tanh", init="uniform"),
        Dense(5, 3, activation="softmax", init="glorot_normal"),
    ], seed=7, dtype=dtype)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 4))
    y = rng.integers(0, 3, 60)
    net.fit(X, y, loss="categorical_crossentropy", epochs=3, batch_size=16)
    return net


def read_members(path):
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def write_members(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def npy(array, allow_pickle=False):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def header_of(members):
    return json.loads(np.load(io.BytesIO(members["header.npy"])).tobytes().decode())


def with_header(members, header):
    text = json.dumps(header).encode()
    return {**members, "header.npy": npy(np.frombuffer(text, dtype=np.uint8))}


# --- round trip -------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_load_gives_a_network_that_predicts_bit_for_bit_the_same(tmp_path, dtype):
    net = trained_network(dtype)
    path = tmp_path / "model.npz"
    assert net.save(path) == path
    loaded = neuronet.load(path)
    X = np.random.default_rng(2).normal(size=(50, 4))
    expected, got = net.predict(X), loaded.predict(X)
    assert got.dtype == expected.dtype == np.dtype(dtype)
    assert np.array_equal(got, expected)
    assert loaded.dtype == np.dtype(dtype)
    assert [layer.config() for layer in loaded.layers] == [layer.config() for layer in net.layers]
    assert repr(loaded) == repr(net)
    assert loaded.loss == "categorical_crossentropy"
    for saved, back in zip(net.parameters(), loaded.parameters()):
        assert back.dtype == saved.dtype and np.array_equal(back, saved)


def test_loaded_layers_keep_every_setting(tmp_path):
    loaded = neuronet.load(trained_network().save(tmp_path / "m.npz"))
    first, second, dropout, third, last = loaded.layers
    assert first.activation.name == "leaky_relu" and first.activation.alpha == 0.01
    assert second.activation.alpha == 0.3 and second.bias is None and not second.use_bias
    assert isinstance(dropout, Dropout) and dropout.rate == 0.25
    assert (first.init, third.init, last.init) == ("he_uniform", "uniform", "glorot_normal")


def test_a_loaded_network_trains_on(tmp_path):
    net = trained_network()
    loaded = neuronet.load(net.save(tmp_path / "m.npz"))
    X = np.random.default_rng(3).normal(size=(30, 4))
    y = np.random.default_rng(4).integers(0, 3, 30)
    before = loaded.get_weights()
    loaded.fit(X, y, loss="categorical_crossentropy", epochs=2)
    assert any(not np.array_equal(a, b) for a, b in zip(before, loaded.get_weights()))
    assert loaded.evaluate(X, y)["loss"] > 0  # the loss came back with the file


def test_save_takes_a_string_and_writes_no_temporary_files(tmp_path):
    path = str(tmp_path / "model.npz")
    assert trained_network().save(path) == path
    assert os.listdir(tmp_path) == ["model.npz"]


def test_the_same_network_gives_the_same_bytes(tmp_path):
    net = trained_network()
    net.save(tmp_path / "a.npz")
    net.save(tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


def test_the_file_is_an_npz_numpy_reads_without_pickle(tmp_path):
    net = trained_network(np.float32)
    path = net.save(tmp_path / "model.npz")
    with np.load(path, allow_pickle=False) as data:
        assert sorted(data.files) == ["header", "layers.0.bias", "layers.0.weights",
                                      "layers.1.weights", "layers.3.bias", "layers.3.weights",
                                      "layers.4.bias", "layers.4.weights"]
        assert np.array_equal(data["layers.1.weights"], net.layers[1].weights)
        assert data["layers.1.weights"].dtype == np.float32
        header = json.loads(data["header"].tobytes().decode("utf-8"))
    assert header["format"] == "neuronet-model" and header["format_version"] == 1
    assert header["neuronet_version"] == neuronet.__version__
    assert header["dtype"] == "float32"
    assert header["layers"][2] == {"type": "Dropout", "rate": 0.25}


def test_metadata_round_trips_exactly(tmp_path):
    net = Network.mlp([3, 4, 2], output="softmax", seed=0)
    assert net.metadata == {}
    means = [0.1, -1e-308, 5e-324, 1 / 3, 1e300, 2.0 ** -60, 123456789.123456789]
    metadata = {
        "feature_names": ["länge", "width", "x,y"],
        "target_name": "species",
        "classes": ["no", "yes"],
        "input_mean": means[:3],
        "input_scale": [1 / 3, 7.0, 1e-12],
        "task": "classification",
        "notes": {"source": "the lab", "values": means, "flag": True, "none": None},
    }
    net.save(tmp_path / "m.npz", metadata=metadata)
    assert net.metadata == metadata  # metadata= updates the network's own
    loaded = neuronet.load(tmp_path / "m.npz")
    assert loaded.metadata == metadata
    assert all(a.hex() == b.hex() for a, b in zip(loaded.metadata["notes"]["values"], means))


def test_metadata_from_numpy_is_saved_as_plain_numbers(tmp_path):
    net = Network.mlp([2, 3, 1], output="sigmoid", seed=0)
    mean = np.array([0.25, np.float32(0.1)], dtype=np.float64)
    net.metadata["input_mean"] = mean
    net.metadata["classes"] = np.array([3, 8])
    loaded = neuronet.load(net.save(tmp_path / "m.npz"))
    assert loaded.metadata == {"input_mean": mean.tolist(), "classes": [3, 8]}
    assert type(loaded.metadata["classes"][0]) is int


@pytest.mark.parametrize("metadata, message", [
    ({"x": object()}, "metadata['x'] is a object, which a model file cannot hold"),
    ({"x": float("nan")}, "metadata['x'] is nan"),
    ({"x": [1, float("inf")]}, "metadata['x'][1] is inf"),
    ({1: "one"}, "keys must be strings"),
    ({"feature_names": ["a", "b\ud800", "c"]},
     "metadata['feature_names'][1] holds '\\ud800', which is not a character a file can hold"),
    ({"x\udfff": 1}, "metadata key holds '\\udfff'"),
    ({"feature_names": ["a", "b"]}, "'feature_names' must be a list of 3 items"),
    ({"feature_names": ["a", "b", 3]}, "'feature_names' must hold strings"),
    ({"input_mean": [0, 1]}, "'input_mean' must be a list of 3 items"),
    ({"input_scale": [1, 0, 1]}, "'input_scale' holds a zero"),
    ({"input_scale": [1, "2", 1]}, "'input_scale' must hold finite numbers"),
    ({"classes": ["a", "b", "c"]}, "'classes' must be a list of 2 labels"),
    ({"classes": ["a", "a"]}, "holds a label twice"),
    ({"classes": [[1], [2]]}, "must hold str, int or float labels"),
    ({"task": "clustering"}, "'task' must be 'classification' or 'regression'"),
    ({"target_name": 5}, "'target_name' must be a string"),
])
def test_save_refuses_metadata_it_cannot_keep(tmp_path, metadata, message):
    net = Network.mlp([3, 4, 2], output="softmax", seed=0)
    path = tmp_path / "m.npz"
    with pytest.raises(ValueError, match="metadata") as info:
        net.save(path, metadata=metadata)
    assert message in str(info.value)
    assert net.metadata == {}  # what could not be saved did not join the network's metadata
    assert os.listdir(tmp_path) == []


def test_one_sigmoid_output_takes_two_classes(tmp_path):
    net = Network.mlp([2, 1], output="sigmoid", seed=0)
    net.save(tmp_path / "m.npz", metadata={"classes": [False, True], "task": "classification"})
    assert neuronet.load(tmp_path / "m.npz").metadata["classes"] == [False, True]
    with pytest.raises(ValueError, match="a list of 2 labels for 1 output, got"):
        net.save(tmp_path / "m.npz", metadata={"classes": ["a", "b", "c"]})


def test_save_refuses_weights_that_are_not_finite(tmp_path):
    net = Network.mlp([2, 2], output="identity", seed=0)
    net.layers[0].weights[0, 1] = np.nan
    with pytest.raises(ValueError, match="layers.0.weights holds NaN or infinity"):
        net.save(tmp_path / "m.npz")
    assert os.listdir(tmp_path) == []


def test_save_refuses_layers_and_activations_it_would_not_load_the_same(tmp_path):
    class Doubled(Dense):
        def forward(self, inputs, training=False):
            return 2 * super().forward(inputs, training)

    class Cube(neuronet.activations.Identity):
        def forward(self, z, out=None):
            return z ** 3

    with pytest.raises(ValueError, match=r"layer 1 \(Dense\(2, 2, .*\)\) is of a kind that"):
        Network([Doubled(2, 2)], seed=0).save(tmp_path / "m.npz")
    with pytest.raises(ValueError, match="layer 1's activation Cube.. is not one of neuronet's"):
        Network([Dense(2, 2, Cube())], seed=0).save(tmp_path / "m.npz")
    assert os.listdir(tmp_path) == []


def test_save_into_a_missing_directory_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such directory"):
        Network.mlp([2, 2], seed=0).save(tmp_path / "nowhere" / "m.npz")


def test_a_failed_save_keeps_the_old_file(tmp_path):
    path = tmp_path / "m.npz"
    good = Network.mlp([3, 2], seed=0)
    good.save(path)
    before = path.read_bytes()
    bad = Network.mlp([3, 2], seed=1)
    bad.metadata["oops"] = {1, 2}
    with pytest.raises(ValueError):
        bad.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.npz"]


# --- atomic writes ----------------------------------------------------------------------------


def test_atomic_write_replaces_the_file(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("old\n")
    with atomic_write(path, "w") as file:
        file.write("new, ünïcode\n")
        assert path.read_text() == "old\n"  # nothing changes until the block ends
    assert path.read_text(encoding="utf-8") == "new, ünïcode\n"
    assert os.listdir(tmp_path) == ["out.csv"]


def test_an_error_inside_atomic_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "out.bin"
    path.write_bytes(b"old content")
    with pytest.raises(RuntimeError, match="disk on fire"):
        with atomic_write(path) as file:
            file.write(b"half of the new cont")
            raise RuntimeError("disk on fire")
    assert path.read_bytes() == b"old content"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_an_error_inside_atomic_write_creates_nothing(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(tmp_path / "new.bin") as file:
            file.write(b"x")
            raise KeyboardInterrupt
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions and links")
def test_atomic_write_keeps_permissions_and_symbolic_links(tmp_path):
    real = tmp_path / "real.npz"
    real.write_bytes(b"old")
    os.chmod(real, 0o640)
    link = tmp_path / "link.npz"
    link.symlink_to(real)
    with atomic_write(link) as file:
        file.write(b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    fresh = tmp_path / "fresh.npz"
    with atomic_write(fresh) as file:
        file.write(b"x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask


def test_atomic_write_refuses_a_directory_and_odd_modes(tmp_path):
    with pytest.raises(IsADirectoryError):
        with atomic_write(tmp_path):
            pass
    with pytest.raises(ValueError, match="mode"):
        with atomic_write(tmp_path / "x", "a"):
            pass


SAVER = textwrap.dedent("""
    import sys
    import numpy as np
    import neuronet

    path = sys.argv[1]
    nets = [neuronet.Network.mlp([200, 300, 10], seed=seed) for seed in (1, 2)]
    print("ready", flush=True)
    i = 0
    while True:
        nets[i % 2].save(path)
        i += 1
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_save_killed_at_any_moment_leaves_the_old_file_or_the_new_one(tmp_path):
    path = tmp_path / "model.npz"
    nets = [Network.mlp([200, 300, 10], seed=seed) for seed in (1, 2)]
    nets[1].save(path)
    X = np.random.default_rng(0).normal(size=(5, 200))
    expected = [net.predict(X) for net in nets]
    script = tmp_path / "saver.py"
    script.write_text(SAVER)
    rng = np.random.default_rng()
    for _ in range(4):
        process = subprocess.Popen([sys.executable, str(script), str(path)],
                                   stdout=subprocess.PIPE, text=True)
        assert process.stdout.readline() == "ready\n"
        time.sleep(rng.uniform(0.05, 0.4))
        process.send_signal(signal.SIGKILL)
        process.wait()
        process.stdout.close()
        got = neuronet.load(path).predict(X)
        assert any(np.array_equal(got, want) for want in expected)


# --- loading what is not a good model file ----------------------------------------------------


@pytest.fixture
def model(tmp_path):
    """A valid model file and its members."""
    path = tmp_path / "model.npz"
    net = Network([Dense(3, 4, "relu"), Dropout(0.5), Dense(4, 2, "softmax")], seed=0)
    net.save(path, metadata={"feature_names": ["a", "b", "c"], "classes": ["x", "y"]})
    return path, read_members(path)


def load_error(path) -> str:
    with pytest.raises(ModelFileError) as info:
        neuronet.load(path)
    error = info.value
    assert isinstance(error, ValueError)
    assert error.path == os.fspath(path)
    assert str(error) == f"{path}: {error.problem}"
    return error.problem


def test_model_file_error_is_a_value_error_naming_the_file():
    error = ModelFileError("m.npz", "it is broken")
    assert isinstance(error, ValueError)
    assert str(error) == "m.npz: it is broken"


def test_a_missing_file(tmp_path):
    assert load_error(tmp_path / "none.npz") == "no such file"
    assert load_error(tmp_path) == "is a directory, not a model file"


@pytest.mark.parametrize("content", [b"", b"hello", bytes(range(256)) * 40, b"PK\x05\x06"])
def test_bytes_that_are_not_a_zip(tmp_path, content):
    path = tmp_path / "junk.npz"
    path.write_bytes(content)
    assert "not a neuronet model file (not a zip archive" in load_error(path)


def test_a_truncated_file(model):
    path, _ = model
    data = path.read_bytes()
    for cut in (len(data) - 1, len(data) // 2, 30):
        path.write_bytes(data[:cut])
        load_error(path)


def test_a_byte_flipped_in_an_array_fails_its_checksum(model):
    path, members = model
    data = bytearray(path.read_bytes())
    where = bytes(data).index(members["layers.2.weights.npy"][-16:])
    data[where] ^= 0x40
    path.write_bytes(bytes(data))
    assert "corrupted" in load_error(path) and "CRC" in load_error(path)


def test_an_npz_of_other_arrays(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, a=np.arange(3), b=np.ones(2))
    assert load_error(path) == ("not a neuronet model file (it has no header.npy; "
                                "it holds a, b)")


def test_a_missing_array(model):
    path, members = model
    del members["layers.2.bias.npy"]
    write_members(path, members)
    assert load_error(path) == "the array layers.2.bias.npy is missing"


def test_an_extra_member(model):
    path, members = model
    write_members(path, {**members, "layers.1.weights.npy": npy(np.ones((2, 2)))})
    assert load_error(path) == "holds an unexpected member layers.1.weights.npy"
    write_members(path, {**members, "run_me.py": b"print('hi')"})
    assert "'run_me.py', which is not a .npy array" in load_error(path)


def test_duplicate_members(model):
    path, members = model
    with pytest.warns(UserWarning, match="Duplicate name"):
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr("layers.0.bias.npy", members["layers.0.bias.npy"])
    assert load_error(path) == "holds two members named 'layers.0.bias.npy'"


def test_a_compressed_member(model):
    path, members = model
    write_members(path, members, compression=zipfile.ZIP_DEFLATED)
    assert "is compressed" in load_error(path)


@pytest.mark.parametrize("array, message", [
    (np.ones((4, 3)), "has shape (4, 3), expected (3, 4)"),
    (np.ones((3, 4), dtype=np.float32), "has dtype '<f4', expected float64"),
    (np.ones((3, 4), dtype=">f8"), "has dtype '>f8', expected float64"),
    (np.ones(12), "has shape (12,), expected (3, 4)"),
    (np.asfortranarray(np.ones((3, 4))), "is not stored in C order"),
    (np.full((3, 4), np.inf), "holds NaN or infinity"),
    (np.ones((300, 400)), "is 960,128 bytes, but an array of shape (3, 4) in float64 takes 96"),
])
def test_an_array_that_does_not_match_the_header(model, array, message):
    path, members = model
    write_members(path, {**members, "layers.0.weights.npy": npy(array)})
    problem = load_error(path)
    assert problem.startswith("the member layers.0.weights.npy is") or \
        problem.startswith("the array layers.0.weights ")
    assert message in problem


class Trap:
    """Unpickling this calls open(marker, "w"): proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return open, (self.marker, "w")


def pickled_trap(marker, shape=(3, 4)):
    array = np.empty(shape, dtype=object)
    array[...] = Trap(str(marker))
    return npy(array, allow_pickle=True)


def test_an_object_array_is_never_unpickled(model, tmp_path):
    path, members = model
    marker = tmp_path / "code-ran"
    payload = pickled_trap(marker)
    np.load(io.BytesIO(payload), allow_pickle=True)  # the trap works where pickle is allowed
    assert marker.exists()
    marker.unlink()
    write_members(path, {**members, "layers.0.weights.npy": payload})
    assert load_error(path) == ("the array layers.0.weights holds Python objects; "
                                "model files hold numbers only")
    assert not marker.exists()


def test_a_header_that_is_not_json(model):
    path, members = model
    bad = {**members, "header.npy": npy(np.frombuffer(b"{'format': 1", dtype=np.uint8))}
    write_members(path, bad)
    assert load_error(path).startswith("the header is not valid JSON")
    write_members(path, {**members, "header.npy": npy(np.array([1.5, 2.5]))})
    assert load_error(path) == "the header is not a byte array of JSON text"
    write_members(path, {**members, "header.npy": b"\x93NUMPY\x01\x00\x10\x00{'descr': os.sy"})
    assert load_error(path) == "the member header.npy has a malformed .npy header"
    deep = b"[" * 100_000 + b"]" * 100_000
    write_members(path, {**members, "header.npy": npy(np.frombuffer(deep, dtype=np.uint8))})
    assert load_error(path).startswith("the header is not valid JSON")


def test_a_header_from_a_newer_format(model):
    path, members = model
    header = header_of(members)
    header.update(format_version=3, neuronet_version="9.0", something_new=[1, 2])
    write_members(path, with_header(members, header))
    assert load_error(path) == ("written in model format version 3 (by neuronet 9.0); this "
                                f"neuronet ({neuronet.__version__}) reads version 2: upgrade "
                                "neuronet to load it")


def edit(header, where, value):
    *keys, last = where
    target = header
    for key in keys:
        target = target[key]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value


@pytest.mark.parametrize("where, value, message", [
    (["format"], "keras", "not a neuronet model file (its header names the format 'keras')"),
    (["format_version"], "1", "the header's format_version is '1', not a version number"),
    (["dtype"], "float16", "the header's dtype is 'float16'; expected 'float32' or 'float64'"),
    (["dtype"], KeyError, "the header has no 'dtype'"),
    (["extra"], 1, "the header has an unknown field 'extra'"),
    (["seed"], -1, "the header's seed is -1, not a seed"),
    (["loss"], ["mse"], "the header's loss is ['mse'], not a known loss"),
    (["layers"], [], "the header's layers must be a list of 1 to 10,000 layers"),
    (["layers"], [{"type": "Dropout", "rate": 0.5}] * 10_001, "list of 1 to 10,000 layers"),
    (["layers", 0, "type"], "Conv2D", "layer 1 in the header is not a Dense or Dropout layer"),
    (["layers", 0, "n_inputs"], 2.0, "layer 1 in the header has n_inputs 2.0"),
    (["layers", 0, "n_outputs"], 5, "layer 3 in the header takes 4 inputs, but the Dense layer "
                                    "before it gives 5"),
    (["layers", 0, "n_inputs"], 1 << 25, "expected a whole number from 1 to 16,777,216"),
    (["layers", 0, "activation"], "swish", "layer 1 in the header has an unknown activation"),
    (["layers", 0, "activation"], "leaky_relu", "a Dense layer has ['activation', 'alpha'"),
    (["layers", 0, "bias"], 1, "layer 1 in the header has bias 1; expected true or false"),
    (["layers", 0, "init"], "zeros", "layer 1 in the header has an unknown init 'zeros'"),
    (["layers", 0, "colour"], "red", "layer 1 in the header has the fields"),
    (["layers", 1, "rate"], 1.0, "layer 2 in the header is a malformed Dropout layer"),
    (["layers", 1], 7, "layer 2 in the header is not a Dense or Dropout layer: 7"),
    (["metadata"], [], "the header's metadata must be a dict, got list"),
    (["metadata", "classes"], ["x"], "the header's metadata 'classes' must be a list of 2"),
    (["metadata", "feature_names"], ["a"], "'feature_names' must be a list of 3 items"),
    (["metadata", "input_mean"], [0, 10**400, 1], "'input_mean' must hold finite numbers"),
    (["metadata", "input_mean"], [0, 1e400, 1], "not valid JSON (Infinity is not a number JSON"),
])
def test_a_malformed_header(model, where, value, message):
    path, members = model
    header = header_of(members)
    edit(header, where, value)
    write_members(path, with_header(members, header))
    assert message in load_error(path)


def test_a_header_claiming_a_huge_network_fails_before_allocating(model):
    path, members = model
    header = header_of(members)
    edit(header, ["layers", 0, "n_inputs"], 16_000_000)
    edit(header, ["layers", 0, "n_outputs"], 16_000_000)
    edit(header, ["layers", 2, "n_inputs"], 16_000_000)
    write_members(path, with_header(members, header))
    assert "more than 2,147,483,648 parameters" in load_error(path)
    edit(header, ["layers", 0, "n_outputs"], 100)
    edit(header, ["layers", 2, "n_inputs"], 100)
    edit(header, ["metadata"], {})
    write_members(path, with_header(members, header))
    assert "but an array of shape (16000000, 100) in float64 takes 12,800,000,000" in \
        load_error(path)


def test_an_array_whose_npy_header_claims_a_huge_shape(model):
    path, members = model
    weights = members["layers.0.weights.npy"]
    lying = weights.replace(b"(3, 4)", b"(9999999999, 99999)", 1)
    assert lying != weights
    write_members(path, {**members, "layers.0.weights.npy": lying})
    assert "malformed .npy header" in load_error(path) or "has shape" in load_error(path)


def test_a_zip_member_claiming_more_bytes_than_the_file_holds(model):
    path, _ = model
    data = bytearray(path.read_bytes())
    # The central directory's record of header.npy: raise its sizes past the end of the file.
    record = data.index(b"PK\x01\x02")
    data[record + 20:record + 28] = (10**9).to_bytes(4, "little") * 2
    path.write_bytes(bytes(data))
    assert load_error(path) == \
        "the file is corrupted (the sizes of member header.npy do not add up)"


def test_read_model_gives_the_header_too(model):
    path, _ = model
    network, header = read_model(path)
    assert header["format_version"] == 1
    assert header["metadata"] == network.metadata == {"feature_names": ["a", "b", "c"],
                                                      "classes": ["x", "y"]}

