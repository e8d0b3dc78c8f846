"""neuronet.serialization.sections: what a model file holds beside its network."""

import numpy as np
import pytest

from neuronet.serialization import sections
from neuronet.serialization.archive import Problem


def test_section_header_declares_each_array():
    header, arrays = sections.section_header(
        ("tabular", {"names": ["a", "b"], "k": np.int64(2)},
         {"scale.mean": np.array([0.5, 1.0]), "codes": np.array([[1, 2]], dtype=np.int64)}))
    assert header == {"kind": "tabular", "fields": {"names": ["a", "b"], "k": 2},
                      "arrays": {"scale.mean": {"dtype": "float64", "shape": [2]},
                                 "codes": {"dtype": "int64", "shape": [1, 2]}}}
    np.testing.assert_array_equal(arrays["scale.mean"], [0.5, 1.0])


@pytest.mark.parametrize("section, message", [
    (("pictures", {}, {}), "unknown section kind 'pictures'"),
    (("tabular", {}, {"bad name!": np.zeros(1)}), "expected a dotted name"),
    (("tabular", {}, {"x": np.zeros(1, np.float32)}), "dtype float32"),
    (("tabular", {}, {"x": np.array([np.nan])}), "holds NaN or infinity"),
])
def test_section_header_refuses_what_cannot_be_saved(section, message):
    with pytest.raises(ValueError, match=message):
        sections.section_header(section)


def test_check_section_gives_the_members_to_read():
    section = {"kind": "tabular", "fields": {},
               "arrays": {"scale.mean": {"dtype": "float64", "shape": [2]}}}
    assert sections.check_section(section) == {"section.scale.mean": ("float64", (2,))}
    assert sections.check_section(None) == {}


@pytest.mark.parametrize("section, message", [
    ([], "must be an object with kind, fields and arrays"),
    ({"kind": "other", "fields": {}, "arrays": {}}, "unknown kind 'other'"),
    ({"kind": "tabular", "fields": {}, "arrays": []}, "at most 1000 arrays"),
    ({"kind": "tabular", "fields": {}, "arrays": {"x": {"dtype": "object", "shape": [1]}}},
     "malformed array 'x'"),
    ({"kind": "tabular", "fields": {}, "arrays": {"x": {"dtype": "float64", "shape": [1, 1, 1]}}},
     "malformed array"),
    ({"kind": "tabular", "fields": {}, "arrays": {"x": {"dtype": "float64", "shape": [-1]}}},
     "malformed array"),
])
def test_check_section_refuses_a_malformed_header(section, message):
    with pytest.raises(Problem, match=message):
        sections.check_section(section)


def test_model_of_builds_through_the_kinds_module(monkeypatch):
    import types

    seen = {}

    def from_section(network, fields, arrays):
        seen.update(network=network, fields=fields, arrays=arrays)
        if fields.get("broken"):
            raise ValueError("a field is wrong")
        return "the model"

    module = types.ModuleType("fake_section_kind")
    module.from_section = from_section
    monkeypatch.setitem(__import__("sys").modules, "fake_section_kind", module)
    monkeypatch.setitem(sections.SECTIONS, "fake", "fake_section_kind")
    arrays = {"section.a": np.ones(1), "weights.0": np.zeros(1)}
    assert sections.model_of("net", {"kind": "fake", "fields": {}}, arrays) == "the model"
    assert seen["network"] == "net" and list(seen["arrays"]) == ["a"]
    with pytest.raises(Problem, match="the fake section is not sound: a field is wrong"):
        sections.model_of("net", {"kind": "fake", "fields": {"broken": True}}, arrays)
