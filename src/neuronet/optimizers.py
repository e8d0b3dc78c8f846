"""Optimizers: how a gradient becomes a change of the weights. The update rules are PyTorch's,
so results can be compared step for step. ``weight_decay`` adds ``weight_decay * w`` to each
gradient (L2 regularization), which pulls weights gently toward zero."""

from __future__ import annotations

import importlib
import math
from operator import is_

import numpy as np

from . import schedules
from ._checks import as_positive_float


class Optimizer:
    """Base class. ``step(params, grads)`` updates each array of ``params`` in place.

    Its state (momentum, moment estimates) belongs to the parameters it first stepped;
    handed other parameters, it starts afresh.

    ``learning_rate`` is the current rate: it starts at ``initial_learning_rate`` and, with a
    ``schedule`` (``neuronet.schedules``), changes after every epoch (``end_epoch``).
    ``epochs`` and ``examples`` count what it has trained on.

    Two switches adapt weight decay to other conventions (scikit-learn's ``alpha`` needs both):
    ``decay_bias=False`` decays weight matrices only, not bias vectors; and
    ``decay_per_example=True`` divides ``weight_decay`` by the number of examples in each step's
    batch, an L2 penalty ½·weight_decay·‖w‖² on the batch's summed loss rather than its mean.

    Parameters
    ----------
    learning_rate : float
        The starting rate, greater than zero.
    weight_decay : float
        The L2 penalty's factor (0: none).
    schedule : Schedule, str or None
        How the learning rate changes after every epoch (``neuronet.schedules``).
    decay_bias : bool
        Whether bias vectors decay too (False: weight matrices only).
    decay_per_example : bool
        Whether ``weight_decay`` is divided by each step's number of examples.
    """

    #: Whether the optimizer needs the whole data at once (L-BFGS) rather than batches.
    full_batch = False

    def __init__(self, learning_rate: float, weight_decay: float, *, schedule=None,
                 decay_bias: bool = True, decay_per_example: bool = False):
        self.initial_learning_rate = as_positive_float(learning_rate, "learning_rate")
        self.learning_rate = self.initial_learning_rate
        self.weight_decay = as_positive_float(weight_decay, "weight_decay", allow_zero=True)
        self.schedule = schedules.get(schedule)
        self.decay_bias = bool(decay_bias)
        self.decay_per_example = bool(decay_per_example)
        self.epochs = 0
        self.examples = 0
        self._params = None

    def _state_for(self, params):
        known = self._params
        if known is None or len(known) != len(params) or not all(map(is_, known, params)):
            if known is None and self._unbound_state_fits(params):
                self._params = list(params)  # the state of a pickle, bound again
                return
            self._params = list(params)
            self._init_state(params)

    def __getstate__(self):
        # The parameters are the network's: a copied or unpickled network packs new arrays.
        # The state (momentum, moment estimates) travels without them and binds to the first
        # parameters of its shapes it is asked to step, so that training goes on where it was
        # (scikit-learn's estimators keep their solver's state through a pickle too).
        state = dict(self.__dict__)
        known, state["_params"] = state["_params"], None
        if known is not None:  # else still unbound since the last pickle, or stateless
            state["_unbound"] = [(p.shape, p.dtype) for p in known]
        return state

    def _unbound_state_fits(self, params) -> bool:
        unbound = self.__dict__.pop("_unbound", None)
        return unbound is not None and unbound == [(p.shape, p.dtype) for p in params]

    def _init_state(self, params) -> None:
        pass

    def state_arrays(self, params) -> list:
        """The optimizer's state for ``params`` as arrays shaped like them, in a fixed order
        (SGD's momentum, for the current learning rate; Adam's two moment estimates; none for
        plain SGD), created at zero if it has none for them yet. Changing them in place
        changes the state: model averaging (``neuronet.dask``) averages them across workers.

        Parameters
        ----------
        params : list of ndarray
            The parameters stepped.

        Returns
        -------
        list of ndarray
        """
        self._state_for(params)
        return self._state_list()

    def _state_list(self) -> list:
        return []

    def state_vector(self, params):
        """The state for ``params`` (``state_arrays``) as one flat vector, or None if the
        optimizer keeps none: numbers that travel, for a copy of the network whose parameters
        are new arrays, to which the state is not bound.

        Parameters
        ----------
        params : list of ndarray
            The parameters stepped.

        Returns
        -------
        ndarray or None
        """
        arrays = self.state_arrays(params)
        return np.concatenate([a.ravel() for a in arrays]) if arrays else None

    def set_state_vector(self, params, vector) -> None:
        """Make ``vector`` (from ``state_vector``) the state for ``params``, keeping the count
        of steps taken (Adam's, which making a state afresh would reset).

        Parameters
        ----------
        params : list of ndarray
            The parameters stepped.
        vector : ndarray
            A flat state, as ``state_vector`` gives it.
        """
        steps = getattr(self, "steps", None)
        offset = 0
        for array in self.state_arrays(params):
            array[...] = vector[offset:offset + array.size].reshape(array.shape)
            offset += array.size
        if steps is not None:
            self.steps = steps

    def gradient_scale(self) -> float:
        """A factor the network may multiply the loss's gradient by before backpropagating it
        (then every gradient arrives multiplied by it): 1 unless the optimizer can use it.

        Returns
        -------
        float
        """
        return 1.0

    def step(self, params, grads, *, scale=1.0, count=None, matrices=None) -> None:
        """Update ``params`` in place from ``grads``, which arrive multiplied by ``scale``;
        ``count`` is the number of examples in the batch (for ``decay_per_example``). A network
        may hand its parameters as one flat block, with ``matrices`` marking (1, else 0) the
        entries that belong to weight matrices rather than biases (for ``decay_bias``).

        Parameters
        ----------
        params : list of ndarray
            Updated in place.
        grads : list of ndarray
            Their gradients, in the same order.
        scale : float
            The factor the gradients arrive multiplied by.
        count : int, optional
            The examples of the step (for ``decay_per_example``).
        matrices : ndarray, optional
            The mask of the entries of weight matrices.
        """
        raise NotImplementedError

    def end_epoch(self, examples: int, logs=None) -> None:
        """Count an epoch of ``examples`` examples and let the schedule set the next rate
        from the epoch's scores ``logs``.

        Parameters
        ----------
        examples : int
            The examples of the epoch.
        logs : dict, optional
            The epoch's scores.
        """
        self.epochs += 1
        self.examples += int(examples)
        if self.schedule is not None:
            self.learning_rate = float(self.schedule.rate(self, logs))

    def decay_of(self, param, count=None) -> float:
        """The weight decay that applies to ``param`` in a step over ``count`` examples.

        Parameters
        ----------
        param : ndarray
            A parameter.
        count : int, optional
            The examples of the step.

        Returns
        -------
        float
        """
        if not self.weight_decay or (not self.decay_bias and param.ndim < 2):
            return 0.0
        if self.decay_per_example and count:
            return self.weight_decay / count
        return self.weight_decay

    def _decays(self, params, count=None, matrices=None) -> list:
        """``decay_of`` of every parameter, with the mask of the entries it applies to (None:
        all of them)."""
        if not self.weight_decay:
            return [(0.0, None)] * len(params)
        if matrices is not None and not self.decay_bias:
            factor = self.weight_decay / count if self.decay_per_example and count else \
                self.weight_decay
            return [(factor, matrices)] * len(params)
        return [(self.decay_of(p, count), None) for p in params]

    def _add_decay(self, param, grad, decay, scratch, times=1.0):
        """grad += times * decay * param (on the entries of decay's mask), through scratch."""
        factor, mask = decay
        if mask is None:
            np.multiply(param, factor * times, out=scratch)
        else:
            # The mask times the factor, kept while the factor stays (batches of one size).
            cached = getattr(self, "_decay_cache", None)
            if cached is None or cached[0] is not mask or cached[1] != factor * times:
                cached = self._decay_cache = (mask, factor * times, mask * (factor * times))
            np.multiply(param, cached[2], out=scratch)
        grad += scratch

    def config(self) -> dict:
        """The settings that rebuild this optimizer, schedule included, as JSON-ready values
        (``optimizers.from_config``); the state (momentum, moments) is not part of them.

        Returns
        -------
        dict
        """
        config = {"type": type(self).__name__, **self._settings(),
                  "weight_decay": self.weight_decay}
        if not self.decay_bias:
            config["decay_bias"] = False
        if self.decay_per_example:
            config["decay_per_example"] = True
        if self.schedule is not None:
            config["schedule"] = self.schedule.config()
        return config

    def _settings(self) -> dict:
        return {"learning_rate": self.initial_learning_rate}

    def _repr_extras(self) -> list:
        args = []
        if self.weight_decay:
            args.append(f"weight_decay={self.weight_decay:g}")
        if not self.decay_bias:
            args.append("decay_bias=False")
        if self.decay_per_example:
            args.append("decay_per_example=True")
        if self.schedule is not None:
            args.append(f"schedule={self.schedule!r}")
        return args


