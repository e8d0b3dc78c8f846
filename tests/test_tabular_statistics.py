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
