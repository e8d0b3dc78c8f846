"""neuronet.tabular.cluster_table: the roles, statistics and exact medians learned from the
partitions on a LocalCluster of two workers equal those learned from the whole table in
memory, even when a worker is killed while they are learned."""

import numpy as np
import pytest

pytest.importorskip("distributed")

import test_tabular_distributed as shared  # noqa: E402

import neuronet  # noqa: E402
from neuronet.dask.session import Session  # noqa: E402
from neuronet.tabular import Preparation, infer_roles, ranks, read_csv  # noqa: E402
from neuronet.tabular import distributed as cluster_tables  # noqa: E402
from neuronet.tabular.cluster_table import Table, medians  # noqa: E402
from neuronet.tabular.statistics import gather  # noqa: E402
from neuronet.tabular.target import has_target  # noqa: E402

#: The table in CSV files, made by the tests of ``distributed`` (once per module that asks).
parts = shared.parts


@pytest.fixture(scope="module")
def client(dask_client):
    return dask_client


def test_roles_statistics_and_preparation_equal_the_local_ones(client, parts):
    frame = read_csv(parts / "all.csv")
    roles = infer_roles(frame, "label")
    rows = frame[has_target(frame, "label")]
    statistics = gather(rows, roles)

    table = Table.read(str(parts / "part-*.csv"), client)
    assert table.sizes == [1000, 3000, 0, 2000, 3000] and table.columns == list(frame.columns)
    assert table.meta["code"].dtype == object  # numbers in three files, text in two: text
    assert table.infer_roles("label") == roles
    assert {r.role for r in roles} == {"id", "numeric", "category", "boolean", "date",
                                       "constant", "target"}
    training, dropped = table.with_target("label")
    assert dropped == len(frame) - len(rows) > 0
    found = training.gather(roles)
    assert list(found) == list(statistics)
    for name, local in statistics.items():
        remote = found[name]
        if hasattr(local, "counts"):  # categories and booleans: every count
            assert remote == local, name
            continue
        assert (remote.rows, remote.missing, remote.cycles) == \
            (local.rows, local.missing, local.cycles), name
        assert remote.median == local.median, name  # exact, not approximated
        assert remote.quantiles == local.quantiles, name  # exact too (robust scaling, bins)
        assert remote.mean == pytest.approx(local.mean, rel=1e-12, abs=1e-300), name
        assert remote.std == pytest.approx(local.std, rel=1e-12), name
    assert found["when"].cycles == ("year", "week", "day")
    assert set(found["code"].counts) == {"10", "20", "A1", "B2"}

    for numbers in ("plain", "bins"):
        expected = Preparation.fit(roles, statistics, numbers=numbers).to_arrays()
        learned = Preparation.fit(roles, found, numbers=numbers).to_arrays()
        assert set(learned) == set(expected)
        for key, array in expected.items():
            if array.dtype.kind == "f":
                assert shared.relative(learned[key], array) < 1e-12, key
            else:
                np.testing.assert_array_equal(learned[key], array, err_msg=key)
    assert len(expected["numbers.edges"]) > 0
    table.release()


def test_medians_are_exact_through_every_narrowing_pass(client, monkeypatch):
    # Sending the candidates only when one remains makes every median narrow bucket by bucket
    # to a single value: up to six passes over negative, zero, tiny, huge and tied values.
    monkeypatch.setattr(ranks, "GATHER", 1)
    rng = np.random.default_rng(5)
    columns = [rng.standard_normal(3001) * 10.0 ** rng.integers(-300, 300, 3001),
               np.repeat([-0.0, 0.0, 1.5, -2.0], 750),
               rng.integers(0, 3, 3000).astype(float),
               np.full(40, 7.25)]
    block = np.full((3001, len(columns)), np.nan)
    for j, values in enumerate(columns):
        block[:len(values), j] = values
    block[rng.random(block.shape) < 0.05] = np.nan
    futures = client.scatter(np.array_split(block, 3))
    passes = cluster_tables.Passes(Session(client, 30))
    counts = list((~np.isnan(block)).sum(axis=0))
    found = medians(passes, futures, counts)
    assert found == list(np.nanmedian(block, axis=0))
    assert passes.count > 4


def test_a_worker_killed_while_the_preparation_is_learned_changes_nothing(client, parts,
                                                                           monkeypatch):
    # The worker dies as the statistics pass starts: the partitions it held are read again
    # from their files by Dask, and the pass is made on them as if nothing had happened.
    import os
    import signal

    def train():
        return neuronet.tabular.train(str(parts / "part-*.csv"), "label", client=client,
                                      epochs=4, seed=0, timeout=30)

    before = train()
    reduce, killed = cluster_tables.Passes.reduce, []

    def reduce_after_a_kill(self, what, *args, **kwargs):
        if what == "statistics" and not killed:
            pid = next(iter(client.run(os.getpid).values()))
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        return reduce(self, what, *args, **kwargs)

    monkeypatch.setattr(cluster_tables.Passes, "reduce", reduce_after_a_kill)
    after = train()
    assert killed
    expected, learned = before.preparation.to_arrays(), after.preparation.to_arrays()
    assert set(learned) == set(expected)
    for key, array in expected.items():
        np.testing.assert_array_equal(learned[key], array, err_msg=key)
    # The network trained on the same rows; they may sit on other workers now, which sum
    # their parts in another order (the bound for the distributed fit: 1e-8).
    np.testing.assert_allclose(after.network.get_flat_weights(),
                               before.network.get_flat_weights(), rtol=1e-8, atol=1e-12)
    client.wait_for_workers(2, timeout=240)
