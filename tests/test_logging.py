"""The ``neuronet`` logger: the library's notes go through it, silent unless asked for."""

import logging
import subprocess
import sys

import numpy as np

import neuronet
from neuronet import datasets
from neuronet.callbacks import EarlyStopping


def test_early_stopping_notes_the_weights_it_restores(caplog):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(120, 4)), rng.integers(0, 2, 120)  # nothing to learn: it stops
    net = neuronet.Network.mlp([4, 32, 2], output="softmax", seed=0)
    with caplog.at_level(logging.INFO, logger="neuronet"):
        history = net.fit(X, y, loss="categorical_crossentropy", epochs=400,
                          validation_split=0.3, early_stopping=3,
                          optimizer=neuronet.Adam(learning_rate=0.1))
    assert history.stopped_early
    notes = [r for r in caplog.records if r.name == "neuronet.callbacks"]
    assert len(notes) == 1 and notes[0].levelno == logging.INFO
    assert notes[0].getMessage().startswith(
        f"early stopping: val_loss did not improve for 3 epochs; restored the weights of "
        f"epoch {history.best_epoch} (val_loss ")


def test_no_note_when_training_ran_to_its_end(caplog):
    stopper = EarlyStopping(patience=5)
    X, y = datasets.xor()
    net = neuronet.Network.mlp([2, 4, 1], output="sigmoid", seed=0)
    with caplog.at_level(logging.INFO, logger="neuronet"):
        net.fit(X, y, loss="binary_crossentropy", epochs=3, callbacks=[stopper])
    assert caplog.records == []


def test_train_s_report_goes_to_the_logger_when_no_function_takes_it(caplog):
    from neuronet.tabular import train

    frame = datasets.penguins()
    with caplog.at_level(logging.INFO, logger="neuronet"):
        model = train(frame, "Sex", epochs=2, validation_split=0.0)
    logged = [r.getMessage() for r in caplog.records if r.name == "neuronet.tabular.learning"]
    assert logged == [line for line in model.notes if line]
    assert any("11 rows without a target value left out" in line for line in logged)
    caplog.clear()
    shown = []
    with caplog.at_level(logging.INFO, logger="neuronet"):
        train(frame, "Sex", epochs=2, validation_split=0.0, report=shown.append)
    assert shown and caplog.records == []
    with caplog.at_level(logging.INFO, logger="neuronet"):
        report = model.evaluate(frame)
    assert report["dropped"] == 11
    [note] = [r.getMessage() for r in caplog.records]
    assert note.endswith(": 11 rows without a target value left out of the scores")


def test_a_program_that_configures_no_logging_sees_no_notes():
    program = ("import neuronet\nfrom neuronet import datasets\n"
               "from neuronet.tabular import train\n"
               "model = train(datasets.penguins(), 'Sex', epochs=2, validation_split=0.0)\n"
               "model.evaluate(datasets.penguins())\n"
               "import logging; logging.basicConfig(level=logging.INFO)\n"
               "model.evaluate(datasets.penguins())\n")
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == (f"INFO:neuronet.tabular.model:{datasets.penguins_path()}: 11 rows "
                             "without a target value left "
                             "out of the scores\n")
