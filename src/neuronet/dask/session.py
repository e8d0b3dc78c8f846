"""One fit's dealings with a Dask cluster: naming its tasks, holding its futures, adding up
partial results in a fixed order, and waiting without ever hanging on a scheduler that is gone
or silent. Used by ``neuronet.dask.fit`` and by the tables' cluster path alike."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import CancelledError

import distributed

from ..batches import add, sum_in_order

#: How often an evaluation or round is tried again after the cluster lost what it needed
#: (workers gone with the data they held), beyond what Dask recovers by itself.
RETRIES = 2


class ClusterError(RuntimeError):
    """The cluster could not finish a fit: the scheduler was lost, or workers died repeatedly.
    The network keeps the weights of the last iteration (or round) that finished, and
    ``network.history`` its record; ``iteration`` is that iteration's number (0: none)."""

    iteration = 0


class ClusterTimeout(ClusterError, TimeoutError):
    """The scheduler did not answer, or had no workers, for longer than the fit's timeout."""


class Lost(ClusterError):
    """Work cancelled because data it depended on was lost: worth trying again."""


def client_of(client):
    """``client`` checked (a running distributed.Client), or the current one when None.

    Parameters
    ----------
    client : a distributed.Client, or None.

    Returns
    -------
    distributed.Client

    Raises
    ------
    ValueError
        Without a running client.
    """
    if client is None:
        try:
            return distributed.default_client()
        except ValueError:
            raise ValueError("neuronet.dask.fit needs a Dask client: pass "
                             "client=distributed.Client(address), or create one first (it "
                             "becomes the default)") from None
    if not isinstance(client, distributed.Client):
        raise ValueError(f"client must be a distributed.Client, got {client!r}")
    if client.status != "running":
        raise ValueError(f"the Dask client is {client.status}, not running; connect it to a "
                         "scheduler first")
    return client


def is_frame(data) -> bool:
    """Whether ``data`` is a dask DataFrame or Series (told without importing dask.dataframe).

    Parameters
    ----------
    data : anything.

    Returns
    -------
    bool
    """
    return hasattr(data, "to_dask_array") and hasattr(data, "npartitions")


