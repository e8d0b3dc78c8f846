"""The peers of benchmarks/tables.py, each given the same rows with the same preparation.

Every peer reads the training and held-out CSV files with ``pandas.read_csv`` (as neuronet's
command line reads them) and gets one preparation, learned on the training rows only:

- numbers and true/false columns stay numbers (gaps stay gaps);
- a text column whose given values (95 % or more of them) hold a four-digit year and parse as
  dates becomes a number: days since 1970-01-01;
- every other text column becomes a pandas category whose values are those of the training
  rows; a value seen only in the held-out rows becomes a gap;
- ID columns and names are passed as they come (a unique ID text is a category like any other).

Then each peer gets only what it needs to run at all, nothing tuned:

- HistGradientBoosting: ``categorical_features="from_dtype"``; a category column with more than
  255 training values (its limit) is given as its integer codes instead (a number, as
  OrdinalEncoder would give it);
- LightGBM: the pandas categories as they are (its own categorical handling), ``verbose=-1``;
- RealMLP-TD (pytabkit): categories as they are; a number column with gaps in the training rows
  is filled with its training median and gets a 0/1 "was missing" column beside it, since
  RealMLP refuses gaps in numbers; CPU, ``n_threads`` and ``torch.set_num_threads`` bounded;
- scikit-learn's MLP: SimpleImputer (median) + StandardScaler for numbers, SimpleImputer (most
  frequent) + OneHotEncoder(handle_unknown="ignore") for categories, 32 hidden units like
  neuronet's default; for regression the target is standardized (TransformedTargetRegressor).

Rows whose target is a gap are left out of training. Each peer returns its predictions for every
held-out row: labels and a probability frame (one column per class) for classes, values for
numbers. Timing is the caller's; it covers reading, preparing, fitting and predicting.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

HIDDEN = 32
HGB_MAX_CATEGORIES = 255
_YEAR = re.compile(r"\b\d{4}\b")


def label_text(values) -> pd.Series:
    """Class labels as text, whole numbers without a decimal point ("3.0" and 3 are "3")."""
    series = pd.Series(values, dtype=object).reset_index(drop=True)
    numbers = pd.to_numeric(series, errors="coerce")
    given = series.notna()
    if given.any() and numbers[given].notna().all():
        whole = np.isclose(numbers[given] % 1, 0)
        if whole.all():
            return series.where(~given, numbers.map(lambda v: str(int(v)) if v == v else v))
    return series.where(~given, series.astype(str))


def _is_date_column(values: pd.Series) -> bool:
    given = values.dropna().astype(str)
    if given.empty or given.str.contains(_YEAR).mean() < 0.95:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(given, errors="coerce", format="mixed", utc=True)
    return parsed.notna().mean() >= 0.95


def _days(values: pd.Series) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(values, errors="coerce", format="mixed", utc=True)
    epoch = pd.Timestamp("1970-01-01", tz="UTC")
    return (parsed - epoch) / pd.Timedelta(days=1)


def prepare(train: pd.DataFrame, test: pd.DataFrame, target: str):
    """The shared preparation: returns (X_train, y_train, X_test) with categories and numbers.

    Rows of ``train`` without a target value are dropped; ``test`` keeps every row.
    """
    train = train[train[target].notna()]
    y = train[target]
    X, X_test = train.drop(columns=target), test.drop(columns=target, errors="ignore")
    out, out_test = {}, {}
    for column in X.columns:
        values, held_out = X[column], X_test[column]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            out[column] = values.astype(float)
            out_test[column] = pd.to_numeric(held_out, errors="coerce").astype(float)
        elif _is_date_column(values):
            out[column], out_test[column] = _days(values), _days(held_out)
        else:
            categories = pd.Index(sorted(values.dropna().astype(str).unique()))
            out[column] = _categorical(values, categories)
            out_test[column] = _categorical(held_out, categories)
    index, test_index = X.index, X_test.index
    return (pd.DataFrame(out, index=index).reset_index(drop=True), y.reset_index(drop=True),
            pd.DataFrame(out_test, index=test_index).reset_index(drop=True))


def _categorical(values: pd.Series, categories: pd.Index) -> pd.Categorical:
    text = values.astype(object).where(values.notna(), None)
    codes = categories.get_indexer([None if v is None else str(v) for v in text])
    return pd.Categorical.from_codes(codes, categories)


def _category_columns(X: pd.DataFrame) -> list[str]:
    return [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)]


def _proba_frame(proba, classes) -> pd.DataFrame:
    return pd.DataFrame(np.asarray(proba, dtype=float), columns=[str(c) for c in classes])


def _result(task, model, X_test):
    if task == "classification":
        return {"labels": label_text(model.predict(X_test)),
                "proba": _proba_frame(model.predict_proba(X_test), model.classes_)}
    return {"values": np.asarray(model.predict(X_test), dtype=float)}


def _target(task, y):
    return label_text(y).to_numpy(dtype=object).astype(str) if task == "classification" \
        else y.to_numpy(dtype=float)


def run_hgb(X, y, X_test, task, seed, threads):
    """HistGradientBoosting with native categories (codes beyond its 255-value limit)."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    X, X_test = X.copy(), X_test.copy()
    for column in _category_columns(X):
        if len(X[column].cat.categories) > HGB_MAX_CATEGORIES:
            for frame in (X, X_test):
                codes = frame[column].cat.codes.astype(float)
                frame[column] = codes.where(codes >= 0)
    kind = HistGradientBoostingClassifier if task == "classification" \
        else HistGradientBoostingRegressor
    model = kind(categorical_features="from_dtype", random_state=seed)
    model.fit(X, _target(task, y))
    return _result(task, model, X_test)


