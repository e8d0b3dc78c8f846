"""The ``neuronet`` command: demos of the library at work, and tools for models and data.

Every failure ends in one line ``neuronet: error: ...`` on stderr, never a traceback:
usage errors exit with status 2, errors in the data or files with status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

from . import __version__
from ._text import printable


class CommandError(Exception):
    """A failure to report as one line, with the exit status to end with."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's usage errors: one line, status 2
        raise CommandError(f"{message} (see '{self.prog} --help')", status=2)


# --- demo -------------------------------------------------------------------------------------


def demo_tutorial(args) -> None:
    """The tutorial's own program: one neuron, three inputs, trained 10,000 times."""
    from . import datasets
    from .neuron import Neuron

    if args.explain:
        return _explain_tutorial()

    network = Neuron()
    print("Random starting weights: ")
    print(network.weights)
    inputs, expected_outputs, test_input = datasets.tutorial()
    start = time.perf_counter()
    network.train(inputs, expected_outputs, 10000)
    elapsed = time.perf_counter() - start
    print("New weights after training: ")
    print(network.weights)
    print("Test of input [1, 0, 0] -> ?: ")
    print(network.run(test_input))
    print(f"Trained 10,000 iterations in {elapsed * 1000:.1f} ms.")


def _explain_tutorial() -> None:
    """The tutorial's training told step by step: its first iterations row by row, then the
    weights as they converge."""
    from . import datasets
    from .neuron import Neuron
    from .trace import record

    inputs, outputs, test_input = datasets.tutorial()
    neuron = Neuron()
    print("The tutorial's neuron: three inputs, one weight each, the sigmoid of their sum.")
    print("It learns the table below (the output is the first input) in 10,000 iterations.\n")
    trace = record(neuron, inputs, outputs, 10000)
    print(trace.table(detail=3, test_input=test_input))
    w1, w2, w3 = neuron.weights[:, 0]
    print(f"\nThe weights converge toward {w1:.2f}, {w2:.2f}, {w3:.2f}: a large weight on x1, "
          "which alone decides the\noutput; a negative one on x3, always 1, which pulls the "
          "output to 0 unless x1 is 1;\nand next to nothing on x2, which does not matter.")
    print(f"Test of input [1, 0, 0] -> {neuron.run(test_input)[0]:.8f}")


def demo_xor(args) -> None:
    """XOR: the single neuron cannot learn it; one hidden layer can."""
    from . import datasets
    from .layers import Dense
    from .network import Network
    from .neuron import Neuron
    from .optimizers import SGD

    X, y = datasets.xor()
    inputs = np.hstack([X, np.ones((4, 1))])  # the tutorial's constant third input, as a bias
    neuron = Neuron().train(inputs, y, 10000)
    guesses = neuron.run(inputs).ravel()
    print("XOR: output 1 when exactly one input is 1.\n")
    print("One neuron (the tutorial's, inputs x1, x2 and a constant 1), trained 10,000 times:")
    _print_xor_table(X, y, guesses)
    print(f"  accuracy {np.mean((guesses > 0.5) == y):.0%}: no straight line separates the ones "
          "from the zeros, so one neuron cannot learn XOR.\n")

    net = Network([Dense(2, 4, "tanh"), Dense(4, 1, "sigmoid")], seed=0)
    start = time.perf_counter()
    net.fit(X, y, loss="binary_crossentropy", optimizer=SGD(learning_rate=0.5),
            epochs=2000, batch_size=4)
    elapsed = time.perf_counter() - start
    guesses = net.predict(X).ravel()
    print("A network with a hidden layer of 4 tanh units, trained 2,000 epochs:")
    _print_xor_table(X, y, guesses)
    print(f"  accuracy {np.mean((guesses > 0.5) == y):.0%}, trained in {elapsed * 1000:.0f} ms: "
          "the hidden layer bends the boundary.")


def _print_xor_table(X, y, outputs) -> None:
    print("   x1  x2  target  output")
    for (x1, x2), target, output in zip(X, y, outputs):
        print(f"  {x1:3.0f} {x2:3.0f} {target:6d}  {output:.4f}")


