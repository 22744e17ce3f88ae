"""Makes metrics.json: scikit-learn's classification metrics that Likeness's ClassificationReport,
ROCCurve, PrecisionRecallCurve and OperatingPoint are checked against (to 1e-9).

Made with scikit-learn 1.9.1, numpy 2.4.6, scipy 1.17.1 (Python 3.11):

    python3 -m venv /tmp/skl && /tmp/skl/bin/pip install scikit-learn==1.9.1 numpy==2.4.6 scipy==1.17.1
    /tmp/skl/bin/python make_metrics_fixture.py     # writes metrics.json beside this script

Each case has C classes (labels 0..C-1), true labels, predicted labels (null = "unknown", the
embedding classifier's rejection; scikit-learn sees it as label -1) and an N x C score matrix
(higher = more likely the class). Recorded, all with labels=range(C) where a function takes labels:

- per class and averaged: classification_report(output_dict=True, zero_division=0) -> precision,
  recall, f1-score, support per class; "macro avg" and "weighted avg";
- accuracy_score, balanced_accuracy_score, matthews_corrcoef (unknown = label -1, one more class);
- geometric_mean_recall: scipy.stats.gmean of recall_score(average=None) over the classes present
  in the true labels (Likeness's definition; imbalanced-learn's differs when a class is only predicted);
- confusion_matrix with labels range(C) (+ [-1] as a last "unknown" column when a prediction is
  unknown; its all-zero row is dropped);
- roc_auc_score and average_precision_score of each class against the rest on its score column,
  null where the class is absent from the true labels (scikit-learn warns and gives nan);
  roc_auc_score(multi_class="ovr", average="macro") where scikit-learn computes it (every class present,
  rows summing to 1), else null; macro_defined: the mean of the defined per-class values;
- roc_curve(drop_intermediate=False) and precision_recall_curve of every class with a defined AUC;
  roc_curve's first threshold (inf) is left out: Likeness's ROCCurve has one threshold per point after
  the (0, 0) corner;
- operating points of one class against the rest: the highest threshold (an observed score) whose
  recall reaches a target, the lowest whose precision reaches one, read off precision_recall_curve,
  with confusion_matrix(positive, score >= threshold).
"""
import json
import math
import os
import sys

import numpy as np
import scipy
import sklearn
from scipy.stats import gmean
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    classification_report,
    confusion_matrix,
    matthews_corrcoef,
    precision_recall_curve,
    recall_score,
    roc_auc_score,
    roc_curve,
)

PINNED = {"scikit-learn": "1.9.1", "numpy": "2.4.6", "scipy": "1.17.1"}
OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "metrics.json")
UNKNOWN = -1
RECALL_TARGETS = [0.5, 0.9, 1.0]
PRECISION_TARGETS = [0.5, 0.8]

rng = np.random.default_rng(20250605)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def noisy_probabilities(labels, class_count, signal, offsets=None):
    logits = rng.normal(size=(len(labels), class_count))
    logits[np.arange(len(labels)), labels] += signal
    if offsets is not None:
        logits += np.asarray(offsets)
    return softmax(logits)


def random_case():
    """Five classes, probabilities from noisy logits, argmax predictions."""
    y = rng.integers(0, 5, size=48)
    p = noisy_probabilities(y, 5, 1.5)
    return "random", y, p.argmax(axis=1), p


def tied_case():
    """Four classes, probabilities rounded to one decimal: many tied scores in every column."""
    y = rng.integers(0, 4, size=40)
    p = noisy_probabilities(y, 4, 1.2)
    return "tied_scores", y, p.argmax(axis=1), np.round(p, 1)


def unpredicted_class_case():
    """Four classes; class 2 is never predicted (argmax over the other columns)."""
    y = rng.integers(0, 4, size=36)
    p = noisy_probabilities(y, 4, 1.5)
    masked = p.copy()
    masked[:, 2] = -1
    return "class_never_predicted", y, masked.argmax(axis=1), p


def absent_class_case():
    """Five classes; class 3 is absent from the true labels but predicted now and then."""
    y = rng.choice([0, 1, 2, 4], size=40)
    p = noisy_probabilities(y, 5, 1.5, offsets=[0, 0, 0, 0.8, 0])
    pred = p.argmax(axis=1)
    assert (pred == 3).any()
    return "class_absent_from_truth", y, pred, p


def binary_case():
    """Two classes, imbalanced 1 : 3."""
    y = (rng.random(size=32) < 0.25).astype(int)
    p = noisy_probabilities(y, 2, 1.0)
    return "binary", y, p.argmax(axis=1), p


def unknown_case():
    """Four classes scored by minus the distance to each class's prototype (unit vectors in 3-d),
    answered "unknown" when the nearest prototype is farther than 0.9."""
    prototypes = rng.normal(size=(4, 3))
    prototypes /= np.linalg.norm(prototypes, axis=1, keepdims=True)
    y = rng.integers(0, 4, size=40)
    q = prototypes[y] + 0.5 * rng.normal(size=(40, 3))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    d = np.linalg.norm(q[:, None, :] - prototypes[None, :, :], axis=2)
    pred = np.where(d.min(axis=1) <= 0.9, d.argmin(axis=1), UNKNOWN)
    assert (pred == UNKNOWN).any() and (pred != UNKNOWN).any()
    return "unknown_answers", y, pred, -d


