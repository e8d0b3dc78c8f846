"""L-BFGS: full-batch training that learns the loss's curvature from its last gradients.

The optimizer that ``Network.fit(..., optimizer="lbfgs")`` and ``neuronet.dask.fit`` use, and
``LBFGS.minimize`` on any function of a flat vector that returns its value and gradient.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_count, as_positive_float
from .optimizers import Optimizer

__all__ = ["LBFGS", "LBFGSResult"]


class LBFGS(Optimizer):
    """L-BFGS (limited-memory BFGS, SciPy's L-BFGS-B): full-batch training that builds a picture
    of the loss's curvature from its last ``memory`` gradients and picks each step's length by
    a line search; on small data it often beats SGD and Adam by far. Needs SciPy (the
    ``scipy`` extra). ``Network.fit(..., optimizer="lbfgs")`` uses it: each epoch is one
    iteration over all the training rows (several evaluations of loss and gradient).

    Parameters
    ----------
    tol : float
        Stop when every component of the projected gradient is at most this (SciPy's gtol).
    max_fun : int
        At most this many evaluations of the loss and gradient in one fit.
    memory : int
        The number of past steps that model the curvature (SciPy's maxcor).
    weight_decay, decay_bias, decay_per_example
        An L2 penalty ½·weight_decay·‖w‖² added to the loss (see Optimizer).

    Notes
    -----
    ``minimize(objective, x0)`` works on any function of a flat vector that returns its value
    and gradient, for instance one that adds up ``Network.loss_and_gradient`` over parts of the
    data held elsewhere.
    """

    full_batch = True

    def __init__(self, tol=1e-5, max_fun=15000, memory=10, weight_decay=0.0, *,
                 decay_bias=True, decay_per_example=False):
        super().__init__(1.0, weight_decay, decay_bias=decay_bias,
                         decay_per_example=decay_per_example)
        self.tol = as_positive_float(tol, "tol", allow_zero=True)
        self.max_fun = as_count(max_fun, "max_fun", minimum=1)
        self.memory = as_count(memory, "memory", minimum=1)
        self.result = None

    def step(self, params, grads, *, scale=1.0, count=None, matrices=None) -> None:
        raise TypeError("LBFGS works on the whole data at once: use Network.fit(..., "
                        "optimizer=LBFGS()) or LBFGS.minimize, not step()")

    def decay_vector(self, params, count):
        """The weight decay of every entry of the flat vector of ``params``, for a loss that
        is the mean over ``count`` examples (or their sum, with ``count`` None).

        Parameters
        ----------
        params : list of ndarray
            The parameters, in the order of the flat vector.
        count : int or None
            The examples the loss is the mean of.

        Returns
        -------
        ndarray
            One decay per entry.
        """
        return np.concatenate([np.full(p.size, self.decay_of(p, count)) for p in params])

    def minimize(self, objective, x0, *, max_iter=100, callback=None):
        """Minimize ``objective(x) -> (value, gradient)`` from the flat vector ``x0`` with at
        most ``max_iter`` iterations (and ``max_fun`` evaluations in all). ``callback(x,
        value)`` is called after every iteration; returning True stops. Returns an
        ``LBFGSResult`` (also kept as ``self.result``).

        Parameters
        ----------
        objective : callable
            ``objective(x)`` returns (value, gradient).
        x0 : ndarray
            The starting flat vector.
        max_iter : int
            The most iterations.
        callback : callable, optional
            ``callback(x, value)``, after every iteration.

        Returns
        -------
        LBFGSResult

        Raises
        ------
        ImportError
            Without SciPy.
        """
        try:
            from scipy.optimize import minimize
        except ImportError as exc:
            raise ImportError("LBFGS needs SciPy: pip install 'neuronet[scipy]'") from exc
        max_iter = as_count(max_iter, "max_iter", minimum=1)
        iterations = [0]

        def each_iteration(intermediate_result):
            iterations[0] += 1
            if callback is not None and callback(intermediate_result.x,
                                                 float(intermediate_result.fun)):
                raise StopIteration

        def value_and_gradient(x):
            value, gradient = objective(x)
            return float(value), np.asarray(gradient, dtype=np.float64)

        outcome = minimize(value_and_gradient, np.asarray(x0, dtype=np.float64),
                           method="L-BFGS-B", jac=True, callback=each_iteration,
                           options={"maxiter": max_iter, "maxfun": self.max_fun,
                                    "gtol": self.tol, "maxcor": self.memory})
        converged = bool(outcome.success) and "STOP" not in str(outcome.message)
        self.result = LBFGSResult(outcome.x, float(outcome.fun), int(outcome.nit),
                                  int(outcome.nfev), converged, str(outcome.message))
        return self.result

    def _settings(self) -> dict:
        return {"tol": self.tol, "max_fun": self.max_fun, "memory": self.memory}

    def __repr__(self) -> str:
        args = []
        if self.tol != 1e-5:
            args.append(f"tol={self.tol:g}")
        if self.max_fun != 15000:
            args.append(f"max_fun={self.max_fun}")
        if self.memory != 10:
            args.append(f"memory={self.memory}")
        return f"LBFGS({', '.join(args + self._repr_extras())})"


class LBFGSResult:
    """What ``LBFGS.minimize`` found: the flat vector ``x``, its value ``fun``, the
    iterations ``n_iter`` and evaluations ``n_fun`` it took, whether it ``converged`` (the
    gradient or the change of value fell below tolerance) and SciPy's ``message``.

    Parameters
    ----------
    x : ndarray
        The flat vector found.
    fun : float
        Its value.
    n_iter, n_fun : int
        The iterations, and the evaluations of the objective.
    converged : bool
        Whether it stopped by tolerance.
    message : str
        SciPy's.
    """

    def __init__(self, x, fun, n_iter, n_fun, converged, message):
        self.x, self.fun, self.n_iter, self.n_fun = x, fun, n_iter, n_fun
        self.converged, self.message = converged, message

    def __repr__(self) -> str:
        state = "converged" if self.converged else "not converged"
        return (f"<LBFGSResult: {state} after {self.n_iter} iterations, {self.n_fun} "
                f"evaluations, value {self.fun:.6g}: {self.message}>")