def demo_digits(args) -> None:
    """Handwritten digits: a 64-32-10 network learns to read 8x8 images."""
    from . import datasets
    from .network import Network
    from .optimizers import Adam

    try:
        from sklearn.model_selection import train_test_split
    except ImportError:
        message = "demo digits needs scikit-learn: pip install 'neuronet[sklearn]'"
        raise CommandError(message) from None
    X, y = datasets.digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    net = Network.mlp([64, 32, 10], hidden="relu", output="softmax", seed=0)
    print(f"Handwritten digits: {len(X_train)} images to learn from, {len(X_test)} to test on.")
    print(net.summary())
    start = time.perf_counter()
    history = net.fit(X_train, y_train, loss="categorical_crossentropy",
                      optimizer=Adam(learning_rate=0.01), epochs=50, batch_size=32,
                      progress=True)
    elapsed = time.perf_counter() - start
    accuracy = np.mean(net.predict(X_test).argmax(axis=1) == y_test)
    print(f"Trained {history.epochs} epochs in {elapsed:.2f} s; "
          f"test accuracy {accuracy:.2%} on {len(X_test)} unseen digits.")


DEMOS = {"tutorial": demo_tutorial, "xor": demo_xor, "digits": demo_digits}


def _cmd_demo(args) -> None:
    if args.explain and args.which != "tutorial":
        raise CommandError(
            f"--explain tells the tutorial's demo step by step; it does not apply to "
            f"'demo {args.which}' (see 'neuronet demo --help')", status=2)
    DEMOS[args.which](args)


def _add_demo(commands) -> None:
    demo = commands.add_parser("demo", help="show neuronet at work")
    demo.add_argument(
        "which",
        nargs="?",
        default="tutorial",
        choices=list(DEMOS),
        help="which demo (default: tutorial, the tutorial's single neuron)",
    )
    demo.add_argument(
        "--explain",
        action="store_true",
        help="tell the tutorial's training step by step: output, error, confidence, "
        "adjustment, and the weights as they converge",
    )
    demo.set_defaults(run=_cmd_demo)


# --- train, predict, evaluate: models of tables (CSV files) --------------------------------------


def _sizes(text: str) -> list:
    """--hidden 32,16 -> [32, 16]; "" or "none" -> [] (no hidden layer)."""
    if text.strip().lower() in ("", "none"):
        return []
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected sizes like 32,16, got {text!r}") from None
    if any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be at least 1, got {text!r}")
    return sizes


def _at_least(minimum):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected at least {minimum}, got {value}")
        return value

    return parse


def _number(within, expected):
    """An argparse type: a float for which ``within(value)`` holds."""

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not within(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text}")
        return value

    return parse


_fraction = _number(lambda v: 0 <= v < 1, "a fraction in [0, 1)")
_positive = _number(lambda v: 0 < v < float("inf"), "a number greater than 0")