def curves(positive, scores):
    fpr, tpr, roc_thresholds = roc_curve(positive, scores, drop_intermediate=False)
    assert roc_thresholds[0] == np.inf
    precision, recall, pr_thresholds = precision_recall_curve(positive, scores)
    return {
        "roc": {
            "false_positive_rates": fpr.tolist(),
            "true_positive_rates": tpr.tolist(),
            "thresholds": roc_thresholds[1:].tolist(),
        },
        "precision_recall": {
            "precisions": precision.tolist(),
            "recalls": recall.tolist(),
            "thresholds": pr_thresholds.tolist(),
        },
    }


def operating_point(kind, target, positive, scores):
    precision, recall, thresholds = precision_recall_curve(positive, scores)
    # The last precision/recall pair (1, 0) has no threshold.
    if kind == "recall":
        reached = [t for t, r in zip(thresholds, recall[:-1]) if r >= target]
        threshold = max(reached) if reached else None
    else:
        reached = [t for t, p in zip(thresholds, precision[:-1]) if p >= target]
        threshold = min(reached) if reached else None
    point = {"kind": kind, "target": target, "threshold": None}
    if threshold is not None:
        tn, fp, fn, tp = confusion_matrix(positive, scores >= threshold, labels=[False, True]).ravel()
        point.update(threshold=float(threshold), true_positives=int(tp), false_positives=int(fp),
                     false_negatives=int(fn), true_negatives=int(tn))
    return point


def record(name, y, pred, scores):
    class_count = scores.shape[1]
    labels = list(range(class_count))
    has_unknown = bool((pred == UNKNOWN).any())
    report = classification_report(y, pred, labels=labels, output_dict=True, zero_division=0)
    present = sorted(set(y.tolist()))

    def averages(key):
        entry = report[key]
        return {"precision": entry["precision"], "recall": entry["recall"], "f1": entry["f1-score"]}

    per_class = []
    for c in labels:
        entry = report[str(c)]
        positive = y == c
        defined = bool(positive.any() and not positive.all())
        per_class.append({
            "precision": entry["precision"],
            "recall": entry["recall"],
            "f1": entry["f1-score"],
            "support": int(entry["support"]),
            "roc_auc": roc_auc_score(positive, scores[:, c]) if defined else None,
            "average_precision": average_precision_score(positive, scores[:, c]) if positive.any() else None,
            "curves": curves(positive, scores[:, c]) if defined else None,
        })
    defined_auc = [e["roc_auc"] for e in per_class if e["roc_auc"] is not None]
    defined_ap = [e["average_precision"] for e in per_class if e["average_precision"] is not None]
    try:
        macro_auc = roc_auc_score(y, scores, multi_class="ovr", average="macro", labels=labels)
        # scikit-learn's one-vs-rest macro AUC is the mean of the per-class AUCs.
    except ValueError:  # rows not summing to 1, or a binary task
        macro_auc = None
    if macro_auc is not None and math.isnan(macro_auc):  # a class absent from the true labels
        macro_auc = None
    if macro_auc is not None:
        # scikit-learn's one-vs-rest macro AUC is the mean of the per-class AUCs.
        assert abs(macro_auc - np.mean(defined_auc)) < 1e-12

    cm_labels = labels + ([UNKNOWN] if has_unknown else [])
    cm = confusion_matrix(y, pred, labels=cm_labels)[:class_count]
    recalls = recall_score(y, pred, labels=present, average=None, zero_division=0)

    # One class against the rest: the rarest present class with both positives and negatives.
    counts = {c: int((y == c).sum()) for c in present if (y == c).sum() < len(y)}
    focus = min(counts, key=lambda c: (counts[c], c))
    positive = y == focus
    points = [operating_point("recall", t, positive, scores[:, focus]) for t in RECALL_TARGETS]
    points += [operating_point("precision", t, positive, scores[:, focus]) for t in PRECISION_TARGETS]

    return {
        "name": name,
        "class_count": class_count,
        "true_labels": y.tolist(),
        "predicted_labels": [None if p == UNKNOWN else int(p) for p in pred],
        "scores": scores.tolist(),
        "per_class": per_class,
        "macro": averages("macro avg"),
        "weighted": averages("weighted avg"),
        "accuracy": accuracy_score(y, pred),
        "balanced_accuracy": balanced_accuracy_score(y, pred),
        "matthews_corrcoef": matthews_corrcoef(y, pred),
        "geometric_mean_recall": float(gmean(recalls)),
        "confusion_matrix": cm.tolist(),
        "has_unknown_column": has_unknown,
        "macro_roc_auc_sklearn": macro_auc,
        "macro_roc_auc_defined": float(np.mean(defined_auc)),
        "macro_average_precision_defined": float(np.mean(defined_ap)),
        "operating_points": {"class": int(focus), "points": points},
    }


def main():
    versions = {"scikit-learn": sklearn.__version__, "numpy": np.__version__, "scipy": scipy.__version__}
    if versions != PINNED:
        sys.exit(f"expected {PINNED}, found {versions}: install the pinned versions (see the header)")
    cases = [random_case(), tied_case(), unpredicted_class_case(), absent_class_case(), binary_case(), unknown_case()]
    fixture = {
        "versions": versions,
        "cases": [record(*case) for case in cases],
    }
    with open(OUTPUT + ".tmp", "w") as f:
        json.dump(fixture, f, allow_nan=False, separators=(",", ":"))
        f.write("\n")
    os.replace(OUTPUT + ".tmp", OUTPUT)


if __name__ == "__main__":
    main()
