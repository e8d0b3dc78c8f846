"""Metrics: how good the outputs are, in numbers a person reads.

The loss is what training lowers; a metric is what a person asks: how many answers were right
(accuracy), how far off the numbers were (MAE, MSE, R²), how often a class said was the class
meant (precision) and how often the class meant was found (recall).

Two kinds of use, one implementation:

- while training, ``fit`` scores every batch: each metric adds up a few sums over the batch's
  rows (``Metric.sums``) and turns their total into a score at the end of the epoch
  (``Metric.value``). Sums add up over batches, chunks and a cluster's partitions alike, so an
  epoch's accuracy is that of all its rows, not a mean of batch accuracies;
- on predictions already made (labels, numbers), ``classification_report`` and
  ``regression_report`` give every score at once, as ``TabularModel.evaluate`` and
  ``neuronet evaluate`` show them.
"""

from __future__ import annotations

import numpy as np

from ._text import printable

# --- metrics while training ---------------------------------------------------------------------


class Metric:
    """A score of a network's outputs against targets, added up batch by batch.

    ``sums(outputs, targets, labels)`` gives a small vector of sums over a batch (``labels``:
    the batch's classes as integers when the targets are class labels, else None);
    ``value(total)`` turns the total of those vectors over many batches into the score."""

    name = ""

    def sums(self, outputs, targets, labels=None) -> np.ndarray:
        raise NotImplementedError

    def value(self, total) -> float:
        raise NotImplementedError

    def __call__(self, outputs, targets, labels=None) -> float:
        """The score of one batch on its own."""
        return self.value(self.sums(outputs, targets, labels))

    def __repr__(self) -> str:
        return f"<metric {self.name}>"


def _classes_of(outputs, targets, labels, argmax):
    """(predicted classes, true classes) of a batch with one class per row, or None when the
    outputs are independent yes/no answers."""
    if labels is not None:
        return outputs.argmax(axis=1), labels
    if argmax:
        return outputs.argmax(axis=1), targets.argmax(axis=1)
    return None


def _one_hot_rows(targets) -> bool:
    return targets.shape[1] > 1 and bool(np.allclose(targets.sum(axis=1), 1))


class Accuracy(Metric):
    """Share of right answers: the largest output against the target's class when there are
    several outputs and one class per row; output > 0.5 against target > 0.5 otherwise (one
    output, or independent yes/no outputs, each answer counted)."""

    name = "accuracy"

    def __init__(self, argmax: bool = False):
        self.argmax = argmax

    def sums(self, outputs, targets, labels=None):
        pair = _classes_of(outputs, targets, labels, self.argmax)
        if pair is not None:
            return np.array([np.count_nonzero(pair[0] == pair[1]), len(pair[1])], float)
        return np.array([np.count_nonzero((outputs > 0.5) == (targets > 0.5)), outputs.size],
                        float)

    def value(self, total):
        return float(total[0] / total[1])


class MeanAbsoluteError(Metric):
    """Mean of ``|output - target|`` over every output of every row."""

    name = "mae"

    def sums(self, outputs, targets, labels=None):
        return np.array([np.abs(outputs - targets).sum(), outputs.size])

    def value(self, total):
        return float(total[0] / total[1])


class MeanSquaredError(Metric):
    """Mean of (output - target)² over every output of every row."""

    name = "mse"

    def sums(self, outputs, targets, labels=None):
        error = outputs - targets
        return np.array([np.vdot(error, error), outputs.size])

    def value(self, total):
        return float(total[0] / total[1])


class R2(Metric):
    """The coefficient of determination, 1 - (squared error) / (squared spread of the targets):
    1 is perfect, 0 no better than always answering the mean. With several outputs, the mean
    of each output's R² (as scikit-learn's default). NaN for a target without spread."""

    name = "r2"

    def sums(self, outputs, targets, labels=None):
        targets = np.asarray(targets, dtype=np.float64)
        error = outputs - targets
        return np.concatenate([targets.sum(axis=0), np.square(targets).sum(axis=0),
                               np.square(error).sum(axis=0), [len(targets)]])

    def value(self, total):
        k = (len(total) - 1) // 3
        y, y2, e2, n = total[:k], total[k:2 * k], total[2 * k:3 * k], total[-1]
        spread = y2 - y * y / n
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = np.where(spread > 0, 1 - e2 / spread, np.nan)
        return float(np.mean(scores))


