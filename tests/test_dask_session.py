"""neuronet.dask.session: one fit's dealings with a cluster, against a LocalCluster of two
workers: task names, the fixed tree of sums, waiting, and what is refused."""

import numpy as np
import pytest

pytest.importorskip("distributed")

import distributed  # noqa: E402

from neuronet.batches import total_in_order  # noqa: E402
from neuronet.dask import session as sessions  # noqa: E402


@pytest.fixture(scope="module")
def session(dask_client):
    return sessions.Session(dask_client, timeout=30)


def test_keys_are_unique_and_named(session):
    a, b = session.key("loss"), session.key("loss")
    assert a != b and a.startswith("neuronet-loss-") and b.startswith("neuronet-loss-")


def test_the_tree_adds_in_partition_order_bit_for_bit(session):
    rng = np.random.default_rng(0)
    parts = [{"loss": float(v), "gradient": rng.normal(size=4) * 10.0 ** rng.integers(-8, 8)}
             for v in rng.normal(size=37)]
    futures = session.client.scatter(parts)
    remote = session.result(session.reduce(futures), "adding")
    local = total_in_order(parts)
    assert remote["loss"] == local["loss"]
    np.testing.assert_array_equal(remote["gradient"], local["gradient"])
    assert session.retried(lambda: session.tree(futures), "adding")["loss"] == local["loss"]


def test_send_holds_a_value_on_the_cluster(session):
    future = session.send("network", {"w": np.ones(3)}, hold=True)
    assert future in session.held
    np.testing.assert_array_equal(session.result(future, "fetching")["w"], np.ones(3))
    session.release()
    assert session.held == []


def test_wait_raises_the_error_of_a_failed_task(session):
    def fail():
        raise ValueError("partition 3 is bad")

    future = session.client.submit(fail, key=session.key("fail"))
    with pytest.raises(ValueError, match="partition 3 is bad"):
        session.wait([future], "testing")


def test_check_alive_with_workers_says_none(session):
    assert session.check_alive("testing") is None
    assert isinstance(session.lost("testing"), sessions.ClusterError)


def test_client_of_checks_what_it_is_given(dask_client):
    assert sessions.client_of(dask_client) is dask_client
    with pytest.raises(ValueError, match="client must be a distributed.Client"):
        sessions.client_of("tcp://127.0.0.1:8786")


def test_is_frame_tells_dask_frames_from_arrays():
    dd = pytest.importorskip("dask.dataframe")
    import pandas as pd

    frame = dd.from_pandas(pd.DataFrame({"a": [1.0, 2.0]}), npartitions=1)
    assert sessions.is_frame(frame) and sessions.is_frame(frame["a"])
    assert not sessions.is_frame(np.zeros(2))
    assert issubclass(sessions.ClusterTimeout, TimeoutError)
    assert isinstance(distributed.Client, type)