class Session:
    """One fit's dealings with the cluster of ``client``: the names of its tasks (as the
    dashboard shows them: neuronet-loss-and-gradient, neuronet-sum...), the futures it holds,
    and waiting for results for as long as the scheduler answers (``timeout`` seconds of
    silence at most).

    Parameters
    ----------
    client : the distributed.Client.
    timeout : seconds of the scheduler's silence that the fit waits through.
    """

    def __init__(self, client, timeout):
        self.client, self.timeout = client, timeout
        self.token = uuid.uuid4().hex[:8]
        self.counter = 0
        self.held = []  # futures kept for the whole fit (the persisted rows, the network)
        self.address = getattr(client.scheduler, "address", None) or "?"

    def key(self, what: str) -> str:
        """A new task key, "neuronet-<what>-<fit>-<count>": unique, and named on the
        dashboard.

        Parameters
        ----------
        what : the task's kind, in its name.

        Returns
        -------
        str
        """
        self.counter += 1
        return f"neuronet-{what}-{self.token}-{self.counter}"

    def send(self, what: str, value, *, hold=False):
        """``value`` on the cluster as the result of a task that holds it: sent once, fetched
        from there by the tasks that need it, and made again by Dask from the task's
        definition if the worker that held it dies (scattered data would be lost).

        Parameters
        ----------
        what : the task's kind, in its name.
        value : what to send.
        hold : whether the fit keeps it to its end.

        Returns
        -------
        distributed.Future
        """
        future = self.client.submit(_held, value, key=self.key(what), pure=False)
        if hold:
            self.held.append(future)
        return future

    def tree(self, parts: list, merge=add, what: str = "sum") -> list:
        """At most ``FAN_IN`` parts left of ``parts`` (in partition order) merged by ``merge`` on
        the workers, level by level, in the fixed tree of ``batches.sum_in_order``. A part is a
        future, or ``(future, j)``: item j of a future's list of results (a group's task gives
        one per partition). The grouping follows the partitions' order alone, never which worker
        holds them or when they arrive, so the same parts give the same result bit for bit.

        Parameters
        ----------
        parts : futures, or (future, j) pairs, in partition order.
        merge : adds a run of parts.
        what : the tasks' kind, in their names.

        Returns
        -------
        list
            At most ``FAN_IN`` futures or pairs.
        ``retried`` merges the last ones at the client."""
        key = self.key(what)
        count = [0]

        def combine(*run):
            count[0] += 1
            futures, positions = _positions(run)
            return self.client.submit(pick_and_merge, merge, positions, *futures,
                                      key=f"{key}-{count[0]}")

        return sum_in_order(parts, combine)

    def reduce(self, parts: list, merge=add, what: str = "sum"):
        """One future of ``parts`` merged by ``tree``, the root merged on a worker too.

        Parameters
        ----------
        parts, merge, what : as for ``tree``.

        Returns
        -------
        distributed.Future
        """
        last = self.tree(parts, merge, what)
        if len(last) == 1 and not isinstance(last[0], tuple):
            return last[0]
        futures, positions = _positions(last)
        return self.client.submit(pick_and_merge, merge, positions, *futures,
                                  key=self.key(f"{what}-root"))

    def result(self, future, doing: str):
        """The future's result, waited for as long as the scheduler answers and has workers.

        Parameters
        ----------
        future : a distributed.Future.
        doing : what the fit is doing, for messages.

        Returns
        -------
        object

        Raises
        ------
        ClusterError
            When the cluster is lost or silent.
        """
        self.wait([future], doing)
        try:
            return future.result()
        except CancelledError as exc:  # lost since it finished
            raise self.lost(doing) from exc

    def wait(self, futures: list, doing: str) -> None:
        """Wait until every future is done, without fetching any: raise the error of one that
        failed, ClusterError if one was lost.

        Parameters
        ----------
        futures : distributed.Futures.
        doing : what the fit is doing, for messages.
        """
        poll = min(1.0, self.timeout)
        idle_since = None
        with self.client.as_current():  # distributed.wait asks for the current client
            while True:
                try:
                    distributed.wait(futures, timeout=poll)
                    break
                except TimeoutError:
                    idle_since = self.check_alive(doing, idle_since)
                except CancelledError as exc:
                    raise self.lost(doing) from exc
        for future in futures:
            if future.status == "error":
                try:
                    future.result()
                except distributed.KilledWorker as exc:
                    raise ClusterError(f"workers died again and again while {doing} ({exc}): "
                                       "too little memory for a partition?") from exc
            elif future.status != "finished":
                raise self.lost(doing)

    def ask(self, handler: str, doing: str, **kwargs):
        """The scheduler's answer to ``handler`` (one of its RPCs), in at most ``timeout``.

        Parameters
        ----------
        handler : the RPC's name ("ncores", "who_has", "identity").
        doing : what the fit is doing, for messages.
        **kwargs : the RPC's arguments.

        Returns
        -------
        object

        Raises
        ------
        ClusterTimeout
            When the scheduler does not answer in time.
        """
        try:
            return self.client.sync(getattr(self.client.scheduler, handler),
                                    callback_timeout=self.timeout, **kwargs)
        except TimeoutError as exc:
            if self.client.status != "running":
                raise self.lost(doing) from exc
            raise ClusterTimeout(f"the Dask scheduler at {self.address} did not answer for "
                                 f"{self.timeout:g} s while {doing}") from exc
        except OSError as exc:  # the connection closed or refused
            raise self.lost(doing, connection=True) from exc

    def check_alive(self, doing: str, idle_since=None):
        """Raise ClusterError or ClusterTimeout if the scheduler is lost, silent or has had
        no workers for ``timeout``; return since when it has had none (or None).

        Parameters
        ----------
        doing : what the fit is doing, for messages.
        idle_since : since when the scheduler has had no workers, or None.

        Returns
        -------
        float or None
        """
        if self.client.status != "running":
            raise self.lost(doing)
        if self.ask("identity", doing).get("n_workers", 1):
            return None
        now = time.monotonic()
        if idle_since is None:
            return now
        if now - idle_since > self.timeout:
            raise ClusterTimeout(f"the Dask scheduler at {self.address} has had no workers for "
                                 f"{self.timeout:g} s while {doing}")
        return idle_since

    def lost(self, doing: str, connection=False) -> ClusterError:
        """The error for work cancelled: the scheduler lost, or data the work needed.

        Parameters
        ----------
        doing : what the fit is doing, for messages.
        connection : whether the connection itself broke.

        Returns
        -------
        ClusterError
        """
        if not connection and self.client.status == "running":
            try:
                self.check_alive(doing)
                return Lost(f"the cluster lost data it needed while {doing}")
            except ClusterError as exc:
                return exc
        return ClusterError(f"lost the connection to the Dask scheduler at {self.address} "
                            f"while {doing}")

    def retried(self, submit, doing: str):
        """The sum (``batches.add``) of the parts that ``submit()`` returns (as ``tree`` leaves
        them), added here in their order; ``submit`` is called again (up to RETRIES times) when
        the cluster lost what the work depended on, beyond what Dask recovers by itself.

        Parameters
        ----------
        submit : submits the work, returning the parts.
        doing : what the fit is doing, for messages.

        Returns
        -------
        dict
        """
        for attempt in range(RETRIES + 1):
            try:
                futures, positions = _positions(submit())
                self.wait(futures, doing)
                try:
                    return pick_and_merge(add, positions, *self.client.gather(futures))
                except CancelledError as exc:  # lost since they finished
                    raise self.lost(doing) from exc
            except Lost as exc:
                if attempt == RETRIES:
                    raise ClusterError(f"{exc}, {RETRIES + 1} times") from exc
        raise AssertionError("unreachable")

    def release(self) -> None:
        """Let the cluster forget what the fit held."""
        self.held.clear()


def _held(value):
    return value


def _positions(parts):
    """(the distinct futures among ``parts``, and for each part (its future's place among them,
    the item of that future's list it is, or None for the whole result))."""
    futures, where, positions = [], {}, []
    for part in parts:
        future, item = part if isinstance(part, tuple) else (part, None)
        if future.key not in where:
            where[future.key] = len(futures)
            futures.append(future)
        positions.append((where[future.key], item))
    return futures, positions


def pick_and_merge(merge, positions, *results):
    """``merge`` of the parts that ``positions`` pick out of ``results``, in that order (run on
    a worker for a level of the tree, at the client for its root).

    Parameters
    ----------
    merge : adds the parts.
    positions : (index among ``results``, item or None) of each part.
    *results : the futures' results.

    Returns
    -------
    object
    """
    return merge(*[results[k] if item is None else results[k][item] for k, item in positions])