def run_lightgbm(X, y, X_test, task, seed, threads):
    """LightGBM's defaults on the pandas categories."""
    import lightgbm

    kind = lightgbm.LGBMClassifier if task == "classification" else lightgbm.LGBMRegressor
    model = kind(random_state=seed, n_jobs=threads, verbose=-1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, _target(task, y))
        return _result(task, model, X_test)


def run_realmlp(X, y, X_test, task, seed, threads):
    """RealMLP-TD's defaults (pytabkit) on CPU, gaps in numbers filled and flagged."""
    import torch
    from pytabkit import RealMLP_TD_Classifier, RealMLP_TD_Regressor

    torch.set_num_threads(threads)
    X, X_test = X.copy(), X_test.copy()
    for column in [c for c in X.columns if c not in _category_columns(X)]:
        median = X[column].median()
        median = 0.0 if np.isnan(median) else median
        if X[column].isna().any():
            X[column + " (missing)"] = X[column].isna().astype(float)
            X_test[column + " (missing)"] = X_test[column].isna().astype(float)
        X[column], X_test[column] = X[column].fillna(median), X_test[column].fillna(median)
    kind = RealMLP_TD_Classifier if task == "classification" else RealMLP_TD_Regressor
    model = kind(device="cpu", random_state=seed, n_threads=threads, verbosity=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, _target(task, y))
        return _result(task, model, X_test)


def run_sklearn_mlp(X, y, X_test, task, seed, threads):
    """scikit-learn's MLP behind imputers, a scaler and a one-hot encoder."""
    from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    other = _category_columns(X)
    numeric = [c for c in X.columns if c not in other]
    # Categories as object arrays with NaN gaps, the form SimpleImputer and OneHotEncoder take.
    X = X.astype({c: object for c in other})
    X_test = X_test.astype({c: object for c in other})
    steps = []
    if numeric:
        steps.append(("numbers", make_pipeline(SimpleImputer(strategy="median"),
                                               StandardScaler()), numeric))
    if other:
        steps.append(("text", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                            OneHotEncoder(handle_unknown="ignore")), other))
    prepare_columns = ColumnTransformer(steps)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if task == "classification":
            model = make_pipeline(prepare_columns, MLPClassifier(hidden_layer_sizes=(HIDDEN,),
                                                                 random_state=seed))
        else:
            model = TransformedTargetRegressor(
                make_pipeline(prepare_columns, MLPRegressor(hidden_layer_sizes=(HIDDEN,),
                                                            random_state=seed)),
                transformer=StandardScaler())
        model.fit(X, _target(task, y))
        return _result(task, model, X_test)


#: name -> (function, what it is)
PEERS = {
    "hgb": (run_hgb, "HistGradientBoosting, native categories"),
    "lightgbm": (run_lightgbm, "LightGBM, pandas categories"),
    "realmlp": (run_realmlp, "RealMLP-TD (pytabkit), CPU"),
    "sklearn-mlp": (run_sklearn_mlp, "scikit-learn MLP pipeline, 32 units"),
}


def run_peer(name, train_csv, test_csv, target, task, seed, threads):
    """Read both files, prepare them and run the peer ``name``; returns its predictions.

    Native thread pools (OpenMP, BLAS) are limited to ``threads`` for the run.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads):
        train, test = pd.read_csv(train_csv), pd.read_csv(test_csv)
        X, y, X_test = prepare(train, test, target)
        function, _ = PEERS[name]
        return function(X, y, X_test, task, seed, threads)


def warm_up(names, threads):
    """Run each peer once on 200 made-up rows, so that no table pays for first-call costs
    (imports, lazy set-up of thread pools); errors are left for the real runs to report."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=200), "c": rng.choice(["a", "b", "c"], 200)})
    frame["label"] = np.where(frame["x"] > 0, "yes", "no")
    frame["value"] = frame["x"] * 2 + (frame["c"] == "a")
    for target, task in (("label", "classification"), ("value", "regression")):
        X, y, X_test = prepare(frame.drop(columns="value" if target == "label" else "label"),
                               frame.drop(columns=["label", "value"]), target)
        for name in names:
            try:
                with threadpool_limits(limits=threads):
                    PEERS[name][0](X, y, X_test, task, 0, threads)
            except Exception:  # the measured runs report it
                pass