class SGD(Optimizer):
    """Stochastic gradient descent: w -= learning_rate * g.

    With ``momentum`` m, steps follow a running sum of gradients, b = m * b + g, which
    rolls through flat stretches and damps zig-zags; ``nesterov`` looks one step ahead
    (g + m * b).

    Parameters
    ----------
    learning_rate : float
        The step's size (default 0.01).
    momentum : float
        In [0, 1): the share of the running sum kept from step to step.
    nesterov : bool
        Whether to look one step ahead (needs a momentum).
    weight_decay : float
        The L2 penalty's factor (0: none).
    schedule : Schedule, str or None
        How the learning rate changes after every epoch (``neuronet.schedules``).
    decay_bias : bool
        Whether bias vectors decay too (False: weight matrices only).
    decay_per_example : bool
        Whether ``weight_decay`` is divided by each step's number of examples.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=0.0, *,
                 schedule=None, decay_bias=True, decay_per_example=False):
        super().__init__(learning_rate, weight_decay, schedule=schedule, decay_bias=decay_bias,
                         decay_per_example=decay_per_example)
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not (
            0 <= momentum < 1
        ):
            raise ValueError(f"momentum must be a number in [0, 1), got {momentum!r}")
        if nesterov and momentum == 0:
            raise ValueError("nesterov=True needs a momentum greater than zero")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _init_state(self, params) -> None:
        # The running sum b of PyTorch's rule, kept times the learning rate (lr * b): with
        # gradients that arrive multiplied by the rate, a step is then a few passes fewer.
        self._velocity = [np.zeros_like(p) for p in params] if self.momentum else None
        self._velocity_rate = self.learning_rate
        self._scratch = [np.empty_like(p) for p in params] if self.momentum else None

    def _state_list(self) -> list:
        if self._velocity is None:
            return []
        if self._velocity_rate != self.learning_rate:  # lr * b, at the current rate
            for velocity in self._velocity:
                velocity *= self.learning_rate / self._velocity_rate
            self._velocity_rate = self.learning_rate
        return list(self._velocity)

    def gradient_scale(self) -> float:
        # w -= learning_rate * (...): gradients that arrive already multiplied by the learning
        # rate spare a pass over every weight.
        return self.learning_rate

    def step(self, params, grads, *, scale=1.0, count=None, matrices=None) -> None:
        rate, momentum = self.learning_rate, self.momentum
        decays = self._decays(params, count, matrices)
        if not momentum:  # no state to keep
            rate = rate / scale
            for param, grad, decay in zip(params, grads, decays):
                if decay[0]:
                    self._add_decay(param, grad, decay, np.empty_like(param), scale)
                if rate != 1:
                    grad *= rate
                param -= grad
            return
        self._state_for(params)
        if self._velocity_rate != rate:  # a schedule changed the rate: lr * b follows it
            for velocity in self._velocity:
                velocity *= rate / self._velocity_rate
            self._velocity_rate = rate
        # With g the gradient times the rate and V = lr * b: V = m V + g, then w -= V, or
        # w -= g + m V with Nesterov's look-ahead. In place, into the optimizer's own buffers.
        for param, grad, velocity, scratch, decay in zip(params, grads, self._velocity,
                                                          self._scratch, decays):
            if scale != rate:
                grad *= rate / scale
            if decay[0]:
                self._add_decay(param, grad, decay, scratch, rate)
            velocity *= momentum
            velocity += grad
            if self.nesterov:
                param -= grad
                np.multiply(velocity, momentum, out=scratch)
                param -= scratch
            else:
                param -= velocity

    def _settings(self) -> dict:
        return {"learning_rate": self.initial_learning_rate, "momentum": self.momentum,
                "nesterov": self.nesterov}

    def __repr__(self) -> str:
        args = [f"learning_rate={self.initial_learning_rate:g}"]
        if self.momentum:
            args.append(f"momentum={self.momentum:g}")
        if self.nesterov:
            args.append("nesterov=True")
        return f"SGD({', '.join(args + self._repr_extras())})"


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): each weight gets its own step size, from running averages
    of its gradient (m) and squared gradient (v), corrected for their start at zero.

    ``epsilon_hat=True`` adds ``epsilon`` to sqrt(v) before the correction of v rather than
    after (the paper's ε̂ form, which Keras and scikit-learn use); PyTorch's form is the default.

    Parameters
    ----------
    learning_rate : float
        The step's size (default 0.001).
    beta1, beta2 : float
        In [0, 1): the decay of the running averages of the gradient and its square.
    epsilon : float
        Added to sqrt(v) so that no step divides by zero.
    weight_decay : float
        The L2 penalty's factor (0: none).
    epsilon_hat : bool
        Whether to add ``epsilon`` before the correction of v.
    schedule : Schedule, str or None
        How the learning rate changes after every epoch (``neuronet.schedules``).
    decay_bias : bool
        Whether bias vectors decay too (False: weight matrices only).
    decay_per_example : bool
        Whether ``weight_decay`` is divided by each step's number of examples.
    """

    def __init__(
        self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, weight_decay=0.0, *,
        epsilon_hat=False, schedule=None, decay_bias=True, decay_per_example=False,
    ):
        super().__init__(learning_rate, weight_decay, schedule=schedule, decay_bias=decay_bias,
                         decay_per_example=decay_per_example)
        self.epsilon_hat = bool(epsilon_hat)
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not 0 <= beta < 1:
                raise ValueError(f"{name} must be a number in [0, 1), got {beta!r}")
        self.beta1, self.beta2 = float(beta1), float(beta2)
        self.epsilon = as_positive_float(epsilon, "epsilon")

    def _init_state(self, params) -> None:
        self._m = [np.zeros_like(p) for p in params]
        self._v = [np.zeros_like(p) for p in params]
        self._scratch = [np.empty_like(p) for p in params]
        self.steps = 0

    def _state_list(self) -> list:
        return self._m + self._v

    def step(self, params, grads, *, scale=1.0, count=None, matrices=None) -> None:
        self._state_for(params)
        decays = self._decays(params, count, matrices)
        self.steps += 1
        b1, b2 = self.beta1, self.beta2
        correction1 = 1 - b1**self.steps
        correction2_sqrt = math.sqrt(1 - b2**self.steps)
        step_size = self.learning_rate / correction1
        epsilon = self.epsilon
        if self.epsilon_hat:
            # step_size * m / (sqrt(v) + eps) * sqrt(1 - b2^t), written in the form below
            epsilon /= correction2_sqrt
        for param, grad, m, v, scratch, decay in zip(params, grads, self._m, self._v,
                                                     self._scratch, decays):
            if scale != 1:
                grad /= scale
            if decay[0]:
                self._add_decay(param, grad, decay, scratch)
            m *= b1
            np.multiply(grad, 1 - b1, out=scratch)
            m += scratch
            v *= b2
            np.multiply(grad, grad, out=scratch)
            scratch *= 1 - b2
            v += scratch
            # param -= step_size * m / (sqrt(v) / sqrt(1 - b2^t) + epsilon), as PyTorch has it
            np.sqrt(v, out=scratch)
            scratch /= correction2_sqrt
            scratch += epsilon
            np.divide(m, scratch, out=scratch)
            scratch *= step_size
            param -= scratch

    def _settings(self) -> dict:
        settings = {"learning_rate": self.initial_learning_rate, "beta1": self.beta1,
                    "beta2": self.beta2, "epsilon": self.epsilon}
        if self.epsilon_hat:
            settings["epsilon_hat"] = True
        return settings

    def __repr__(self) -> str:
        args = [f"learning_rate={self.initial_learning_rate:g}"]
        if (self.beta1, self.beta2, self.epsilon) != (0.9, 0.999, 1e-8):
            args += [f"beta1={self.beta1:g}", f"beta2={self.beta2:g}", f"epsilon={self.epsilon:g}"]
        if self.epsilon_hat:
            args.append("epsilon_hat=True")
        return f"Adam({', '.join(args + self._repr_extras())})"