class _ClassCounts(Metric):
    """Per-class counts of true positives, false positives and false negatives, for precision,
    recall and F1 (the mean over classes, each class counting the same: the macro average; for
    one yes/no output, the scores of its "yes")."""

    def __init__(self, argmax: bool = False, n_classes: int | None = None):
        self.argmax, self.n_classes = argmax, n_classes

    def sums(self, outputs, targets, labels=None):
        pair = _classes_of(outputs, targets, labels, self.argmax)
        if pair is not None:
            k = self.n_classes or outputs.shape[1]
            matrix = confusion_matrix(pair[1], pair[0], k)
            tp = np.diag(matrix)
            return np.concatenate([tp, matrix.sum(axis=0) - tp, matrix.sum(axis=1) - tp])
        said, meant = outputs > 0.5, targets > 0.5
        return np.concatenate([(said & meant).sum(axis=0), (said & ~meant).sum(axis=0),
                               (~said & meant).sum(axis=0)]).astype(float)

    def _counts(self, total):
        k = len(total) // 3
        return total[:k], total[k:2 * k], total[2 * k:]


def _ratio(top, bottom):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1), 0.0)


class Precision(_ClassCounts):
    """Of the rows given a class, the share that truly are of it (macro average over classes;
    a class never predicted scores 0)."""

    name = "precision"

    def value(self, total):
        tp, fp, _ = self._counts(total)
        return float(np.mean(_ratio(tp, tp + fp)))


class Recall(_ClassCounts):
    """Of the rows of a class, the share given that class (macro average over classes)."""

    name = "recall"

    def value(self, total):
        tp, _, fn = self._counts(total)
        return float(np.mean(_ratio(tp, tp + fn)))


class F1(_ClassCounts):
    """The harmonic mean of precision and recall, class by class, then their mean."""

    name = "f1"

    def value(self, total):
        tp, fp, fn = self._counts(total)
        return float(np.mean(_ratio(2 * tp, 2 * tp + fp + fn)))


#: The metrics ``fit`` and ``evaluate`` know by name.
METRICS = {cls.name: cls for cls in (Accuracy, MeanAbsoluteError, MeanSquaredError, R2,
                                     Precision, Recall, F1)}


def names_for(metrics, loss) -> list:
    """The metric names of ``metrics`` (a name, a list of names or None: accuracy for a loss
    on probabilities, none otherwise), checked; ValueError for an unknown one."""
    if metrics is None:
        metrics = ["accuracy"] if loss.fused_activation in ("sigmoid", "softmax") else []
    if isinstance(metrics, str):
        metrics = [metrics]
    metrics = list(metrics)
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        known = ", ".join(repr(m) for m in METRICS)
        raise ValueError(f"unknown metric {unknown[0]!r}; expected one of {known}")
    return metrics


def build(names, targets) -> dict:
    """The metric objects for ``names`` on the targets ``targets`` (a ``targets.Targets``):
    whether the targets are one class per row is settled here, once, not at every batch."""
    table, codes = targets
    argmax = codes is None and _one_hot_rows(table)
    built = {}
    for name in names:
        cls = METRICS[name]
        if cls in (Accuracy, Precision, Recall, F1):
            built[name] = cls(argmax) if cls is Accuracy else cls(argmax, table.shape[1])
        else:
            built[name] = cls()
    return built


def accuracy(outputs, targets, labels=None) -> float:
    """Share of right answers of ``outputs`` against ``targets`` (see ``Accuracy``)."""
    targets = np.asarray(targets)
    return Accuracy(labels is None and _one_hot_rows(targets))(outputs, targets, labels)


def mean_absolute_error(outputs, targets, labels=None) -> float:
    """Mean of ``|outputs - targets|``."""
    return MeanAbsoluteError()(np.asarray(outputs), np.asarray(targets))