def _check_writable(path) -> None:
    """Fail before the work, not after it, when the output cannot be written."""
    # Where a regular file's replacement is written: beside the file a link points to.
    folder = os.path.dirname(os.path.realpath(path)) or "."
    if os.path.isdir(path):
        raise CommandError(f"{path}: is a directory; expected a file name to write")
    if os.path.exists(path) and not os.path.isfile(path):  # a FIFO or device: written into
        if not os.access(path, os.W_OK):
            raise CommandError(f"{path}: cannot write to it")
        return
    if not os.path.isdir(folder):
        raise CommandError(f"{path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise CommandError(f"{path}: cannot write in the folder {folder}")


def _names(text: str) -> list:
    """--categorical a,b -> ["a", "b"] (names stripped; empty parts dropped)."""
    return [name.strip() for name in text.split(",") if name.strip()]


def _reading(parser) -> None:
    parser.add_argument("--sep", metavar="CHAR",
                        help="the separator (default: detected among , ; tab |; 'tab' for tab)")
    parser.add_argument("--encoding", help="the file's text encoding (default: UTF-8, with or "
                        "without a byte order mark), e.g. latin-1")


def _cmd_train(args) -> None:
    from .tabular import train

    _check_writable(args.out)
    # A model written to standard output (--out /dev/stdout) must not be mixed with the report.
    say = _to_stderr if _is_stdout(args.out) else print
    cluster, failures = {}, ()
    if args.dask:
        from .dask import ClusterError  # ImportError naming the extra when Dask is missing

        cluster, failures = dict(client=args.dask, timeout=args.dask_timeout), ClusterError
    try:
        model = train(
            args.data, args.target, task=args.task, features=args.features,
            categorical=args.categorical, numeric=args.numeric, exclude=args.exclude,
            id=args.id, hidden=args.hidden, activation=args.activation, epochs=args.epochs,
            batch_size=args.batch_size, optimizer=args.optimizer,
            learning_rate=args.learning_rate, validation_split=args.validation_split,
            early_stopping=args.early_stopping, seed=args.seed,
            min_frequency=args.min_frequency, sep=args.sep, encoding=args.encoding,
            progress=not args.quiet and sys.stderr.isatty(), report=say, **cluster,
        )
    except failures as exc:  # the cluster failed (scheduler lost, workers dying)
        raise CommandError(str(exc)) from None
    model.save(args.out)
    if model.interrupted:
        say(f"interrupted: the model trained so far was written to {printable(args.out)}")
    else:
        say(f"model:      written to {printable(args.out)}")


def _is_stdout(path) -> bool:
    """Whether ``path`` names this process's standard output (/dev/stdout, /proc/self/fd/1, a
    pipe's or terminal's own name)."""
    try:
        return os.path.samestat(os.stat(path), os.fstat(sys.stdout.fileno()))
    except (OSError, ValueError, AttributeError):  # no such file yet, or no real stdout
        return False


def _to_stderr(line) -> None:
    print(line, file=sys.stderr)


def _add_train(commands) -> None:
    from .tabular.learning import TASK_RULE

    train = commands.add_parser(
        "train", help="train a network on a table (CSV file)",
        description="Train a network on a table: every column gets a role (number, category, "
        "boolean, date; IDs and constant columns are left out), the preparation (gaps filled, "
        "categories one-hot, scaling) is learned from the rows and saved in the model with "
        f"the network. Task: {TASK_RULE}. The rows held out by --validation-split choose the "
        "number of epochs; the model written is then trained on every row for that long. "
        "With --dask, the rows are read and prepared on a Dask cluster's workers and the "
        "network trained there; the model file is the same.")
    train.add_argument("data", help="CSV file with a header row ('-': standard input; "
                       ".gz, .bz2, .xz and .zip files are read as such); with --dask, also a "
                       "pattern of files in quotes, such as 'data/part-*.csv'")
    train.add_argument("--target", required=True, help="the column to predict")
    train.add_argument("--out", required=True, help="where to write the model (.npz)")
    train.add_argument("--features", type=_names, help="the only columns to learn from, "
                       "comma-separated (default: all but the target and those left out)")
    train.add_argument("--categorical", type=_names, metavar="A,B",
                       help="columns to take as categories whatever their values")
    train.add_argument("--numeric", type=_names, metavar="C",
                       help="columns to take as numbers (text that is not a number: missing)")
    train.add_argument("--exclude", type=_names, metavar="D,E", help="columns to leave out")
    train.add_argument("--id", metavar="COLUMN", help="a column that names the rows: left out "
                       "of learning, written beside each prediction by predict")
    train.add_argument("--task", choices=["classification", "regression"],
                       help=f"default: inferred ({TASK_RULE})")
    train.add_argument("--hidden", type=_sizes, default=[32],
                       help="hidden layer sizes, comma-separated (default: 32; 'none' for none)")
    train.add_argument("--activation", default="relu",
                       choices=["relu", "tanh", "sigmoid", "leaky_relu"],
                       help="hidden activation (default: relu)")
    train.add_argument("--epochs", type=_at_least(1), default=200,
                       help="at most this many epochs (default: 200)")
    train.add_argument("--batch-size", type=_at_least(1), default=32, help="default: 32")
    train.add_argument("--optimizer", choices=["adam", "sgd", "lbfgs"],
                       help="default: adam, and lbfgs with --dask (full-batch L-BFGS: --epochs "
                       "counts its iterations; no learning rate)")
    train.add_argument("--learning-rate", type=_positive,
                       help="default: 0.001 for adam, 0.01 for sgd (with momentum 0.9)")
    train.add_argument("--validation-split", type=_fraction, default=0.2,
                       help="share of rows held out to choose the number of epochs (default: "
                       "0.2; when that is fewer than 100 rows, cross-validation over 1/split "
                       "folds chooses); 0 trains on every row for --epochs")
    train.add_argument("--early-stopping", type=_at_least(1), metavar="PATIENCE",
                       help="end the validation run after PATIENCE epochs without improvement "
                       "(default: run every epoch; the lowest validation loss chooses)")
    train.add_argument("--min-frequency", type=_at_least(1), default=3, metavar="N",
                       help="a category's value seen in fewer rows is pooled with the other "
                       "rare ones (default: 3)")
    train.add_argument("--seed", type=int, default=0, help="default: 0")
    train.add_argument("--dask", metavar="ADDRESS",
                       help="train on a Dask cluster: its scheduler's address (tcp://host:8786), "
                       "or local[:N] to start N worker processes on this machine (default: one "
                       "per core) for the run; one partition per file, which the workers must "
                       "be able to read (needs neuronet[dask])")
    train.add_argument("--dask-timeout", type=_positive, default=30, metavar="SECONDS",
                       help="with --dask, how long to wait for a scheduler that does not "
                       "answer, when connecting and while training (default: 30)")
    _reading(train)
    train.add_argument("--quiet", action="store_true",
                       help="no progress bar (there is none when standard error is not a "
                       "terminal, as in a log file)")
    train.set_defaults(run=_cmd_train)


def _load_model(path):
    from .serialization import load

    return load(path)


def _is_tabular(model) -> bool:
    from .tabular import TabularModel

    return isinstance(model, TabularModel)


def _network_rows(net, args):
    """For a plain network file: (the table, its inputs) read by the metadata's feature names,
    or all the columns but the target. The columns must hold numbers."""
    from .tabular import columns as conv
    from .tabular.reading import as_frame, where

    meta = net.metadata
    if "input_mean" in meta or "input_scale" in meta:
        raise CommandError(f"{args.model}: holds input scaling as metadata, which predict does "
                           "not apply; train the model again with neuronet train, which keeps "
                           "its preparation in the model")
    frame = as_frame(args.data, sep=args.sep, encoding=args.encoding)
    names = meta.get("feature_names") or [c for c in frame.columns
                                          if c != meta.get("target_name")]
    lacking = [n for n in names if n not in frame.columns]
    if lacking:
        raise CommandError(f"{where(frame)}no column {printable(lacking[0])!r}, which the model "
                           "needs as an input")
    if len(names) != net.n_inputs:
        raise CommandError(f"{where(frame)}has {len(names)} feature columns, but the model "
                           f"expects {net.n_inputs}")
    X = np.empty((len(frame), len(names)))
    for i, name in enumerate(names):
        X[:, i], unparsed = conv.as_numbers(frame[name])
        bad = np.flatnonzero(np.isnan(X[:, i]))
        if len(bad):
            from .tabular.reading import row_name

            cell = frame[name].iloc[bad[0]]
            what = "missing value" if bad[0] not in unparsed else \
                f"{printable(cell)!r} is not a number"
            raise CommandError(f"{where(frame)}{row_name(frame, int(bad[0]))}, column "
                               f"{printable(name)!r}: {what} (a model saved without its "
                               "preparation takes numbers only)")
        conv.check_finite(X[:, i], frame, name)
    return frame, X


def _network_outputs(net, frame, X):
    from .tabular.reading import row_name, where

    with np.errstate(over="ignore", invalid="ignore"):  # a non-finite output is refused below
        outputs = net.predict(X)
    bad = np.flatnonzero(~np.isfinite(outputs).all(axis=1))
    if len(bad):
        shown = ", ".join(row_name(frame, int(i)).removeprefix("row ") for i in bad[:5])
        raise CommandError(f"{where(frame)}the model's outputs are not finite (NaN or infinity) "
                           f"for row{'s' * (len(bad) > 1)} {shown}"
                           + (f" and {len(bad) - 5:,} more" if len(bad) > 5 else "")
                           + "; no prediction is given for an output that overflowed")
    return outputs


def _is_classifier(net) -> bool:
    meta = net.metadata
    if "task" in meta:
        return meta["task"] == "classification"
    return "classes" in meta or net.output_activation == "softmax"


def _decode(net, outputs):
    """A plain network's outputs -> (one class label per row, class probabilities) for a
    classifier, or (the values, shape (n, outputs), None) otherwise."""
    if _is_classifier(net):
        classes = net.metadata.get("classes") or list(range(max(net.n_outputs, 2)))
        if net.n_outputs == 1:  # one sigmoid unit: the probability of the second class
            outputs = np.hstack([1 - outputs, outputs])
        return [classes[i] for i in outputs.argmax(axis=1)], outputs, classes
    return outputs, None, None


def _cmd_predict(args) -> None:
    import csv

    to_stdout = args.out in (None, "-")
    if not to_stdout:
        _check_writable(args.out)
    model = _load_model(args.model)
    id_column = args.id
    if _is_tabular(model):
        id_column = id_column or model.id_column
        frame = model._frame(args.data, args.sep, args.encoding,
                             extra=[args.id] if args.id else [])
        predictions = model._predict(frame)
        probabilities = classes = None
        if model.task == "classification":
            classes = model.classes
            if args.proba:
                probabilities = model._probabilities(model._outputs(frame))
        names = [model.target]
        columns = [predictions.tolist() if model.task == "classification" else
                   [repr(float(v)) for v in predictions]]
    else:
        net = model
        frame, X = _network_rows(net, args)
        predictions, probabilities, classes = _decode(net, _network_outputs(net, frame, X))
        name = net.metadata.get("target_name") or "prediction"
        if classes is None:
            names = [name] if net.n_outputs == 1 else [f"{name}_{i}"
                                                       for i in range(net.n_outputs)]
            columns = [[repr(float(v)) for v in predictions[:, i]] for i in range(len(names))]
        else:
            names, columns = [name], [predictions]
    if args.proba and classes is None:
        raise CommandError(f"{args.model}: --proba needs a classifier, but this model predicts "
                           "numbers")
    if args.proba:
        names += [f"probability_{c}" for c in classes]
        columns += [[f"{p:.6g}" for p in probabilities[:, i]] for i in range(len(classes))]
    if id_column:
        if id_column not in frame.columns:
            from .tabular.reading import where

            raise CommandError(f"{where(frame)}no column {printable(id_column)!r} to write "
                               "beside the predictions (--id)")
        ids = frame[id_column].astype(object).where(frame[id_column].notna(), "")
        names, columns = [id_column, *names], [ids.tolist(), *columns]

    def write(handle):
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(zip(*columns))

    if to_stdout:
        write(sys.stdout)
        return
    from .serialization import atomic_write

    with atomic_write(args.out, mode="w", newline="", encoding="utf-8") as handle:
        write(handle)
    print(f"{len(frame):,} predictions written to {args.out}", file=sys.stderr)


def _add_predict(commands) -> None:
    predict = commands.add_parser("predict", help="predict with a model for the rows of a CSV")
    predict.add_argument("model", help="model file written by neuronet train (.npz)")
    predict.add_argument("data", help="CSV file with the model's columns ('-': standard input)")
    predict.add_argument("--out", help="write the predictions here (default or '-': standard "
                         "output)")
    predict.add_argument("--proba", action="store_true",
                         help="also write each class's probability")
    predict.add_argument("--id", metavar="COLUMN", help="write this column beside each "
                         "prediction (default: the model's id column, if it has one)")
    _reading(predict)
    predict.set_defaults(run=_cmd_predict)


def _cmd_evaluate(args) -> None:
    from .tabular import columns as conv
    from .tabular.model import score_classes, score_numbers
    from .tabular.reading import where

    model = _load_model(args.model)
    if _is_tabular(model):
        scores = model.evaluate(args.data, sep=args.sep, encoding=args.encoding)
        classifier = model.task == "classification"
        target = model.target
    else:
        net = model
        target = net.metadata.get("target_name")
        if not target:
            raise CommandError(f"{args.model}: the model does not name its target column, so "
                               "there is nothing to compare its predictions with")
        frame, X = _network_rows(net, args)
        if target not in frame.columns:
            raise CommandError(f"{where(frame)}no target column {printable(target)!r} to "
                               "evaluate against")
        predictions, _, classes = _decode(net, _network_outputs(net, frame, X))
        classifier = classes is not None
        if classifier:
            scores = score_classes(conv.as_text(frame[target]), predictions, classes)
        else:
            truth, unparsed = conv.as_numbers(frame[target])
            if len(unparsed) or np.isnan(truth).any():
                raise CommandError(f"{where(frame)}the target column {printable(target)!r} is "
                                   "not all numbers")
            scores = score_numbers(truth, predictions[:, 0])
        scores["dropped"] = 0
    shown = "standard input" if args.data == "-" else printable(args.data)
    dropped = f" ({scores['dropped']:,} without a target value left out)" \
        if scores["dropped"] else ""
    print(f"{shown}: {scores['rows']:,} examples{dropped}")
    if classifier:
        _print_classification_report(scores)
    else:
        print(f"MSE  {scores['mse']:.6g}\nMAE  {scores['mae']:.6g}\nR²   {scores['r2']:.4f}")


def _print_classification_report(scores) -> None:
    matrix, classes = scores["confusion"], scores["classes"]
    print(f"accuracy  {scores['accuracy']:.4f}")
    if scores["unseen"]:
        listed = ", ".join(repr(printable(c)) for c in scores["unseen_classes"][:5])
        print(f"({scores['unseen']:,} rows of a class the model never saw, {listed}"
              f"{', ...' if len(scores['unseen_classes']) > 5 else ''}: counted as wrong)")
    print()
    names = [printable(c) for c in classes]
    width = max(8, *map(len, names))
    print(f"{'class':<{width}}  precision  recall  support")
    for i, label in enumerate(names):
        predicted, actual = matrix[:, i].sum(), matrix[i].sum()
        precision = f"{matrix[i, i] / predicted:.4f}" if predicted else "   -  "
        recall = f"{matrix[i, i] / actual:.4f}" if actual else "   -  "
        print(f"{label:<{width}}  {precision:>9}  {recall:>6}  {actual:>7}")
    print("\nconfusion matrix (rows: true class, columns: predicted class)")
    cell = max(len(str(matrix.max())), *map(len, names))
    print(" " * width + "  " + " ".join(f"{n:>{cell}}" for n in names))
    for label, row in zip(names, matrix):
        print(f"{label:<{width}}  " + " ".join(f"{v:>{cell}}" for v in row))


def _add_evaluate(commands) -> None:
    evaluate = commands.add_parser("evaluate", help="score a model on a CSV with the target")
    evaluate.add_argument("model", help="model file written by neuronet train (.npz)")
    evaluate.add_argument("data", help="CSV file with the model's columns and the target "
                          "('-': standard input)")
    _reading(evaluate)
    evaluate.set_defaults(run=_cmd_evaluate)


# --- diagram ----------------------------------------------------------------------------------


def _cmd_diagram(args) -> None:
    from . import diagram

    if args.max_nodes < 2:
        raise CommandError(f"--max-nodes must be at least 2, got {args.max_nodes}", status=2)
    if args.model is None:
        from . import datasets
        from .neuron import Neuron

        inputs, outputs, test_input = datasets.tutorial()
        neuron = Neuron().train(inputs, outputs, 10000)
        drawing = diagram.draw_neuron(neuron, inputs=test_input)
    else:
        from .serialization import load

        model = load(args.model)  # a model of a table draws as its network
        drawing = diagram.draw_network(getattr(model, "network", model), max_nodes=args.max_nodes)
    if args.output is None or args.output == "-":
        sys.stdout.write(drawing)
        return
    try:
        drawing.save(args.output)
    except OSError as exc:
        raise CommandError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    print(f"Drew {printable(args.model or 'the tutorial neuron')} in {printable(args.output)} "
          f"({drawing.width}x{drawing.height} SVG).")


def _add_diagram(commands) -> None:
    diagram = commands.add_parser(
        "diagram",
        help="draw a model as SVG",
        description="Draw a saved model as an SVG picture: its layers as columns of units, "
        "each connection coloured by its weight's sign and thicker for larger weights. "
        "Without MODEL, draw the tutorial's neuron after its 10,000 iterations of training.",
    )
    diagram.add_argument("model", nargs="?", metavar="MODEL",
                         help="a model file saved by neuronet (.npz)")
    diagram.add_argument("-o", "--output", metavar="FILE",
                         help="the SVG file to write (default: standard output)")
    diagram.add_argument("--max-nodes", type=int, default=8, metavar="N",
                         help="draw at most N units of a layer, the rest summarized by an "
                         "ellipsis (default: 8)")
    diagram.set_defaults(run=_cmd_diagram)


# --- info -------------------------------------------------------------------------------------


def _cmd_info(args) -> None:
    from .serialization import read_model

    model, header = read_model(args.model)  # a ModelFileError is main's one-line error
    print(model_card(args.model, model, header))


def model_card(path, model, header) -> str:
    """What a model file holds, for a person: its layers, sizes, dtype and metadata, and for a
    model of a table its preparation."""
    network = getattr(model, "network", model)
    size = os.path.getsize(path)
    lines = [f"{printable(path)}: neuronet model, format version {header['format_version']}, "
             f"saved by neuronet {printable(header['neuronet_version'])}, {size:,} bytes", "",
             network.summary()]
    notes = []
    for position, layer in enumerate(header["layers"], 1):
        if layer["type"] != "Dense":
            continue
        settings = []
        if "alpha" in layer:
            settings.append(f"leaky_relu alpha {layer['alpha']:g}")
        if not layer["bias"]:
            settings.append("no bias")
        if layer["init"] is not None:
            settings.append(f"initialized with {layer['init']}")
        if settings:
            notes.append(f"  layer {position}: {', '.join(settings)}")
    if notes:
        lines += ["", *notes]
    if header.get("loss"):
        lines.append(f"trained with loss: {header['loss']}")
    metadata = dict(network.metadata)
    described = []
    if "task" in metadata:
        described.append(f"task: {metadata.pop('task')}")
    if "feature_names" in metadata:
        names = metadata.pop("feature_names")
        described.append(f"features ({len(names)}): {_listing(names)}")
    if "target_name" in metadata:
        described.append(f"target: {printable(metadata.pop('target_name'))}")
    if "classes" in metadata:
        classes = metadata.pop("classes")
        described.append(f"classes ({len(classes)}): {_listing(classes)}")
    if "input_mean" in metadata or "input_scale" in metadata:
        mean, scale = metadata.pop("input_mean", None), metadata.pop("input_scale", None)
        given = " and ".join(what for what, value in (("mean", mean), ("scale", scale)) if value)
        described.append(f"input scaling: {given} for each of the {network.n_inputs} inputs "
                         "(kept as metadata; predict does not apply it)")
    for key, value in metadata.items():
        # JSON escapes the C0 controls only; DEL, C1 controls and direction overrides remain.
        text = printable(json.dumps(value, ensure_ascii=False))
        described.append(f"{printable(key)}: {text if len(text) <= 70 else text[:67] + '...'}")
    lines += ["", "metadata:", *(f"  {line}" for line in described)] if described else \
        ["", "metadata: none"]
    if network is not model:
        lines += ["", *model.describe(limit=40)]
    return "\n".join(lines)


def _listing(items, limit: int = 10) -> str:
    shown = ", ".join(printable(item) for item in items[:limit])
    return shown if len(items) <= limit else f"{shown}, ... ({len(items) - limit} more)"


def _add_info(commands) -> None:
    info = commands.add_parser("info", help="describe a model file: layers, sizes, metadata")
    info.add_argument("model", help="a model file written by Network.save (.npz)")
    info.set_defaults(run=_cmd_info)


# --- playground: a network learning live in the browser -----------------------------------------


def _cmd_playground(args) -> None:
    from .playground import serve

    serve(args.host, int(args.port), open_browser=not args.no_browser)


def _add_playground(commands) -> None:
    playground = commands.add_parser(
        "playground", help="watch a network learn, live, in your browser")
    playground.add_argument("--host", default="127.0.0.1",
                            help="address to listen on (default: 127.0.0.1, this computer only)")
    playground.add_argument("--port", type=_number(lambda v: v.is_integer() and 0 <= v <= 65535,
                                                   "a port from 0 to 65535"),
                            default=8765, help="default: 8765; 0 picks a free port")
    playground.add_argument("--no-browser", action="store_true",
                            help="print the address without opening a browser")
    playground.set_defaults(run=_cmd_playground)


# --- the parser -------------------------------------------------------------------------------

# Each subcommand adds its own parser; the order here is the order of `neuronet --help`.
SUBCOMMANDS = [_add_demo, _add_train, _add_predict, _add_evaluate, _add_info, _add_diagram,
               _add_playground]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="neuronet",
        description="Neural networks from the tutorial's single neuron to layered networks.",
    )
    parser.add_argument("--version", action="version", version=f"neuronet {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    for add in SUBCOMMANDS:
        add(commands)
    return parser


def main(argv=None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    try:
        args = build_parser().parse_args(argv)
        args.run(args)
    except CommandError as exc:
        print(f"neuronet: error: {printable(exc)}", file=sys.stderr)
        return exc.status
    except ValueError as exc:  # the library's own message is written for the user
        print(f"neuronet: error: {printable(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("neuronet: error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `neuronet ... | head`: the reader left; not an error of ours
        sys.stderr.close()
        return 0
    except (OSError, ImportError, FloatingPointError) as exc:
        print(f"neuronet: error: {printable(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug of ours: still one line, unless asked for the traceback
        if os.environ.get("NEURONET_DEBUG"):
            raise
        print(f"neuronet: error: internal error ({type(exc).__name__}: {printable(exc)}); "
              "set NEURONET_DEBUG=1 to see where", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
