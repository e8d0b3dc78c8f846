"""scikit-learn estimators: a neuronet Network behind the ``fit``/``predict`` contract that
scikit-learn's tools (Pipeline, GridSearchCV, cross_val_score) rely on, and a drop-in for
``sklearn.neural_network.MLPClassifier`` and ``MLPRegressor``: the same parameters with the same
names, defaults and meanings, the same fitted attributes, the same steps.

The core keeps PyTorch's conventions (mean-reduced losses, weight decay added to the gradient);
this module translates scikit-learn's onto them: ``alpha`` is weight decay on the weight
matrices only (``decay_bias=False``) divided by the batch's size (``decay_per_example=True``);
the regressor's loss is half the squared error summed over the targets
(``MeanSquaredError(scale=k / 2)``); multilabel cross-entropy is summed over the labels
(``BinaryCrossentropy(scale=k)``); Adam adds epsilon scikit-learn's way (``epsilon_hat=True``).
One step of each solver then equals scikit-learn's on the same weights and batch.

``NetClassifier`` (``classifier.py``) learns class labels of any kind (ints, strings...) and
yes/no label indicator matrices (multilabel); ``NetRegressor`` (``regressor.py``) learns one or
several real targets, with the squared error or the Poisson loss. What they share is in
``base.py``, the checks of settings and weights in ``validation.py``. X may be a SciPy sparse
matrix. Needs the ``sklearn`` extra: ``pip install 'neuronet[sklearn]'``.
"""

from __future__ import annotations

try:
    # The first of scikit-learn that the estimators need, and what 1.6 added: asked for here,
    # before the modules that use them, so that a missing extra is said in one sentence.
    from sklearn.base import BaseEstimator as _BaseEstimator  # noqa: F401
    from sklearn.utils.validation import validate_data as _validate_data  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "neuronet.sklearn needs scikit-learn (1.6 or later): pip install 'neuronet[sklearn]'"
    ) from exc

from ..skl2onnx import register_when_imported
from .classifier import NetClassifier
from .regressor import NetRegressor

__all__ = ["NetClassifier", "NetRegressor"]

# skl2onnx converts pipelines that end in these estimators once it knows them: told now if it is
# imported already, else when it is (importing it here would cost every user a second).
register_when_imported(NetClassifier, NetRegressor)
