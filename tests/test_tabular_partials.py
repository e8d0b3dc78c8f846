"""neuronet.tabular.partials: what each partition reports of its rows, combined in any grouping of
the partitions (as a tree of tasks on a cluster meets them), is what the whole table says — in
this process, with no cluster: the same survey, counts and classes exactly, the same moments to
rounding (the exact medians: test_tabular_ranks)."""

import copy
import math

import numpy as np
import pandas as pd
import pytest
from test_tabular import messy

from neuronet.tabular import gather, infer_roles, partials
from neuronet.tabular.statistics import CYCLES


def chunks(frame):
    """The table in uneven parts, one of them empty."""
    bounds = [0, 7, 7, 100, 181, len(frame)]
    return [frame.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def groupings(reports, merge):
    """The reports merged in three groupings: from the left, from the right, and in a tree of
    pairs; the reports given are never changed."""
    kept = copy.deepcopy(reports)

    def tree(items):
        while len(items) > 1:
            items = [merge(*items[i:i + 2]) for i in range(0, len(items), 2)]
        return items[0]

    results = [merge(*reports[:2]), None, tree(list(reports))]
    for report in reports[2:]:
        results[0] = merge(results[0], report)
    right = reports[-1]
    for report in reversed(reports[:-1]):
        right = merge(report, right)
    results[1] = right
    np.testing.assert_equal(reports, kept)  # merging changes nothing it is given
    return results


def test_the_survey_of_the_parts_is_the_survey_of_the_whole():
    frame = messy()
    columns = [c for c in frame.columns if c != "label"]
    whole = partials.finish_survey(partials.survey_part(frame, columns))
    reports = [partials.survey_part(part, columns) for part in chunks(frame)]
    for merged in groupings(reports, partials.merge_surveys):
        np.testing.assert_equal(partials.finish_survey(merged), whole)
    assert whole["member"]["boolean_text"] and whole["when"]["date_format"] == "ISO8601"
    assert whole["colour"]["first_distinct"] == frame["colour"].dropna().iloc[0]


def test_the_target_and_its_classes_from_the_parts():
    rng = np.random.default_rng(3)
    frame = messy().assign(score=rng.normal(50, 1e3, 240))
    whole = partials.target_part(frame, "score")
    reports = [partials.target_part(part, "score") for part in chunks(frame)]
    for merged in groupings(reports, partials.merge_targets):
        for key in ("kind", "rows", "unparsed", "whole", "low", "high", "problem"):
            assert merged[key] == whole[key], key
        np.testing.assert_array_equal(merged["distinct"], whole["distinct"])
        count, scale, mean, m2 = merged["moments"]
        assert count == 240
        assert mean * scale == pytest.approx(frame["score"].mean(), rel=1e-12)
        assert math.sqrt(m2 / count) * scale == pytest.approx(frame["score"].std(ddof=0),
                                                              rel=1e-12)
    for target in ("label", "member"):
        reports = [partials.classes_part(part, target) for part in chunks(frame)]
        for merged in groupings(reports, partials.merge_classes):
            assert merged == partials.classes_part(frame, target)
    numbers = frame.assign(n=np.arange(240) % 3)
    reports = [partials.classes_part(part, "n") for part in chunks(numbers)]
    for kind, values in groupings(reports, partials.merge_classes):
        assert kind == "i" and values.tolist() == [0.0, 1.0, 2.0]


def test_numbers_and_dates_from_the_parts_are_what_gather_finds():
    frame = messy()
    roles = infer_roles(frame, "label")
    local = gather(frame, roles)
    dates = [(r.column, r.date_format) for r in roles if r.role == "date"]
    blocks = [partials.numbers_part(part, ["size"], dates) for part in chunks(frame)]
    reports = [partials.block_part(block, 1) for block in blocks]
    for merged in groupings(reports, partials.merge_blocks):
        size, when = partials.finish_blocks(merged)
        for found, name in ((size, "size"), (when, "when")):
            count, scale, mean, m2 = found["moments"]
            assert count == local[name].rows - local[name].missing
            assert mean * scale == pytest.approx(local[name].mean, rel=1e-12)
            assert math.sqrt(m2 / count) * scale == pytest.approx(local[name].std, rel=1e-12)
        assert tuple(c for c in CYCLES if when["cycles"][c]) == local["when"].cycles


def test_category_counts_from_the_parts_and_the_most_frequent_kept():
    frame = messy()
    whole = partials.counts_part(frame, ["colour", "member"])
    reports = [partials.counts_part(part, ["colour", "member"]) for part in chunks(frame)]
    for merged in groupings(reports, partials.merge_counts):
        assert merged == whole
    missing, counts = whole["colour"]
    assert missing == frame["colour"].isna().sum()
    assert counts == frame["colour"].value_counts().to_dict()
    kept = partials.KeepCounts(2)({"c": (0, {"b": 3, "a": 3, "z": 5, "y": 1})})
    assert kept == {"c": (0, {"z": 5, "a": 3})}  # by count, then by value


def test_a_number_seen_twice_anywhere_is_found():
    frame = pd.DataFrame({"n": np.arange(240), "m": np.r_[np.arange(239), 3]})

    def all_distinct(name):
        reports = [partials.distinct_part(part, name) for part in chunks(frame)]
        found = {partials.finish_distinct(m) for m in groupings(reports, partials.merge_distinct)}
        assert len(found) == 1
        return found.pop()

    assert all_distinct("n") is True
    assert all_distinct("m") is False  # 3 in the first part and in the last
    assert partials.distinct_part(pd.DataFrame({"n": [1, 1]}), "n") == (False, None)
