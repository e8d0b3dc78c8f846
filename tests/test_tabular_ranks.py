"""neuronet.tabular.ranks: the exact median of a column held in parts, found by passes that
count its values in buckets, whatever the grouping of the partitions' answers."""

import numpy as np
import pytest
from test_tabular_partials import groupings

from neuronet.tabular import ranks


@pytest.mark.parametrize("gather_at_most", [ranks.GATHER, 1])
def test_medians_narrowed_bucket_by_bucket_are_exact(monkeypatch, gather_at_most):
    # With candidates sent only when one remains, every search narrows to a single value.
    monkeypatch.setattr(ranks, "GATHER", gather_at_most)
    rng = np.random.default_rng(5)
    block = np.column_stack([rng.standard_normal(999) * 10.0 ** rng.integers(-300, 300, 999),
                             np.repeat([-0.0, 0.0, 1.5], 333),
                             rng.integers(0, 3, 999).astype(float)])
    block[rng.random(block.shape) < 0.05] = np.nan
    blocks = np.array_split(block, 4)
    searches = []
    for j, count in enumerate((~np.isnan(block)).sum(axis=0)):
        searches += [ranks.Search(j, rank, count) for rank in {(count - 1) // 2, count // 2}]
    pending, passes = list(searches), 0
    while pending:
        requests = [s.request() for s in pending]
        reports = [ranks.narrow_part(b, requests) for b in blocks]
        results = ranks.sorted_candidates(groupings(reports, ranks.merge_narrowed)[2])
        for search, request, result in zip(pending, requests, results):
            search.narrow(request[3], result)
        pending = [s for s in pending if s.value is None]
        passes += 1
    for j in range(block.shape[1]):
        values = [s.value for s in searches if s.column == j]
        assert np.mean(values) == np.nanmedian(block[:, j]), j
    assert passes > (4 if gather_at_most == 1 else 0)
    keys = ranks.order_keys(np.array([-np.inf, -2.0, -0.0, 0.0, 3.5, np.inf]))
    assert (np.diff(keys.astype(object)) > 0).all()  # in the values' order
    assert [ranks.from_order_key(int(k)) for k in keys][1:5] == [-2.0, -0.0, 0.0, 3.5]
