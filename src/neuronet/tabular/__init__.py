"""Real tables: read a CSV file or a DataFrame, give each column a role, learn the
preparation (imputation, one-hot categories, dates, scaling) from the training rows, and keep
it in the model with the network: ``train(data, target)`` returns a TabularModel.

    model = neuronet.tabular.train("penguins.csv", "Species")
    model.predict(new_rows)            # class labels, as they were in the data
    model.save("penguins.npz")         # neuronet.load gives the TabularModel back

The target decides the task (``TASK_RULE``): text, true/false values, or whole numbers that
look like labels are classes, and ``predict`` gives each row's class as the data wrote it; other
numbers are a regression, predicted in their own units.
Every option of ``train`` is a field of ``TrainSettings``; ``neuronet train`` has a flag for
each.
"""

from .learning import train
from .model import TabularModel
from .plain import PlainNetwork, for_tables
from .preparation import Preparation
from .reading import DataError, as_frame, read_csv
from .roles import Role, infer_roles
from .settings import TrainSettings
from .statistics import gather
from .target import TASK_RULE, infer_task

__all__ = ["DataError", "PlainNetwork", "Preparation", "Role", "TASK_RULE", "TabularModel",
           "TrainSettings", "as_frame", "for_tables", "gather", "infer_roles", "infer_task",
           "read_csv", "train"]
