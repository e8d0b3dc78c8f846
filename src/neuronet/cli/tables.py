"""``neuronet train``, ``predict`` and ``evaluate``: models of tables (CSV files).

Thin: the flags of ``train`` are made from ``tabular.TrainSettings`` (one definition of the
options, for Python and the command line), and each command calls the library (``train``,
``TabularModel.predict``, ``evaluate``; a plain network through ``tabular.PlainNetwork``) and
prints what it returns.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import textwrap

from .._text import printable
from .common import (
    CommandError,
    add_option,
    add_out,
    add_quiet,
    check_writable,
    examples,
    import_pandas_alone,
    is_stdout,
    reading_options,
    to_stderr,
)


def _cmd_train(args) -> None:
    from ..tabular import TrainSettings, train
    from ..tabular.settings import options

    check_writable(args.out, [args.data], patterns=args.client is not None)
    if args.client is None:  # a cluster's tables are Dask's, which may want pyarrow
        import_pandas_alone()
    # A model written to standard output (--out /dev/stdout) must not be mixed with the report.
    say = to_stderr if is_stdout(args.out) else print
    settings = TrainSettings(**{option.name: getattr(args, option.name) for option in options()})
    failures = ()
    if settings.on_cluster:
        from ..dask import ClusterError  # ImportError naming the extra when Dask is missing

        failures = ClusterError
    try:
        model = train(args.data, args.target, settings, report=say)
    except failures as exc:  # the cluster failed (scheduler lost, workers dying)
        raise CommandError(str(exc)) from None
    model.save(args.out)
    if model.interrupted:
        say(f"interrupted: the model trained so far was written to {printable(args.out)}")
    else:
        say(f"model:      written to {printable(args.out)}")


def add_train(commands) -> None:
    """Add the subcommand ``neuronet train`` to ``commands``.

    Parameters
    ----------
    commands : argparse subparsers
        Where the subcommand goes.
    """
    from ..tabular import TASK_RULE
    from ..tabular.settings import options

    train = commands.add_parser(
        "train", help="train a network on a table (CSV file)",
        description="Train a network on a table: every column gets a role (number, category, "
        "boolean, date; IDs and constant columns are left out), the preparation (gaps filled, "
        "categories one-hot, scaling) is learned from the rows and saved in the model with "
        f"the network. Task: {TASK_RULE}. The rows held out by --validation-split choose the "
        "number of epochs; the model written is then trained on every row for that long. "
        "With --dask, the rows are read and prepared on a Dask cluster's workers and the "
        "network trained there; the model file is the same.",
        epilog=examples("neuronet data penguins -o penguins.csv",
                        "neuronet train penguins.csv --target Species -o penguins.npz",
                        "neuronet train penguins.csv --target 'Body Mass (g)' --hidden 64,32 "
                        "--epochs 300 -o mass.npz",
                        "# on a Dask cluster of 2 local workers:",
                        "neuronet train penguins.csv --target Species --dask local:2 "
                        "-o penguins.npz"))
    train.add_argument("data", help="CSV file with a header row ('-': standard input; "
                       ".gz, .bz2, .xz and .zip files are read as such); with --dask, also a "
                       "pattern of files in quotes, such as 'data/part-*.csv'")
    train.add_argument("--target", required=True, help="the column to predict")
    add_out(train, "where to write the model (.npz)", required=True)
    for option in options():  # every option of tabular.train, in the order of TrainSettings
        add_option(train, option)
    train.set_defaults(run=_cmd_train)


def _load_model(path):
    from ..serialization import load
    from ..tabular import for_tables

    return for_tables(load(path), name=path)


def _cmd_predict(args) -> None:
    from ..tabular.reading import where
    from ..tabular.writing import write_csv

    to_stdout = args.out in (None, "-")
    if not to_stdout:
        check_writable(args.out, [args.model, args.data])
    import_pandas_alone()
    model = _load_model(args.model)
    classifier = model.task == "classification"
    if args.proba and not classifier:
        raise CommandError(f"{args.model}: --proba needs a classifier, but this model predicts "
                           "numbers")
    id_column = args.id or model.id_column
    frame = model.read_rows(args.data, sep=args.sep, encoding=args.encoding,
                            extra=[args.id] if args.id else [])
    if id_column and id_column not in frame.columns:
        raise CommandError(f"{where(frame)}no column {printable(id_column)!r} to write "
                           "beside the predictions (--id)")
    probabilities = None
    if args.proba:
        predictions, probabilities = model.predict(frame, proba=True)
    else:
        predictions = model.predict(frame)
    name = model.target or "prediction"
    if classifier:
        names, columns = [name], [predictions.tolist()]
    elif predictions.ndim == 1:
        names, columns = [name], [[repr(float(v)) for v in predictions]]
    else:  # a plain network's several outputs
        names = [name] if predictions.shape[1] == 1 else [f"{name}_{i}" for i in
                                                         range(predictions.shape[1])]
        columns = [[repr(float(v)) for v in predictions[:, i]] for i in range(len(names))]
    if probabilities is not None:
        names += [f"probability_{c}" for c in model.classes]
        values = probabilities.to_numpy()
        columns += [[f"{p:.6g}" for p in values[:, i]] for i in range(values.shape[1])]
    if id_column:
        ids = frame[id_column].astype(object).where(frame[id_column].notna(), "")
        names, columns = [id_column, *names], [ids.tolist(), *columns]

    if to_stdout:
        write_csv(sys.stdout, names, columns, escape_formulas=args.escape_formulas)
        return
    _write_table(args.out, names, columns, escape_formulas=args.escape_formulas)
    print(f"{len(frame):,} predictions written to {args.out}", file=sys.stderr)


def add_predict(commands) -> None:
    """Add the subcommand ``neuronet predict`` to ``commands``.

    Parameters
    ----------
    commands : argparse subparsers
        Where the subcommand goes.
    """
    predict = commands.add_parser(
        "predict", help="predict with a model for the rows of a CSV",
        description="Predict with a model for each row of a table: the model prepares the "
        "rows as it learned to (gaps, categories, scaling) and writes one prediction a row, "
        "as CSV.",
        epilog=examples("neuronet predict penguins.npz penguins.csv -o predictions.csv",
                        "neuronet predict penguins.npz penguins.csv --proba --id 'Individual "
                        "ID' | head"))
    predict.add_argument("model", help="model file written by neuronet train (.npz)")
    predict.add_argument("data", help="CSV file with the model's columns ('-': standard input)")
    add_out(predict, "write the predictions here (default or '-': standard output)")
    predict.add_argument("--proba", action="store_true",
                         help="also write each class's probability")
    predict.add_argument("--id", metavar="COLUMN", help="write this column beside each "
                         "prediction (default: the model's id column, if it has one)")
    predict.add_argument("--escape-formulas", action=argparse.BooleanOptionalAction,
                         default=True, help="a text cell (an id, a class, a column's name) "
                         "that begins with = + - @, a tab or a carriage return, and is not a "
                         "number, is written with a leading ' so that a spreadsheet shows it "
                         "as text instead of running it as a formula (default); "
                         "--no-escape-formulas writes every cell as it is")
    reading_options(predict)
    add_quiet(predict)
    predict.set_defaults(run=_cmd_predict)


def _write_table(path, header, columns, *, escape_formulas=True) -> None:
    """Write a CSV file of ``columns`` under ``header`` whole, or not at all."""
    from .._files import atomic_write
    from ..tabular.writing import write_csv

    with atomic_write(path, mode="w", newline="", encoding="utf-8") as handle:
        write_csv(handle, header, columns, escape_formulas=escape_formulas)


def _cmd_evaluate(args) -> None:
    if args.out == "-":
        raise CommandError("--out -: the report is written to standard output; name a file "
                           "for the confusion matrix", status=2)
    if args.out is not None:
        check_writable(args.out, [args.model, args.data])
    import_pandas_alone()
    model = _load_model(args.model)
    if args.out is not None and model.task != "classification":
        raise CommandError(f"{args.model}: --out writes the confusion matrix of a classifier, "
                           "but this model predicts numbers")
    # Read once: the report and the importance score the same rows (standard input too).
    frame = model.read_rows(args.data, sep=args.sep, encoding=args.encoding)
    report = model.evaluate(frame)
    shown = "standard input" if args.data == "-" else printable(args.data)
    print(f"{shown}: {report['rows']:,} examples")
    print(report.format(width=shutil.get_terminal_size().columns))
    if args.importance and hasattr(model, "feature_importance"):
        from ..tabular.importance import describe

        print()
        try:
            table = model.feature_importance(frame, repeats=args.importance)
        except ValueError as exc:  # too few rows of classes the model knows, after the report
            print(f"importance: not measured ({exc})")
        else:
            width = shutil.get_terminal_size().columns
            for line in describe(table, limit=args.importance_columns, rows="rows"):
                indent = " " * (len(line) - len(line.lstrip()) + 2)
                print(textwrap.fill(line, width, subsequent_indent=indent,
                                    break_long_words=False) if len(line) > width else line)
    if args.out is None:
        return
    header, columns = report.confusion_rows()
    _write_table(args.out, header, columns)
    print(f"confusion matrix: written to {printable(args.out)}")


def _whole(minimum):
    """argparse's type for a whole number of at least ``minimum``, from the settings' kind."""
    from ..tabular._kinds import Whole

    kind = Whole(minimum)

    def parse(text):
        try:
            return kind.parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = "int"
    return parse


def add_evaluate(commands) -> None:
    """Add the subcommand ``neuronet evaluate`` to ``commands``.

    Parameters
    ----------
    commands : argparse subparsers
        Where the subcommand goes.
    """
    evaluate = commands.add_parser(
        "evaluate", help="score a model on a CSV with the target",
        description="Score a model on the rows of a table that have a target value: "
        "accuracy, log loss, ROC AUC, precision and recall per class and the confusion "
        "matrix for a classifier (shown as the classes most confused when it is wider than "
        "the terminal); MSE, RMSE, MAE and R² for numbers.",
        epilog=examples("neuronet evaluate penguins.npz penguins.csv",
                        "neuronet evaluate penguins.npz penguins.csv -o confusion.csv"))
    evaluate.add_argument("model", help="model file written by neuronet train (.npz)")
    evaluate.add_argument("data", help="CSV file with the model's columns and the target "
                          "('-': standard input)")
    evaluate.add_argument("--importance", type=_whole(0), default=5, metavar="REPEATS",
                          help="shuffle each column this often to measure its importance "
                          "(permutation importance; 0: not measured; default: 5)")
    evaluate.add_argument("--importance-columns", type=_whole(1), default=20, metavar="N",
                          help="show the N most important columns (default: 20)")
    add_out(evaluate, "write the whole confusion matrix here, as CSV (rows: true class, "
            "columns: predicted class)")
    reading_options(evaluate)
    add_quiet(evaluate)
    evaluate.set_defaults(run=_cmd_evaluate)
