"""Makes resampling.json: the class counts imbalanced-learn's samplers give for each sampling
strategy, and scikit-learn's balanced class weights, for LikenessDataTests.

    python3 -m venv /tmp/imb && /tmp/imb/bin/pip install imbalanced-learn
    /tmp/imb/bin/python make_resampling_fixture.py > resampling.json

Each label set lists its labels in a shuffled order and its class count (a class index past the
last present class has no image: imbalanced-learn never sees it, Likeness must ignore it).
Each case gives the sampler, the strategy, the counts per class after resampling, or
"error": the message imbalanced-learn raised (Likeness must throw too).
"""
import json
import os
import sys

# Some messages list a set of strings: fix the string hash so that the output is reproducible.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)

import imblearn
import numpy as np
import sklearn
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.under_sampling import RandomUnderSampler
from sklearn.utils.class_weight import compute_class_weight

LABEL_SETS = {
    # Five present classes, and class 5 with no image.
    "multiclass": {"counts": [50, 20, 8, 30, 14], "class_count": 6},
    # Minority is class 0.
    "binary": {"counts": [12, 40], "class_count": 2},
    # Ties for the smallest and the largest class: imbalanced-learn picks the lowest label.
    "ties": {"counts": [10, 25, 10, 25], "class_count": 4},
}

NAMED = ["auto", "minority", "majority", "not minority", "not majority", "all"]

STRATEGIES = {
    "multiclass": NAMED + [
        {0: 50, 2: 30, 4: 44},      # valid for over-sampling
        {0: 10, 3: 5},              # valid for under-sampling
        {1: 20},                    # no change
        {5: 10},                    # class without images
        {2: -1},                    # negative count
        0.5,                        # ratio with more than two classes
    ],
    "binary": NAMED + [0.5, 0.8, 1.0, 0.25, 0.2, 1.5, {0: 30}, {1: 12}],
    "ties": NAMED + [{0: 25, 2: 13}],
}


def labels_of(counts, seed):
    y = np.concatenate([np.full(n, c) for c, n in enumerate(counts)])
    return np.random.default_rng(seed).permutation(y)


def encode(strategy):
    if isinstance(strategy, str):
        return {"kind": strategy}
    if isinstance(strategy, dict):
        return {"kind": "counts", "counts": {str(k): v for k, v in strategy.items()}}
    return {"kind": "ratio", "ratio": strategy}


def main():
    cases, label_sets, weights = [], {}, []
    for name, spec in LABEL_SETS.items():
        y = labels_of(spec["counts"], seed=len(name))
        label_sets[name] = {"class_count": spec["class_count"], "labels": y.tolist()}
        X = np.random.default_rng(7).normal(size=(len(y), 3))
        samplers = [
            ("over", lambda s: RandomOverSampler(sampling_strategy=s, random_state=0)),
            ("under", lambda s: RandomUnderSampler(sampling_strategy=s, random_state=0)),
            ("smote", lambda s: SMOTE(sampling_strategy=s, k_neighbors=5, random_state=0)),
        ]
        for kind, make in samplers:
            for strategy in STRATEGIES[name]:
                case = {"labels": name, "sampler": kind, "neighbours": 5, "strategy": encode(strategy)}
                try:
                    _, y_res = make(strategy).fit_resample(X, y)
                    case["counts"] = np.bincount(y_res, minlength=spec["class_count"]).tolist()
                except ValueError as error:
                    case["error"] = str(error)
                cases.append(case)
        present = np.unique(y)
        weights.append({
            "labels": name,
            "weights": compute_class_weight("balanced", classes=present, y=y).tolist(),
        })
    # SMOTE needs k + 1 images in each class it grows: class 2 has 8.
    y = np.array(label_sets["multiclass"]["labels"])
    X = np.random.default_rng(7).normal(size=(len(y), 3))
    for k in (7, 8):
        case = {"labels": "multiclass", "sampler": "smote", "neighbours": k, "strategy": encode("auto")}
        try:
            _, y_res = SMOTE(k_neighbors=k, random_state=0).fit_resample(X, y)
            case["counts"] = np.bincount(y_res, minlength=6).tolist()
        except ValueError as error:
            case["error"] = str(error)
        cases.append(case)

    # One case, label set or weight list a line, so that a change to the fixture reads as a diff.
    def lines(items):
        return ",\n".join("  " + json.dumps(item) for item in items)

    made_by = (f"make_resampling_fixture.py with imbalanced-learn {imblearn.__version__}, "
               f"scikit-learn {sklearn.__version__}")
    sys.stdout.write("{\n")
    sys.stdout.write(f' "made_by": {json.dumps(made_by)},\n')
    sys.stdout.write(' "label_sets": {\n')
    sys.stdout.write(",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in label_sets.items()))
    sys.stdout.write("\n },\n")
    sys.stdout.write(f' "cases": [\n{lines(cases)}\n ],\n')
    sys.stdout.write(f' "balanced_class_weights": [\n{lines(weights)}\n ]\n')
    sys.stdout.write("}\n")


if __name__ == "__main__":
    main()
