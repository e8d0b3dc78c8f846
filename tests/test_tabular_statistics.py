"""neuronet.tabular.statistics: the statistics of the training rows, all that the preparation
learns from."""

import numpy as np
from test_tabular import messy

from neuronet import tabular
from neuronet.tabular import (
    Preparation,
    gather,
    infer_roles,
)


def test_statistics_alone_make_the_preparation():
    # The preparation is a function of the gathered statistics: the same statistics, however
    # they were computed, give the same preparation.
    frame = messy()
    roles = infer_roles(frame, "label")
    stats = gather(frame, roles)
    model = tabular.train(frame, "label", epochs=1, validation_split=0)
    expected = Preparation.fit(roles, stats).to_arrays()
    for name, array in model.preparation.to_arrays().items():
        np.testing.assert_array_equal(array, expected[name])


def test_spread_scales_each_column_by_its_largest_magnitude_before_squaring():
    rng = np.random.default_rng(0)
    block = rng.normal(size=(1000, 5)) * np.array([1.0, 1e300, 1e-300, 3.0, 7.0])
    block[:, 3] = -0.0
    block[:, 4] *= -1
    block[::7, 1] = np.nan
    block[:, 2] = -1.7e308
    for gaps in (True, False):
        values = block if gaps else np.nan_to_num(block)
        largest = np.nanmax(np.abs(values), axis=0)
        assert largest[3] == 0 and np.isfinite(largest).all()
        largest = np.where(largest > 0, largest, 1.0)
        mean, std = tabular.statistics.spread(values, gaps)
        assert mean.tobytes() == (np.nanmean(values / largest, axis=0) * largest).tobytes()
        assert std.tobytes() == (np.nanstd(values / largest, axis=0) * largest).tobytes()
    assert np.isfinite(std).all()