#: Where L-BFGS lives: ``neuronet.lbfgs`` builds on ``Optimizer``, so it is found by name when
#: asked for rather than imported here (which would make the two modules import each other).
FULL_BATCH = "neuronet.lbfgs"


def __getattr__(name):
    # optimizers.LBFGS and optimizers.LBFGSResult, as they were before they had their room.
    if name in ("LBFGS", "LBFGSResult"):
        return getattr(importlib.import_module(FULL_BATCH), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _classes() -> dict:
    """{name: class} of every optimizer, L-BFGS included."""
    return {"sgd": SGD, "adam": Adam, "lbfgs": importlib.import_module(FULL_BATCH).LBFGS}


def get(optimizer) -> Optimizer:
    """An Optimizer: an instance as it is, a name ("sgd", "adam", "lbfgs") with default
    settings, or None for Adam.

    Parameters
    ----------
    optimizer : Optimizer, str or None

    Returns
    -------
    Optimizer

    Raises
    ------
    ValueError
        For an unknown name.
    """
    if optimizer is None:
        return Adam()
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in _classes():
        return _classes()[optimizer.lower()]()
    raise ValueError(f"unknown optimizer {optimizer!r}; expected 'sgd', 'adam', 'lbfgs' or an "
                     "Optimizer")


def from_config(config) -> Optimizer:
    """An optimizer (with its schedule) from its ``config()``.

    Parameters
    ----------
    config : dict
        As ``Optimizer.config`` writes it.

    Returns
    -------
    Optimizer

    Raises
    ------
    ValueError
        For a config that names no optimizer or holds a wrong setting.
    """
    if not isinstance(config, dict):
        raise ValueError(f"not an optimizer's settings: {config!r}")
    classes = {cls.__name__: cls for cls in _classes().values()}
    kind = config.get("type")
    if kind not in classes:
        raise ValueError(f"unknown optimizer type {kind!r}; expected one of "
                         f"{', '.join(classes)}")
    settings = {k: v for k, v in config.items() if k != "type"}
    if "schedule" in settings:
        settings["schedule"] = schedules.from_config(settings["schedule"])
    return classes[kind](**settings)
