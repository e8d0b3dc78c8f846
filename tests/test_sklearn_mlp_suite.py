"""scikit-learn's own tests of its MLP (sklearn/neural_network/tests/test_mlp.py, imported from the
installed scikit-learn, not copied), run with MLPClassifier and MLPRegressor replaced by
NetClassifier and NetRegressor.

Each test function of that module is re-bound here to a copy of the module's globals in which the
two names point to neuronet's estimators, and its parametrize marks are rewritten the same way
(they captured scikit-learn's classes when the module was imported). The few tests that read or
set scikit-learn's private internals are listed in NOT_RUN, each with the reason; the behaviour
they check is tested in neuronet's own terms in test_sklearn_equivalence.py.
"""

import types

import pytest

pytest.importorskip("sklearn")
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402
from sklearn.neural_network.tests import test_mlp as sklearn_tests  # noqa: E402

from neuronet.sklearn import NetClassifier, NetRegressor  # noqa: E402

NOT_RUN = {
    "test_fit": "assigns scikit-learn's private arrays (_coef_grads, _coef_velocity, ...) and "
                "fitted attributes by hand before partial_fit; the same worked example runs in "
                "test_sklearn_equivalence.py::test_the_worked_example_of_test_fit",
    "test_gradient": "calls the private _loss_grad_lbfgs with scikit-learn's buffers; "
                     "Network.loss_and_gradient is checked against finite differences in "
                     "test_sklearn_equivalence.py::test_loss_and_gradient_with_alpha_matches_"
                     "finite_differences",
}

SWAP = {MLPClassifier: NetClassifier, MLPRegressor: NetRegressor}
_globals = dict(vars(sklearn_tests), MLPClassifier=NetClassifier, MLPRegressor=NetRegressor)


@pytest.fixture
def global_random_seed():
    """scikit-learn's conftest gives its tests this seed (42 by default)."""
    return 42


def _swapped(mark):
    if mark.name != "parametrize":
        return mark
    names, values = mark.args[0], mark.args[1]

    def swap(value):
        if isinstance(value, tuple):
            return tuple(SWAP.get(v, v) if isinstance(v, type) else v for v in value)
        return SWAP.get(value, value) if isinstance(value, type) else value

    return pytest.mark.parametrize(names, [swap(v) for v in values], **mark.kwargs).mark


def _rebind(name, function):
    test = types.FunctionType(function.__code__, _globals, name, function.__defaults__,
                              function.__closure__)
    test.__dict__.update(function.__dict__)
    test.pytestmark = [_swapped(m) for m in getattr(function, "pytestmark", [])]
    if name in NOT_RUN:
        test.pytestmark.append(pytest.mark.skip(reason=NOT_RUN[name]))
    return test


for _name, _function in list(vars(sklearn_tests).items()):
    if _name.startswith("test_") and isinstance(_function, types.FunctionType):
        globals()[_name] = _rebind(_name, _function)


def test_every_test_of_the_file_is_collected_here():
    theirs = {n for n, f in vars(sklearn_tests).items()
              if n.startswith("test_") and isinstance(f, types.FunctionType)}
    assert theirs <= set(globals())
    assert set(NOT_RUN) <= theirs
    assert len(theirs) > 40
