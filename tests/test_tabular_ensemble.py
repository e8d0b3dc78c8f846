"""neuronet.tabular.ensemble: a table model of several networks answers with their mean, in
predict, the permutation importance and the temperature's copies alike."""

import numpy as np
import pytest
from test_tabular import messy

from neuronet import tabular
from neuronet.tabular import ensemble
from neuronet.tabular.importance import blocks_of, first_layer, permutation_drops


@pytest.fixture(scope="module")
def models():
    frame = messy(600)
    frame["amount"] = 10 * np.exp(frame["size"].fillna(0) + (frame["colour"] == "red"))
    return (frame, tabular.train(frame, "label", epochs=4, ensemble=3, importance=0),
            tabular.train(frame, "amount", epochs=4, ensemble=3, target_transform="log"))


def _single(model, network):
    return tabular.TabularModel(network, model.preparation, target=model.target,
                                task=model.task, classes=model.classes,
                                target_center=model.target_center,
                                target_scale=model.target_scale,
                                target_transform=model.target_transform,
                                temperature=model.temperature)


def test_the_model_is_the_mean_of_its_networks(models):
    frame, classifier, regressor = models
    assert len(classifier.networks) == len(regressor.networks) == 3
    assert classifier.networks[0] is classifier.network
    assert classifier.temperature != 1.0  # divided into every network before the mean
    singles = [_single(classifier, network) for network in classifier.networks]
    probabilities = [s.predict_proba(frame).to_numpy() for s in singles]
    np.testing.assert_allclose(classifier.predict_proba(frame).to_numpy(),
                               np.mean(probabilities, axis=0), atol=1e-12)
    assert np.abs(probabilities[0] - probabilities[1]).max() > 1e-3  # they differ
    # regression: the mean in the scale learned, log(1 + y), then back in the target's units
    X = regressor.prepare(frame)
    learned = [network.predict(X)[:, 0] for network in regressor.networks]
    expected = np.expm1(np.mean(learned, axis=0) * regressor.target_scale
                        + regressor.target_center)
    np.testing.assert_allclose(regressor.predict(frame), expected, rtol=1e-9)
    np.testing.assert_allclose(regressor.predicted_from_inputs(X),
                               np.mean(learned, axis=0) * regressor.target_scale
                               + regressor.target_center, rtol=1e-12)
    report = regressor.evaluate(frame)
    truth = frame["amount"].to_numpy(dtype=float)
    mse = np.mean((expected - truth) ** 2)
    assert report["mse"] == pytest.approx(mse, rel=1e-9)


def test_a_model_of_one_network_computes_what_it_did(models):
    frame, classifier, _ = models
    single = _single(classifier, classifier.network)
    X = single.prepare(frame)
    z = classifier.network.predict(X, logits=True) / classifier.temperature
    np.testing.assert_array_equal(ensemble.mean_outputs(single, X, frame),
                                  1 / (1 + np.exp(-z)))
    assert ensemble.calibrated_networks(single)[0] is not single.network  # a copy, T inside
    plain = tabular.TabularModel(classifier.network, classifier.preparation, target="label",
                                 task="classification", classes=classifier.classes)
    assert ensemble.calibrated_networks(plain) == [classifier.network]


def test_the_temperature_goes_inside_a_copy_of_every_network(models):
    frame, classifier, _ = models
    copies = ensemble.calibrated_networks(classifier)
    X = classifier.prepare(frame)
    for copy, network in zip(copies, classifier.networks):
        assert copy is not network
        np.testing.assert_allclose(copy.predict(X, logits=True),
                                   network.predict(X, logits=True) / classifier.temperature,
                                   rtol=1e-12, atol=1e-12)


def test_the_importance_of_an_ensemble_shuffles_the_inputs_of_every_network(models):
    frame, classifier, regressor = models
    for model, scoring in ((classifier, "log_loss"), (regressor, "r2")):
        X = model.prepare(frame)
        truth = (frame["label"] == "small").to_numpy(int) if model is classifier else \
            frame["amount"].to_numpy(float)
        fast = model.importance_of_inputs(X, truth, scoring=scoring, repeats=2, seed=3)
        # the same shuffles through the whole networks, with no shortcut through the sums
        slow = permutation_drops(model.predicted_from_inputs, X, truth,
                                 blocks_of(model.preparation), scoring=scoring, repeats=2,
                                 seed=3)
        assert fast[0] == pytest.approx(slow[0], rel=1e-9)
        np.testing.assert_allclose(fast[1], slow[1], atol=1e-9)
    weights, bias, _ = ensemble.summed_first_layers(classifier, first_layer)
    assert weights.shape == (classifier.preparation.n_features, 3 * 32)
    assert bias.shape == (3 * 32,)


def test_members_must_share_the_network_s_design(models):
    _, classifier, regressor = models
    with pytest.raises(ValueError, match="the members of an ensemble must have the network's "
                                         "layers"):
        tabular.TabularModel(classifier.network, classifier.preparation, target="label",
                             task="classification", classes=classifier.classes,
                             members=[tabular.fitting.Design(
                                 "classification", classifier.classes, 3, hidden=(4,),
                                 activation="relu", seed=0).network()])
    lines = classifier.describe()
    assert any(line.startswith("  ensemble: 3 networks of one design") and
               line.endswith("the model is their mean probability") for line in lines)
    assert repr(regressor).endswith(" x 3>")
    assert "each of the 3 networks of the ensemble:" in classifier.summary()


def test_an_ensemble_of_networks_with_learned_embeddings_saves_predicts_and_exports(tmp_path):
    # Each member looks its codes up in its own embedding; the file, the importance (which
    # cannot shift first sums past an embedding) and the ONNX graph all average the members.
    import pandas as pd

    import neuronet

    ort = pytest.importorskip("onnxruntime")
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 40, 400)
    frame = pd.DataFrame({"c": [f"v{c}" for c in codes], "x": rng.normal(size=400)})
    frame["y"] = np.where((codes % 3 == 0) ^ (frame.x > 0), "a", "b")
    model = tabular.train(frame, "y", epochs=10, embeddings=4, ensemble=3, importance=0)
    assert len(model.networks) == 3
    assert all(type(net.layers[0]).__name__ == "Embedding" for net in model.networks)
    proba = model.predict_proba(frame).to_numpy()
    assert min(np.abs(tabular.TabularModel(
        net, model.preparation, target="y", task=model.task, classes=model.classes,
        temperature=model.temperature).predict_proba(frame).to_numpy() - proba).max()
        for net in model.networks) > 1e-6  # the mean is none of its members
    importance = model.feature_importance(frame)
    assert set(importance["column"]) == {"c", "x"} and importance["importance"].max() > 0
    loaded = neuronet.load(model.save(tmp_path / "m.npz"))
    np.testing.assert_array_equal(loaded.predict_proba(frame).to_numpy(), proba)
    session = ort.InferenceSession(loaded.to_onnx().SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, loaded.onnx_inputs(frame))[1], proba,
                               atol=1e-5, rtol=0)