def mean_squared_error(outputs, targets, labels=None) -> float:
    """Mean of (outputs - targets)²."""
    return MeanSquaredError()(np.asarray(outputs, float), np.asarray(targets, float))


def r2_score(truth, predictions) -> float:
    """R² of ``predictions`` against ``truth`` (1-D or one column per output)."""
    truth = np.asarray(truth, dtype=np.float64)
    predictions = np.asarray(predictions, dtype=np.float64)
    if truth.ndim == 1:
        truth, predictions = truth[:, None], predictions.reshape(-1, 1)
    return R2()(predictions, truth)


# --- scores of predictions already made ----------------------------------------------------------


def confusion_matrix(truth, predicted, n_classes: int) -> np.ndarray:
    """Counts of (true class, predicted class) pairs: row i, column j counts the rows of class
    i predicted as j. ``truth`` and ``predicted`` are class indices from 0 to n_classes - 1."""
    truth = np.asarray(truth, dtype=np.int64)
    predicted = np.asarray(predicted, dtype=np.int64)
    flat = np.bincount(truth * n_classes + predicted, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes)


def log_loss(truth, probabilities) -> float:
    """Mean of -log(probability given to the true class); ``truth`` holds class indices.
    Probabilities are clipped to [eps, 1] so that a confident mistake costs a large but finite
    amount."""
    p = np.asarray(probabilities, dtype=np.float64)[np.arange(len(truth)), truth]
    return float(-np.mean(np.log(np.clip(p, np.finfo(np.float64).eps, 1.0))))


def roc_auc(truth, probabilities) -> float:
    """The area under the ROC curve: the chance that a row of a class is given a higher
    probability of it than a row of another class (ties count half). For more than two classes,
    the mean over classes of each class against the rest; classes absent from ``truth`` or
    present in every row are skipped. NaN when no class can be scored."""
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
    also "log_loss" and "roc_auc" (on the rows of known classes). ``str(report)`` is the
    report that ``neuronet evaluate`` prints."""

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
    probabilities : optionally each class's probability for each row, shape (rows, classes):
        adds log loss and ROC AUC.
    """
    names = list(classes if truth_names is None else truth_names)
    truth = np.asarray(truth, dtype=object)
    codes = _positions(names, truth)
    guess = _positions(list(classes), np.asarray(predictions, dtype=object))
    k = len(classes)
    seen = codes >= 0
    matrix = confusion_matrix(codes[seen], guess[seen], k)
    tp = np.diag(matrix).astype(float)
    said, meant = matrix.sum(axis=0), matrix.sum(axis=1)
    report = ClassificationReport(
        rows=len(truth), accuracy=float(np.mean(codes == guess)), confusion=matrix,
        classes=list(classes), precision=_ratio(tp, said).tolist(),
        recall=_ratio(tp, meant).tolist(), f1=_ratio(2 * tp, said + meant).tolist(),
        support=meant.tolist(), unseen=int((~seen).sum()),
        unseen_classes=sorted(set(truth[~seen].tolist())))
    if probabilities is not None and seen.any():
        p = np.asarray(probabilities, dtype=np.float64)[seen]
        report["log_loss"] = log_loss(codes[seen], p)
        report["roc_auc"] = roc_auc(codes[seen], p)
    return report


def regression_report(truth, predictions) -> RegressionReport:
    """Mean squared and absolute errors, their root, and R² of ``predictions`` against
    ``truth`` (1-D arrays of numbers)."""
    truth = np.asarray(truth, dtype=np.float64)
    error = np.asarray(predictions, dtype=np.float64) - truth
    mse = float(np.mean(error**2))
    spread = float(np.sum((truth - truth.mean()) ** 2))
    return RegressionReport(rows=len(truth), mse=mse, rmse=float(np.sqrt(mse)),
                            mae=float(np.mean(np.abs(error))),
                            r2=1 - float(np.sum(error**2)) / spread if spread > 0
                            else float("nan"))


def _positions(names, values) -> np.ndarray:
    """The index of each value among ``names``, -1 for a value not among them."""
    index = {name: i for i, name in enumerate(names)}
    return np.fromiter((index.get(v, -1) for v in values), dtype=np.int64, count=len(values))
