"""Reports: every score of predictions already made, in numbers a person reads.

What ``neuronet evaluate`` prints and ``TabularModel.evaluate`` returns: for classes, accuracy,
log loss, ROC AUC, precision and recall of each class and the confusion matrix (or, where it is
too wide to show, the classes most confused); for numbers, MSE, RMSE, MAE and R². The scores
are those of scikit-learn's functions of the same names (the tests compare them).
"""

from __future__ import annotations

import numpy as np

from ._text import printable


def confusion_matrix(truth, predicted, n_classes: int) -> np.ndarray:
    """Counts of (true class, predicted class) pairs: row i, column j counts the rows of class
    i predicted as j.

    Parameters
    ----------
    truth, predicted : array_like
        Class indices from 0 to n_classes - 1, one per row.
    n_classes : int
        The classes.

    Returns
    -------
    ndarray
        Shape (n_classes, n_classes).
    """
    truth = np.asarray(truth, dtype=np.int64)
    predicted = np.asarray(predicted, dtype=np.int64)
    flat = np.bincount(truth * n_classes + predicted, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes)


def log_loss(truth, probabilities) -> float:
    """Mean of -log(probability given to the true class); ``truth`` holds class indices.
    Probabilities are clipped to [eps, 1] so that a confident mistake costs a large but finite
    amount.

    Parameters
    ----------
    truth : array_like
        Class indices, one per row.
    probabilities : array_like
        Shape (rows, classes).

    Returns
    -------
    float
    """
    p = np.asarray(probabilities, dtype=np.float64)[np.arange(len(truth)), truth]
    return float(-np.mean(np.log(np.clip(p, np.finfo(np.float64).eps, 1.0))))


def roc_auc(truth, probabilities) -> float:
    """The area under the ROC curve: the chance that a row of a class is given a higher
    probability of it than a row of another class (ties count half). For more than two classes,
    the mean over classes of each class against the rest; classes absent from ``truth`` or
    present in every row are skipped. NaN when no class can be scored.

    Parameters
    ----------
    truth : array_like
        Class indices, one per row.
    probabilities : array_like
        Shape (rows, classes).

    Returns
    -------
    float
    """
    truth = np.asarray(truth)
    p = np.asarray(probabilities, dtype=np.float64)
    columns = [1] if p.shape[1] == 2 else range(p.shape[1])
    scores = []
    for c in columns:
        positive = truth == c
        n_pos = int(positive.sum())
        n_neg = len(truth) - n_pos
        if n_pos == 0 or n_neg == 0:
            continue
        ranks = _average_ranks(p[:, c])
        scores.append((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
    return float(np.mean(scores)) if scores else float("nan")


def calibration_error(truth, probabilities, bins: int = 15) -> float:
    """The expected calibration error (ECE): how far the confidence of the predicted class is
    from how often it is right, averaged over the rows.

    The rows are put in ``bins`` bins of equal width by the probability of their predicted
    class; in each bin the gap between the mean of that probability and the share of right
    predictions counts as many times as the bin has rows (Naeini et al., 2015; Guo et al.,
    2017). 0 is calibrated: of the rows predicted with 0.8, 8 in 10 are right.

    Parameters
    ----------
    truth : array of int
        The true class index of each row.
    probabilities : array of shape (rows, classes)
        Each class's probability for each row.
    bins : int, default 15
        The number of bins of [0, 1].

    Returns
    -------
    float
        The error, from 0 to 1; NaN for no rows.

    Raises
    ------
    ValueError
        For a bin count below 1, or probabilities that are not one row per label.
    """
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"bins must be a whole number of at least 1, got {bins!r}")
    truth = np.asarray(truth)
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or len(p) != len(truth):
        raise ValueError(f"expected probabilities of shape (rows, classes) for {len(truth)} "
                         f"labels, got shape {p.shape}")
    if not len(truth):
        return float("nan")
    predicted = p.argmax(axis=1)
    confidence = p[np.arange(len(p)), predicted]
    right = (predicted == truth).astype(np.float64)
    # Bin b holds confidences in (b/bins, (b+1)/bins]; 0 goes to the first.
    which = np.clip(np.ceil(confidence * bins).astype(np.int64) - 1, 0, bins - 1)
    gap = np.bincount(which, confidence - right, minlength=bins)
    return float(np.abs(gap).sum() / len(truth))


def _average_ranks(values) -> np.ndarray:
    """Ranks from 1, ties given the mean of the ranks they span."""
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], len(values)]
    ranks = np.empty(len(values))
    ranks[order] = np.repeat((starts + ends + 1) / 2, ends - starts)
    return ranks


