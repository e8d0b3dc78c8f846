"""Fuzzing the loader: damaged model files must give a working network or ModelFileError,
never another exception, and never run anything stored in them."""

import io
import json
import os
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import neuronet
from neuronet import Dense, Dropout, ModelFileError, Network
from neuronet.embedding import Embedding

# A few seconds in `make test`; NEURONET_FUZZ_EXAMPLES=5000 for a longer hunt.
FUZZ = settings(max_examples=int(os.environ.get("NEURONET_FUZZ_EXAMPLES", 250)), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


class Trap:
    """Unpickling this calls open(marker, "w"): proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return open, (self.marker, "w")


def _npy(array, allow_pickle=False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def _models():
    """Valid model files (bytes) that differ in dtype, layers and metadata."""
    nets = [
        Network([Dense(3, 4, "relu"), Dropout(0.5), Dense(4, 2, "softmax")], seed=0),
        Network([Dense(2, 3, "leaky_relu", bias=False), Dense(3, 1, "sigmoid")], seed=1,
                dtype=np.float32),
    ]
    nets[0].metadata.update(feature_names=["a", "b", "c"], classes=["no", "yes"],
                            input_mean=[0.5, 1.5, -2.0], input_scale=[1.0, 2.0, 0.25],
                            task="classification", note={"k": [1, 2.5, None]})
    files = []
    with tempfile.TemporaryDirectory() as directory:
        for net in nets:
            files.append(Path(net.save(Path(directory, "model.npz"))).read_bytes())
        for table_model in _table_models():
            files.append(Path(table_model.save(Path(directory, "model.npz"))).read_bytes())
        embedded = Network([Embedding(3, [0, 2], [4, 2], 2, drop=0.25), Dense(5, 2, "relu"),
                            Dropout(0.1), Dense(2, 1, "sigmoid")], seed=2)
        files.append(Path(embedded.save(Path(directory, "model.npz"))).read_bytes())
        # A model of a table whose categories are codes for learned embeddings.
        files.append(Path(_table_models(embeddings=2)[1].save(
            Path(directory, "model.npz"))).read_bytes())
    return files


def _table_models(**options):
    """Models of a table, with every kind of prepared column (numbers with gaps, a date,
    categories with rare and missing values, a boolean, a column left out) and both tasks."""
    import pandas as pd

    from neuronet import tabular

    rng = np.random.default_rng(0)
    n = 60
    table = pd.DataFrame({
        "x": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)),
        "when": pd.Series(pd.date_range("2020-01-01", periods=n, freq="37h")).astype(str),
        "colour": rng.choice(["red", "green", "blue", "violet", None], n, p=[.3, .3, .3, .05, .05]),
        "flag": rng.choice(["yes", "no"], n),
        "constant": 1,
        "kind": rng.choice(["a", "b", "c"], n),
        "amount": rng.normal(100, 10, n),
    })
    # The classifier is calibrated on held-out rows and weighs its classes: its file holds a
    # temperature and the class weights too. The regression learns log(1 + y) from numbers
    # in bins: its file holds the transform and the bins' edges.
    classifier = tabular.train(table, "kind", epochs=2, hidden=[3], id="flag",
                               class_weight="balanced", importance=0)
    assert classifier.temperature != 1.0 and classifier.class_weights is not None
    # 12 rows held out: the 5 networks of the cross-validation are kept, an ensemble whose
    # members' arrays the file holds beside the network
    assert len(classifier.networks) == 5
    return [classifier,
            tabular.train(table, "amount", epochs=1, validation_split=0, hidden=[],
                          target_transform="log", numbers="bins", **options)]



def _raw_rows():
    import pandas as pd

    return pd.DataFrame({"x": [0.5, np.nan], "when": ["2020-02-03", None],
                         "colour": ["red", "ultraviolet"], "flag": ["yes", None],
                         "kind": ["a", "b"], "amount": [1.0, 2.0]})


MODELS = _models()
try:
    import onnx  # noqa: F401

    ONNX = True
except ImportError:
    ONNX = False


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


def check(place, data: bytes):
    """Load ``data`` as a model file: a network that predicts, or ModelFileError."""
    path = place / "model.npz"
    path.write_bytes(data)
    marker = place / "code-ran"
    try:
        network = neuronet.load(path)
    except ModelFileError as error:
        assert str(error).startswith(f"{path}: ") and error.problem
    else:
        if isinstance(network, neuronet.TabularModel):
            _check_table_model(network)
            network = network.network
        outputs = network.predict(np.zeros((2, network.n_inputs)))
        assert outputs.shape == (2, network.n_outputs)
        assert np.isfinite(outputs).all()
    assert not marker.exists()


def _check_table_model(model):
    """A table model that loads prepares raw rows and predicts them, or refuses the columns
    or the outputs with a clear ValueError, never anything else; and what it holds can be
    written again: its texts as UTF-8, its predictions as CSV, the model as ONNX."""
    from neuronet.tabular import DataError
    from neuronet.tabular.writing import write_csv

    prep = model.preparation
    texts = [*prep.columns, *(v for item in prep.inputs for v in getattr(item, "values", ())),
             *(t for pair in prep.left_out for t in pair), model.target,
             *(str(c) for c in model.classes or ())]
    for text in texts:
        text.encode("utf-8")  # a lone surrogate would fail here, as later in predict and ONNX
    assert "" not in prep.columns
    assert np.isfinite(model.temperature) and model.temperature > 0
    if model.class_weights is not None:
        assert model.class_weights.shape == (len(model.classes),)
        assert np.isfinite(model.class_weights).all() and (model.class_weights >= 0).all()
    if model.classes is not None:
        assert len(set(model.classes)) == len(model.classes)
        assert all(c == c for c in model.classes)  # no NaN, which no prediction equals
    try:
        predictions = model.predict(_raw_rows())
    except DataError as error:  # a fuzzed column name the rows do not have, a huge scaling
        assert any(what in str(error) for what in ("no column", "none of the model's columns",
                                                   "too large to standardize"))
    except ValueError as error:  # fuzzed numbers whose outputs overflow
        assert "not finite" in str(error)
    else:
        assert len(predictions) == 2
        write_csv(io.StringIO(), [model.target], [predictions.tolist()])
    if ONNX:
        model.to_onnx()


def _members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def _zip(members, compression=zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", compression) as archive:
        warnings.simplefilter("ignore")  # duplicate names are one of the mutations
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


model = st.sampled_from(range(len(MODELS)))


@FUZZ
@given(model, st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)),
                       min_size=1, max_size=8))
def test_flipped_bytes(place, which, flips):
    data = bytearray(MODELS[which])
    for where, mask in flips:
        data[int(where * len(data))] ^= mask
    check(place, bytes(data))


@FUZZ
@given(model, st.lists(st.tuples(st.integers(1, 400), st.integers(1, 255)), min_size=1,
                       max_size=8))
def test_flipped_bytes_in_the_zip_directory(place, which, flips):
    # The central directory and its end record, which are read before anything else.
    data = bytearray(MODELS[which])
    for back, mask in flips:
        data[-back] ^= mask
    check(place, bytes(data))


@FUZZ
@given(model, st.floats(0, 1, exclude_max=True), st.binary(max_size=64))
def test_cut_and_padded_files(place, which, where, tail):
    data = MODELS[which]
    check(place, data[:int(where * len(data))] + tail)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=8)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12,
)


def _arrays(place):
    """Arrays to put where a model's arrays belong: numbers of many shapes and dtypes, and a
    pickled object array whose unpickling would create the marker file."""
    numbers = st.tuples(
        st.sampled_from(["<f8", "<f4", ">f8", "<i8", "|u1", "<f2", "<c16"]),
        st.lists(st.integers(0, 5), max_size=3),
        st.floats(-3, 3) | st.sampled_from([np.nan, np.inf]),
    ).map(lambda t: _npy(np.full(tuple(t[1]), t[2], dtype=t[0]) if t[0][1] not in "iu"
                         else np.zeros(tuple(t[1]), dtype=t[0])))
    trap = np.empty((3, 4), dtype=object)
    trap[...] = Trap(str(place / "code-ran"))
    return st.one_of(numbers, st.just(_npy(trap, allow_pickle=True)), st.binary(max_size=200))


@FUZZ
@given(model, st.data())
def test_members_removed_replaced_or_added(place, which, data):
    members = _members(MODELS[which])
    action = data.draw(st.sampled_from(["remove", "replace", "add", "rename", "shuffle"]))
    index = data.draw(st.integers(0, len(members) - 1))
    name, content = members[index]
    if action == "remove":
        del members[index]
    elif action == "replace":
        members[index] = (name, data.draw(_arrays(place)))
    elif action == "add":
        new_name = data.draw(st.sampled_from([name, "layers.1.weights.npy", "x.npy", "x.pkl"]))
        members.append((new_name, data.draw(_arrays(place))))
    elif action == "rename":
        # Lone surrogates cannot be written as a zip member's name, by anyone.
        names = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
                        min_size=1, max_size=20)
        members[index] = (data.draw(names), content)
    else:
        members = data.draw(st.permutations(members))
    compression = data.draw(st.sampled_from([zipfile.ZIP_STORED] * 3 + [zipfile.ZIP_DEFLATED]))
    check(place, _zip(members, compression))


@FUZZ
@given(model, st.data())
def test_header_fields_replaced(place, which, data):
    members = _members(MODELS[which])
    header = json.loads(np.load(io.BytesIO(members[0][1])).tobytes())
    # Walk into the header to a random place and put a random JSON value there.
    target = header
    while True:
        keys = list(target) if isinstance(target, dict) else list(range(len(target)))
        if not keys:
            break
        key = data.draw(st.sampled_from(keys))
        if isinstance(target[key], (dict, list)) and data.draw(st.booleans()):
            target = target[key]
            continue
        if data.draw(st.integers(0, 5)) == 0 and isinstance(target, dict):
            del target[key]
        else:
            target[key] = data.draw(json_values)
        break
    text = json.dumps(header).encode()
    members[0] = ("header.npy", _npy(np.frombuffer(text, dtype=np.uint8)))
    check(place, _zip(members))


def test_the_fuzzed_models_load_when_left_alone(place):
    kinds = []
    for data in MODELS:
        path = place / "model.npz"
        path.write_bytes(data)
        model = neuronet.load(path)
        kinds.append(type(model).__name__)
        if isinstance(model, neuronet.TabularModel):
            assert len(model.predict(_raw_rows())) == 2
    assert kinds == ["Network", "Network", "TabularModel", "TabularModel", "Network",
                     "TabularModel"]


@FUZZ
@given(st.sampled_from([2, 3, 5]), st.data())
def test_table_sections_with_arrays_replaced(place, which, data):
    # Every array of the preparation is checked: any other dtype, shape or content gives a
    # working model or ModelFileError.
    members = _members(MODELS[which])
    section = [i for i, (name, _) in enumerate(members) if name.startswith("section.")]
    index = data.draw(st.sampled_from(section))
    name, content = members[index]
    original = np.load(io.BytesIO(content))
    choice = data.draw(st.sampled_from(["values", "shape", "dtype"]))
    if choice == "values" and original.size:
        flat = original.copy().ravel()
        position = data.draw(st.integers(0, flat.size - 1))
        if flat.dtype.kind == "f":
            flat[position] = data.draw(st.sampled_from([0.0, -1.0, 1e-300, 1e300, np.nan]))
        else:
            flat[position] = data.draw(st.sampled_from([0, 1, 2, 7, 200, -1 % 256]))
        replaced = flat.reshape(original.shape)
    elif choice == "shape":
        replaced = np.concatenate([original, original[:1]]) if original.size else \
            np.zeros(1, original.dtype)
    else:
        replaced = original.astype(data.draw(st.sampled_from(["<f8", "<i8", "|u1", "<f4"])))
    members[index] = (name, _npy(replaced))
    check(place, _zip(members))


# Texts and counts a hostile writer would choose: half characters, NaN and infinity as classes,
# an empty name, a repeated value, counts whose int64 sum wraps around.
HOSTILE_TEXTS = [b"", b"nan", b"NaN", b"inf", b"-inf", b"01", b"-0", b"1.0", b"True", b"\x00",
                 "\ud800".encode("utf-8", "surrogatepass"), b"x\xed\xbf\xbf", b"\xff",
                 "caf\u00e9".encode()]
HOSTILE_COUNTS = [0, 1, 2, 3, 2**31, 2**62, 2**63 - 1, -1, -(2**63)]


@FUZZ
@given(st.sampled_from([2, 3, 5]), st.data())
def test_table_texts_and_counts_replaced(place, section_file, which, data):
    path = place / "model.npz"
    path.write_bytes(MODELS[which])

    def change(fields, arrays):
        names = sorted(name[:-5] for name in arrays if name.endswith(".utf8"))
        if data.draw(st.booleans()):
            name = data.draw(st.sampled_from(names))
            ends = arrays[f"{name}.ends"].tolist()
            raw = arrays[f"{name}.utf8"].tobytes()
            texts = [raw[a:b] for a, b in zip([0, *ends[:-1]], ends)] or [b""]
            for _ in range(data.draw(st.integers(1, 3))):
                position = data.draw(st.integers(0, len(texts) - 1))
                texts[position] = data.draw(st.sampled_from(HOSTILE_TEXTS + texts))
            section_file.texts(arrays, name, texts)
        if data.draw(st.booleans()) and len(arrays["categories.count"]):
            counts = arrays["categories.count"].copy()
            for position in range(len(counts)):
                if data.draw(st.booleans()):
                    counts[position] = data.draw(st.sampled_from(HOSTILE_COUNTS))
            arrays["categories.count"] = counts
        if data.draw(st.booleans()) and fields["class_kind"] is not None:
            fields["class_kind"] = data.draw(st.sampled_from(["text", "integer", "float",
                                                              "boolean"]))

    section_file.rewrite(path, change)
    check(place, path.read_bytes())
