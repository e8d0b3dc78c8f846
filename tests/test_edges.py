"""neuronet._edges: the table of conveniences the core offers without importing their modules."""

import sys

import numpy as np

import neuronet
from neuronet import _edges


def test_a_registered_function_is_provided_by_name(monkeypatch):
    monkeypatch.setattr(_edges, "_PROVIDED", {})
    _edges.register("double", lambda x: 2 * x)
    assert _edges.provided("double", "no.such.module")(4) == 8


def test_a_missing_name_imports_the_module_that_registers_it(monkeypatch, tmp_path):
    (tmp_path / "edge_provider_for_test.py").write_text(
        "from neuronet import _edges\n_edges.register('shout', str.upper)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(_edges, "_PROVIDED", {})
    monkeypatch.delitem(sys.modules, "edge_provider_for_test", raising=False)
    assert _edges.provided("shout", "edge_provider_for_test")("hi") == "HI"
    assert "edge_provider_for_test" in sys.modules


def test_network_save_reaches_the_file_format_through_the_table(tmp_path, monkeypatch):
    net = neuronet.Network.mlp([2, 3, 1], seed=0)
    calls = []
    real = _edges.provided("save", "neuronet.serialization")
    monkeypatch.setitem(_edges._PROVIDED, "save",
                        lambda *a, **k: calls.append(a) or real(*a, **k))
    path = tmp_path / "model.npz"
    net.save(path)
    assert calls and calls[0][0] is net
    loaded = neuronet.load(path)
    np.testing.assert_array_equal(loaded.predict(np.ones((1, 2))), net.predict(np.ones((1, 2))))