class ClassificationReport(dict):
    """Every score of predicted classes against the true ones; prints as a report.

    A dict: "rows", "accuracy", "confusion" (rows: true class, columns: predicted), "classes",
    "precision", "recall", "f1" and "support" (one number per class), "unseen" (rows whose
    true class the model never saw, counted as wrong) and "unseen_classes"; with probabilities
    also "log_loss", "roc_auc" and "ece", the expected calibration error (on the rows of
    known classes). ``str(report)`` is the report that ``neuronet evaluate`` prints."""

    def __str__(self) -> str:
        return self.format()

    def format(self, width: int | None = None) -> str:
        """The report as lines of text.

        Parameters
        ----------
        width : int, optional
            The columns the text may take (a terminal's width). A confusion matrix wider
            than that is shown as the pairs of classes most often confused instead; None
            (the default) always shows the whole matrix.

        Returns
        -------
        str
            The scores, one line per class, and the confusion matrix or its pairs.
        """
        matrix, classes = self["confusion"], self["classes"]
        lines = [f"accuracy  {self['accuracy']:.4f}"]
        if "log_loss" in self:
            lines.append(f"log loss  {self['log_loss']:.4f}")
            lines.append(f"ROC AUC   {self['roc_auc']:.4f}")
        if "ece" in self:
            lines.append(f"calibration error (ECE) {self['ece']:.4f}")
        if self["unseen"]:
            listed = ", ".join(repr(printable(c)) for c in self["unseen_classes"][:5])
            more = ", ..." if len(self["unseen_classes"]) > 5 else ""
            lines.append(f"({self['unseen']:,} rows of a class the model never saw, {listed}"
                         f"{more}: counted as wrong)")
        names = [printable(c) for c in classes]
        width_of_names = max(8, *map(len, names))
        room = None if width is None else max(12, width - 30)  # 30: the three scores
        if room is not None and width_of_names > room:
            width_of_names = room
        lines += ["", f"{'class':<{width_of_names}}  precision  recall  support"]
        for i, label in enumerate(names):
            if len(label) > width_of_names:
                label = label[:width_of_names - 3] + "..."
            predicted, actual = matrix[:, i].sum(), matrix[i].sum()
            precision = f"{matrix[i, i] / predicted:.4f}" if predicted else "   -  "
            recall = f"{matrix[i, i] / actual:.4f}" if actual else "   -  "
            lines.append(f"{label:<{width_of_names}}  {precision:>9}  {recall:>6}  "
                         f"{actual:>7}")
        cell = max(len(str(matrix.max())), *map(len, names))
        table = [" " * width_of_names + "  " + " ".join(f"{n:>{cell}}" for n in names)]
        for label, row in zip(names, matrix):
            table.append(f"{label:<{width_of_names}}  " + " ".join(f"{v:>{cell}}" for v in row))
        if width is None or len(table[0]) <= width:
            lines += ["", "confusion matrix (rows: true class, columns: predicted class)",
                      *table]
        else:
            lines += ["", *self.most_confused(width=width),
                      f"(a {len(names)} x {len(names)} matrix: too wide for {width} columns)"]
        return "\n".join(lines)

    def most_confused(self, limit: int = 10, width: int | None = None) -> list:
        """The pairs of classes most often confused, as lines of text: the confusion
        matrix's largest cells off its diagonal, for a matrix too wide to show.

        Parameters
        ----------
        limit : int
            The most pairs shown.
        width : int, optional
            The columns the lines may take: longer class names are cut, ending in "...".

        Returns
        -------
        list of str
            A heading, then one line per pair: the true class, the class predicted, the
            rows, and their share of the true class's rows.
        """
        matrix = np.asarray(self["confusion"])
        names = [printable(c) for c in self["classes"]]
        wrong = matrix.copy()
        np.fill_diagonal(wrong, 0)
        pairs = [(int(wrong[i, j]), i, j) for i, j in zip(*np.nonzero(wrong))]
        pairs.sort(key=lambda pair: (-pair[0], pair[1], pair[2]))
        if not pairs:
            return ["classes most confused: none (every row's class was predicted right)"]
        pairs = pairs[:limit]
        counts = [f"{count:,}" for count, _, _ in pairs]
        fixed = 2 + 4 + 2 + max(map(len, counts)) + 2 + 6  # "  a -> b  count  share"
        room = max(12, (width - fixed) // 2) if width else None

        def cut(name):
            return name if room is None or len(name) <= room else name[:room - 3] + "..."

        shown = [f"{cut(names[i])} -> {cut(names[j])}" for _, i, j in pairs]
        left, right = max(map(len, shown)), max(map(len, counts))
        lines = ["classes most confused (true -> predicted, rows, share of the true class):"
                 if width is None or width >= 76 else "classes most confused:"]
        for text, number, (count, i, _) in zip(shown, counts, pairs):
            lines.append(f"  {text:<{left}}  {number:>{right}}  {count / matrix[i].sum():>6.1%}")
        return lines

    def confusion_rows(self) -> tuple[list, list]:
        """The confusion matrix as a table: a header and its columns.

        Returns
        -------
        header : list of str
            "true class", then each class predicted.
        columns : list of lists
            The true classes, then for each class predicted its counts.
        """
        matrix = np.asarray(self["confusion"])
        names = [str(c) for c in self["classes"]]
        return (["true class", *names],
                [names, *(matrix[:, j].tolist() for j in range(len(names)))])


class RegressionReport(dict):
    """Every score of predicted numbers against the true ones; prints as a report.

    A dict: "rows", "mse", "rmse", "mae" and "r2" (NaN when the true values do not vary)."""

    def __str__(self) -> str:
        return self.format()

    def format(self, width: int | None = None) -> str:
        """The report as lines of text.

        Parameters
        ----------
        width : int, optional
            Accepted for the same call as ``ClassificationReport.format``; the report is
            four short lines whatever the width.

        Returns
        -------
        str
            MSE, RMSE, MAE and R², one a line.
        """
        return (f"MSE   {self['mse']:.6g}\nRMSE  {self['rmse']:.6g}\nMAE   {self['mae']:.6g}\n"
                f"R²    {self['r2']:.4f}")


def classification_report(truth, predictions, classes, *, truth_names=None,
                          probabilities=None) -> ClassificationReport:
    """The scores of ``predictions`` (labels among ``classes``) against the true labels.

    Parameters
    ----------
    truth : the true labels, one per row, written as ``truth_names`` writes the classes
        (default: as ``classes``). A label not among them is a class the model never saw: its
        row counts as a wrong prediction.
    predictions : the predicted labels, each one of ``classes``.
    classes : the classes the model knows, in the order of its outputs.
    truth_names : the classes as ``truth`` writes them, in the order of ``classes``.
    probabilities : optionally each class's probability for each row, shape (rows, classes):
        adds log loss, ROC AUC and the calibration error.

    Returns
    -------
    ClassificationReport
    """
    names = list(classes if truth_names is None else truth_names)
    truth = np.asarray(truth, dtype=object)
    codes = class_indices(names, truth)
    guess = class_indices(list(classes), np.asarray(predictions, dtype=object))
    k = len(classes)
    seen = codes >= 0
    matrix = confusion_matrix(codes[seen], guess[seen], k)
    tp = np.diag(matrix).astype(float)
    said, meant = matrix.sum(axis=0), matrix.sum(axis=1)
    report = ClassificationReport(
        rows=len(truth), accuracy=float(np.mean(codes == guess)), confusion=matrix,
        classes=list(classes), precision=ratio(tp, said).tolist(),
        recall=ratio(tp, meant).tolist(), f1=ratio(2 * tp, said + meant).tolist(),
        support=meant.tolist(), unseen=int((~seen).sum()),
        unseen_classes=sorted(set(truth[~seen].tolist())))
    if probabilities is not None and seen.any():
        p = np.asarray(probabilities, dtype=np.float64)[seen]
        report["log_loss"] = log_loss(codes[seen], p)
        report["roc_auc"] = roc_auc(codes[seen], p)
        report["ece"] = calibration_error(codes[seen], p)
    return report


def regression_report(truth, predictions) -> RegressionReport:
    """Mean squared and absolute errors, their root, and R² of ``predictions`` against
    ``truth`` (1-D arrays of numbers).

    Parameters
    ----------
    truth, predictions : array_like
        The true and the predicted numbers.

    Returns
    -------
    RegressionReport
    """
    truth = np.asarray(truth, dtype=np.float64)
    error = np.asarray(predictions, dtype=np.float64) - truth
    mse = float(np.mean(error**2))
    spread = float(np.sum((truth - truth.mean()) ** 2))
    return RegressionReport(rows=len(truth), mse=mse, rmse=float(np.sqrt(mse)),
                            mae=float(np.mean(np.abs(error))),
                            r2=1 - float(np.sum(error**2)) / spread if spread > 0
                            else float("nan"))


def class_indices(names, values) -> np.ndarray:
    """The index of each value among ``names``, -1 for a value not among them.

    Parameters
    ----------
    names : list
        The classes.
    values : array-like
        The labels to look up.

    Returns
    -------
    numpy.ndarray
        int64, one index per value.
    """
    index = {name: i for i, name in enumerate(names)}
    return np.fromiter((index.get(v, -1) for v in values), dtype=np.int64, count=len(values))


def ratio(top, bottom) -> np.ndarray:
    """``top / bottom`` element by element, 0 where ``bottom`` is 0: a precision, recall or F1
    of a class that was never predicted (or never meant) counts as 0, as scikit-learn's do.

    Parameters
    ----------
    top, bottom : array_like
        The counts above and below the line.

    Returns
    -------
    numpy.ndarray
        The ratios, float64.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1), 0.0)
