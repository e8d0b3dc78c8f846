"""neuronet.tabular.section: the "tabular" section of a model file written and read back; the
labels of the classes keep their kind, and every unsound field or array is refused by name."""

import numpy as np
import pytest
from test_tabular import messy

from neuronet import tabular
from neuronet.tabular import section


@pytest.fixture(scope="module")
def models():
    frame = messy(120)
    return (tabular.train(frame, "label", epochs=2, id="id"),
            tabular.train(frame, "size", epochs=2))


def test_a_section_read_back_gives_the_same_model(models):
    classifier, regressor = models
    frame = messy(40)
    for model in (classifier, regressor):
        fields, arrays = section.to_section(model)
        assert fields["version"] == section.VERSION and fields["task"] == model.task
        options = section.model_options(model.network, fields, arrays)
        assert options["target"] == model.target and options["id_column"] == model.id_column
        again = tabular.TabularModel(model.network, **options)
        np.testing.assert_array_equal(again.predict(frame), model.predict(frame))
    fields, arrays = section.to_section(classifier)
    assert fields["class_kind"] == "text" and "target.classes.utf8" in arrays
    assert fields["id_column"] == "id"
    fields, arrays = section.to_section(regressor)
    assert fields["class_kind"] is None
    assert arrays["target.center"].shape == (1,) and arrays["target.transform"].dtype == np.uint8
    # the method is the module's function
    assert repr(classifier.to_section()) == repr(section.to_section(classifier))


def test_classes_keep_their_kind():
    for classes, kind in [([True, False], "boolean"), ([np.int64(3), 7], "integer"),
                          ([0.5, 2.0], "float"), (["a", "b"], "text")]:
        assert section.class_kind(classes) == kind
        texts = section.class_texts(classes)
        assert all(isinstance(t, str) for t in texts)
        back = section.parse_classes(texts, kind)
        assert back == list(classes) and type(back[0]) is type(classes[0].item()
                                                               if hasattr(classes[0], "item")
                                                               else classes[0])
    with pytest.raises(ValueError, match="the classes are not integer numbers"):
        section.parse_classes(["1", "x"], "integer")
    with pytest.raises(ValueError, match="the classes are not True and False"):
        section.parse_classes(["True", "yes"], "boolean")


def test_an_unsound_section_is_refused_by_name(models):
    classifier, regressor = models
    fields, arrays = section.to_section(classifier)
    net = classifier.network
    cases = [
        ({k: v for k, v in fields.items() if k != "task"}, arrays, "the fields are"),
        ({**fields, "version": section.VERSION + 1}, arrays, "upgrade neuronet to load it"),
        ({**fields, "version": "2"}, arrays, "is not a version number"),
        ({**fields, "task": "ranking"}, arrays, "task 'ranking' is not"),
        ({**fields, "class_kind": "colour"}, arrays, "class_kind 'colour' is not one of"),
        (fields, {**arrays, "spare": np.zeros(1)}, "holds an unexpected array spare"),
        (fields, {**arrays, "calibration.temperature": np.array([0.0])},
         "calibration.temperature must hold one float64 above 0"),
        (fields, {**arrays, "training.class_weights": np.ones(5)},
         "training.class_weights must hold 2 float64 weights"),
        (fields, {**arrays, **tabular.preparation.encode_text("target.classes", ["a", "a"])},
         "target.classes holds the class 'a' twice"),
        ({**fields, "class_kind": "float"},
         {**arrays, **tabular.preparation.encode_text("target.classes", ["nan", "1"])},
         "target.classes holds nan, which is not a class label"),
    ]
    for bad_fields, bad_arrays, message in cases:
        with pytest.raises(ValueError, match=message):
            section.model_options(net, bad_fields, bad_arrays)
    fields, arrays = section.to_section(regressor)
    with pytest.raises(ValueError, match="target.scale is not positive"):
        section.model_options(regressor.network, fields,
                              {**arrays, "target.scale": np.array([-1.0])})
    with pytest.raises(ValueError, match="target.center must hold one float64"):
        section.model_options(regressor.network, fields,
                              {**arrays, "target.center": np.array([1, 2])})
    with pytest.raises(ValueError, match="a regression model has one output and no classes"):
        section.model_options(regressor.network, {**fields, "class_kind": "text"}, arrays)
    # a classifier's section does not fit the regressor's one-output network
    with pytest.raises(ValueError):
        section.model_options(regressor.network, *section.to_section(classifier))


def test_an_ensemble_s_members_are_saved_beside_the_network_and_checked(models):
    classifier, regressor = models  # 96 rows, 19 held out: ensembles of 5 fold networks
    frame = messy(40)
    for model in (classifier, regressor):
        assert len(model.networks) == 5
        fields, arrays = section.to_section(model)
        assert arrays["ensemble.size"].tolist() == [5]
        n_params = len(model.network.parameters())
        assert {f"ensemble.{m}.{j}" for m in range(1, 5) for j in range(n_params)} <= set(arrays)
        options = section.model_options(model.network, fields, arrays)
        again = tabular.TabularModel(model.network, **options)
        assert len(again.networks) == 5
        np.testing.assert_array_equal(again.predict(frame), model.predict(frame))
    fields, arrays = section.to_section(classifier)

    def refused(change, match):
        broken = dict(arrays)
        change(broken)
        with pytest.raises(ValueError, match=match):
            section.model_options(classifier.network, fields, broken)

    refused(lambda a: a.update({"ensemble.size": np.array([1])}),
            "ensemble.size must hold one int64 from 2 to 100")
    refused(lambda a: a.update({"ensemble.size": np.array([101])}), "from 2 to 100")
    refused(lambda a: a.update({"ensemble.size": np.array([6])}),  # one member too many
            r"ensemble.5.0 must hold finite float64 of shape \(\d+, 32\)")
    refused(lambda a: a.pop("ensemble.2.1"), "ensemble.2.1 must hold")
    refused(lambda a: a.update({"ensemble.3.0": a["ensemble.3.0"][:-1]}), "ensemble.3.0")
    refused(lambda a: a.update({"ensemble.1.1": a["ensemble.1.1"].astype(np.float32)}),
            "ensemble.1.1 must hold finite float64")
    nan = arrays["ensemble.4.0"].copy()
    nan[0, 0] = np.nan
    refused(lambda a: a.update({"ensemble.4.0": nan}), "ensemble.4.0 must hold finite")
    refused(lambda a: a.update({"ensemble.size": np.array([4])}),  # member 4 is left over
            "holds an unexpected array ensemble.4.0")
    refused(lambda a: a.pop("ensemble.size"), "holds an unexpected array ensemble.1.0")
    # a model of one network writes none of these
    single = tabular.TabularModel(classifier.network, classifier.preparation,
                                  target="label", task="classification",
                                  classes=classifier.classes)
    assert not [name for name in section.to_section(single)[1] if name.startswith("ensemble")]
