"""``neuronet train``, ``predict`` and ``evaluate``: models of tables (CSV files)."""

from __future__ import annotations

import sys

import numpy as np

from .._text import printable
from .common import (
    CommandError,
    at_least,
    check_writable,
    fraction,
    is_stdout,
    names,
    positive,
    reading_options,
    sizes,
    to_stderr,
)


def _cmd_train(args) -> None:
    from ..tabular import train

    check_writable(args.out)
    # A model written to standard output (--out /dev/stdout) must not be mixed with the report.
    say = to_stderr if is_stdout(args.out) else print
    cluster, failures = {}, ()
    if args.dask:
        from ..dask import ClusterError  # ImportError naming the extra when Dask is missing

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


def add_train(commands) -> None:
    from ..tabular.learning import TASK_RULE

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
    train.add_argument("--features", type=names, help="the only columns to learn from, "
                       "comma-separated (default: all but the target and those left out)")
    train.add_argument("--categorical", type=names, metavar="A,B",
                       help="columns to take as categories whatever their values")
    train.add_argument("--numeric", type=names, metavar="C",
                       help="columns to take as numbers (text that is not a number: missing)")
    train.add_argument("--exclude", type=names, metavar="D,E", help="columns to leave out")
    train.add_argument("--id", metavar="COLUMN", help="a column that names the rows: left out "
                       "of learning, written beside each prediction by predict")
    train.add_argument("--task", choices=["classification", "regression"],
                       help=f"default: inferred ({TASK_RULE})")
    train.add_argument("--hidden", type=sizes, default=[32],
                       help="hidden layer sizes, comma-separated (default: 32; 'none' for none)")
    train.add_argument("--activation", default="relu",
                       choices=["relu", "tanh", "sigmoid", "leaky_relu"],
                       help="hidden activation (default: relu)")
    train.add_argument("--epochs", type=at_least(1), default=200,
                       help="at most this many epochs (default: 200)")
    train.add_argument("--batch-size", type=at_least(1), default=32, help="default: 32")
    train.add_argument("--optimizer", choices=["adam", "sgd", "lbfgs"],
                       help="default: adam, and lbfgs with --dask (full-batch L-BFGS: --epochs "
                       "counts its iterations; no learning rate)")
    train.add_argument("--learning-rate", type=positive,
                       help="default: 0.001 for adam, 0.01 for sgd (with momentum 0.9)")
    train.add_argument("--validation-split", type=fraction, default=0.2,
                       help="share of rows held out to choose the number of epochs (default: "
                       "0.2; when that is fewer than 100 rows, cross-validation over 1/split "
                       "folds chooses); 0 trains on every row for --epochs")
    train.add_argument("--early-stopping", type=at_least(1), metavar="PATIENCE",
                       help="end the validation run after PATIENCE epochs without improvement "
                       "(default: run every epoch; the lowest validation loss chooses)")
    train.add_argument("--min-frequency", type=at_least(1), default=3, metavar="N",
                       help="a category's value seen in fewer rows is pooled with the other "
                       "rare ones (default: 3)")
    train.add_argument("--seed", type=int, default=0, help="default: 0")
    train.add_argument("--dask", metavar="ADDRESS",
                       help="train on a Dask cluster: its scheduler's address (tcp://host:8786), "
                       "or local[:N] to start N worker processes on this machine (default: one "
                       "per core) for the run; one partition per file, which the workers must "
                       "be able to read (needs neuronet[dask])")
    train.add_argument("--dask-timeout", type=positive, default=30, metavar="SECONDS",
                       help="with --dask, how long to wait for a scheduler that does not "
                       "answer, when connecting and while training (default: 30)")
    reading_options(train)
    train.add_argument("--quiet", action="store_true",
                       help="no progress bar (there is none when standard error is not a "
                       "terminal, as in a log file)")
    train.set_defaults(run=_cmd_train)


def _load_model(path):
    from ..serialization import load

    return load(path)


def _is_tabular(model) -> bool:
    from ..tabular import TabularModel

    return isinstance(model, TabularModel)


def _network_rows(net, args):
    """For a plain network file: (the table, its inputs) read by the metadata's feature names,
    or all the columns but the target. The columns must hold numbers."""
    from ..tabular import columns as conv
    from ..tabular.reading import as_frame, where

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
            from ..tabular.reading import row_name

            cell = frame[name].iloc[bad[0]]
            what = "missing value" if bad[0] not in unparsed else \
                f"{printable(cell)!r} is not a number"
            raise CommandError(f"{where(frame)}{row_name(frame, int(bad[0]))}, column "
                               f"{printable(name)!r}: {what} (a model saved without its "
                               "preparation takes numbers only)")
        conv.check_finite(X[:, i], frame, name)
    return frame, X


def _network_outputs(net, frame, X):
    from ..tabular.reading import row_name, where

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
        check_writable(args.out)
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
            from ..tabular.reading import where

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
    from .._files import atomic_write

    with atomic_write(args.out, mode="w", newline="", encoding="utf-8") as handle:
        write(handle)
    print(f"{len(frame):,} predictions written to {args.out}", file=sys.stderr)


def add_predict(commands) -> None:
    predict = commands.add_parser("predict", help="predict with a model for the rows of a CSV")
    predict.add_argument("model", help="model file written by neuronet train (.npz)")
    predict.add_argument("data", help="CSV file with the model's columns ('-': standard input)")
    predict.add_argument("--out", help="write the predictions here (default or '-': standard "
                         "output)")
    predict.add_argument("--proba", action="store_true",
                         help="also write each class's probability")
    predict.add_argument("--id", metavar="COLUMN", help="write this column beside each "
                         "prediction (default: the model's id column, if it has one)")
    reading_options(predict)
    predict.set_defaults(run=_cmd_predict)


def _cmd_evaluate(args) -> None:
    from ..tabular import columns as conv
    from ..tabular.model import score_classes, score_numbers
    from ..tabular.reading import where

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


def add_evaluate(commands) -> None:
    evaluate = commands.add_parser("evaluate", help="score a model on a CSV with the target")
    evaluate.add_argument("model", help="model file written by neuronet train (.npz)")
    evaluate.add_argument("data", help="CSV file with the model's columns and the target "
                          "('-': standard input)")
    reading_options(evaluate)
    evaluate.set_defaults(run=_cmd_evaluate)
