"""The groups of partitions a pass sends to the workers, and that grouping changes no number."""

import numpy as np
import pytest

pytest.importorskip("distributed")

from neuronet.batches import add, sum_in_order  # noqa: E402
from neuronet.dask.placement import groups  # noqa: E402
from neuronet.dask.session import pick_and_merge  # noqa: E402


def test_each_worker_thread_takes_a_run_of_the_partitions_it_holds():
    keys = [f"x-{i}" for i in range(7)]
    holders = {"x-0": ["a"], "x-1": ["a"], "x-2": ["b"], "x-3": ["a"], "x-4": ["b"],
               "x-5": ["gone"], "x-6": ["b"]}
    found = groups({"a": 2, "b": 1}, holders, [10, 10, 10, 10, 10, 10, 10], keys)
    # Worker a's two threads take runs of its partitions balanced by rows; the partition whose
    # holder is gone (being made again) goes to the least loaded worker per thread.
    assert found == [("a", [0, 1]), ("a", [3, 5]), ("b", [2, 4, 6])]
    assert sorted(i for _, group in found for i in group) == list(range(7))
    uneven = groups({"a": 2}, {k: ["a"] for k in keys}, [100, 1, 1, 1, 1, 1, 1], keys)
    assert uneven == [("a", [0]), ("a", [1, 2, 3, 4, 5, 6])]


def test_the_sum_is_the_same_whatever_the_groups():
    rng = np.random.default_rng(0)
    totals = [{"loss": float(v), "gradient": rng.standard_normal(5)} for v in rng.random(19)]
    expected = add(*sum_in_order(totals))
    for split in ([19], [3, 16], [1, 1, 17], [10, 9]):
        results, parts, start = [], [], 0
        for size in split:  # a group's task returns its partitions' totals side by side
            results.append(totals[start:start + size])
            parts += [(len(results) - 1, j) for j in range(size)]
            start += size

        def combine(*run, results=results):
            return pick_and_merge(add, list(run), *results)

        last = sum_in_order(parts, combine)
        total = add(*[p if isinstance(p, dict) else results[p[0]][p[1]] for p in last])
        assert total["loss"] == expected["loss"]
        assert np.array_equal(total["gradient"], expected["gradient"])
