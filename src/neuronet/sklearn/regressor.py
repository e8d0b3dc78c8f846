"""``NetRegressor``: scikit-learn's MLPRegressor on a neuronet Network, for one or several real
targets, with the squared error or the Poisson loss.

The loss is half the squared error summed over the targets and averaged over the examples
(``MeanSquaredError(scale=k / 2)``), whose gradient is scikit-learn's; scikit-learn reports
that sum divided by the number of targets as ``loss_``, and so does NetRegressor.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.metaestimators import available_if

from .. import losses
from .base import NetEstimator, is_stochastic
from .validation import one_of

__all__ = ["NetRegressor"]


class NetRegressor(RegressorMixin, NetEstimator):
    """A neural-network regressor, a drop-in for scikit-learn's MLPRegressor.

    Hidden layers of ``activation`` units, then one identity output per target trained on
    half the squared error (``loss="squared_error"``), or one exp output per target trained on
    the Poisson deviance (``loss="poisson"``, for counts and rates). y may have several
    columns. Early stopping scores the validation set with R².

    Parameters
    ----------
    loss : {"squared_error", "poisson"}, default "squared_error"
        The loss learned.
    hidden_layer_sizes : int or sequence of int, default (100,)
        Units in each hidden layer.
    activation : str, default "relu"
        "relu", "tanh", "logistic" (or "sigmoid"), "identity"; also "leaky_relu".
    solver : str or neuronet.optimizers.Optimizer, default "adam"
        "adam", "sgd", "lbfgs" or a neuronet optimizer object (copied at each fit).
    alpha : float, default 0.0001
        L2 penalty on the weight matrices (not the biases).
    batch_size : int or "auto", default "auto"
        Examples per step (sgd and adam); "auto" is min(200, n_samples).
    learning_rate : str, default "constant"
        For sgd: "constant", "invscaling" or "adaptive".
    learning_rate_init : float, default 0.001
        The first learning rate (sgd and adam).
    power_t : float, default 0.5
        The exponent of "invscaling".
    max_iter : int, default 200
        Epochs at most (sgd, adam), iterations at most (lbfgs).
    shuffle : bool, default True
        Draw a new order of examples each epoch.
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator, default None
        An int makes training repeatable.
    tol : float, default 1e-4
        The improvement of the loss (or the validation R²) that counts.
    verbose : bool, default False
        Print the loss after every epoch.
    warm_start : bool, default False
        A new ``fit`` continues from the current weights.
    momentum : float, default 0.9
        sgd's momentum.
    nesterovs_momentum : bool, default True
        sgd's Nesterov momentum.
    early_stopping : bool, default False
        Hold out ``validation_fraction`` of the data and keep the best-scoring weights.
    validation_fraction : float, default 0.1
        The share of the data held out for early stopping.
    beta_1 : float, default 0.9
        Adam's decay of the first moment.
    beta_2 : float, default 0.999
        Adam's decay of the second moment.
    epsilon : float, default 1e-8
        Adam's epsilon.
    n_iter_no_change : int or numpy.inf, default 10
        Epochs without improvement before stopping.
    max_fun : int, default 15000
        Evaluations of the loss at most (lbfgs).
    dtype : None, "float32" or "float64", default None
        The arithmetic of training (None: that of X).

    Attributes
    ----------
    y_ndim_ : int
        1 when fitted on a one-dimensional y (``predict`` then returns shape (n_samples,)),
        2 when fitted on a matrix of targets.
    n_outputs_ : int
        The number of targets.
    out_activation_ : str
        "identity" or "exp".
    network_ : neuronet.Network
        The network.

    See ``NetClassifier`` for the other fitted attributes (all but ``classes_`` and
    ``multilabel_``).
    """

    def __init__(self, loss="squared_error", hidden_layer_sizes=(100,), activation="relu", *,
                 solver="adam", alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 dtype=None):
        super().__init__(
            hidden_layer_sizes, activation, solver=solver, alpha=alpha, batch_size=batch_size,
            learning_rate=learning_rate, learning_rate_init=learning_rate_init,
            power_t=power_t, max_iter=max_iter, shuffle=shuffle, random_state=random_state,
            tol=tol, verbose=verbose, warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun, dtype=dtype)
        self.loss = loss

    @property
    def _output_activation(self):
        return "exp" if self.loss == "poisson" else "identity"

    @property
    def _loss_divisor(self):
        return float(self.n_outputs_) if self.loss == "squared_error" else 1.0

    def _loss_object(self):
        if self.loss == "poisson":
            return losses.Poisson(scale=self.n_outputs_)
        return losses.MeanSquaredError(scale=self.n_outputs_ / 2)

    def _check_settings(self):
        one_of(self.loss, ("squared_error", "poisson"), "loss")
        return super()._check_settings()

    def fit(self, X, y, sample_weight=None):
        """Learn from inputs X and targets y.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            The inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            The targets.
        sample_weight : array-like of shape (n_samples,), optional
            The examples' weights.

        Returns
        -------
        NetRegressor
            The regressor, fitted.

        Raises
        ------
        ValueError
            If a setting, X, y or a weight is not what the regressor accepts, or if the
            weights stop being finite.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(is_stochastic)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over (X, y), continuing from the current weights (sgd and adam).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            The inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            The targets.
        sample_weight : array-like of shape (n_samples,), optional
            The examples' weights.

        Returns
        -------
        NetRegressor
            The regressor, one epoch further.

        Raises
        ------
        ValueError
            If the inputs are not what the regressor accepts (another number of targets
            than the first call's, for one).
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def _prepare_targets(self, y, first, incremental, classes, sample_weight):
        y = np.asarray(y, dtype=np.float64)
        targets = y[:, None] if y.ndim == 1 else y
        if not first and targets.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {targets.shape[1]} targets, but the regressor was fitted "
                             f"on {self.n_outputs_}")
        if self.loss == "poisson" and (targets < 0).any():
            raise ValueError("loss='poisson' needs targets of zero or more (counts, rates); "
                             f"y holds {targets.min():g}")
        if first:
            # As scikit-learn: one target gives predictions of shape (n_samples,).
            self.y_ndim_ = 1 if targets.shape[1] == 1 else 2
        return targets, sample_weight

    def _validation_score(self, X, y, sample_weight):
        outputs = self.network_.predict(X)
        if not np.isfinite(outputs).all():
            return np.nan
        return r2_score(y, self._shaped(outputs), sample_weight=sample_weight)

    def _shaped(self, outputs):
        return outputs[:, 0] if self.y_ndim_ == 1 else outputs

    def predict(self, X):
        """The predicted targets for the rows of X.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            The inputs.

        Returns
        -------
        numpy.ndarray
            Shape (n_samples,) for one target, else (n_samples, n_targets).

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the regressor is not fitted.
        ValueError
            If X does not have the features the regressor was fitted on, or if the network's
            outputs for a row are not finite.
        """
        return self._shaped(self._outputs(X))
