"""Makes retrieval.json: pytorch-metric-learning's retrieval measures that Likeness's
RetrievalMetrics is checked against (to 1e-6).

Made with pytorch-metric-learning 2.9.0, torch 2.15.0, faiss-cpu 1.15.1, numpy (Python 3.11), in a
throw-away environment outside the repository (the Swift test reads only the JSON):

    python3 -m venv /tmp/pml && /tmp/pml/bin/pip install pytorch-metric-learning==2.9.0 faiss-cpu==1.15.1
    /tmp/pml/bin/python make_retrieval_fixture.py     # writes retrieval.json beside this script

Each case holds N float32 embeddings of dimension 8 (seeded, unit length), their labels in
0..C-1 and what AccuracyCalculator (defaults: avg_of_avgs=False, k=None, faiss's exact L2 search)
gives for get_accuracy(x, labels), the embeddings searched against themselves with each query left
out (ref_includes_query):

- overall: precision_at_1, r_precision, mean_average_precision_at_r (null where pml gives NaN:
  every query alone in its class);
- per_class: the same with return_per_class=True, as {label: value} over the labels pml lists
  (a class with a single sample is a "lone" query label: pml leaves it out, overall too).

Every case is tie-free: for every query, the distances to the other embeddings (in float64 from the
float32 values) differ pairwise by more than 1e-5, so any exact search ranks them alike.
"""
import json
import math
import os

import numpy as np
import pytorch_metric_learning
import torch
import faiss
from pytorch_metric_learning.utils.accuracy_calculator import AccuracyCalculator

OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "retrieval.json")
MEASURES = ["precision_at_1", "r_precision", "mean_average_precision_at_r"]
GAP = 1e-5


def unit(x):
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def tie_free(x):
    d = np.sqrt(((x[:, None, :].astype(np.float64) - x[None, :, :].astype(np.float64)) ** 2).sum(-1))
    for i in range(len(x)):
        others = np.sort(np.delete(d[i], i))
        if len(others) > 1 and np.diff(others).min() <= GAP:
            return False
    return True


def draw(seed, sizes, spread):
    """Unit embeddings around one random centre per class (`spread` 0: none), shuffled; redrawn
    with the next seed until tie-free."""
    while True:
        rng = np.random.default_rng(seed)
        centres = rng.normal(size=(len(sizes), 8))
        labels = np.concatenate([np.full(n, c) for c, n in enumerate(sizes)])
        x = unit(spread * centres[labels] + rng.normal(size=(len(labels), 8)))
        order = rng.permutation(len(labels))
        x, labels = x[order], labels[order]
        if tie_free(x):
            return seed, x, labels
        seed += 1000


def measured(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def case(name, seed, sizes, spread):
    seed, x, labels = draw(seed, sizes, spread)
    embeddings, targets = torch.from_numpy(x), torch.from_numpy(labels)
    overall = AccuracyCalculator(include=tuple(MEASURES)).get_accuracy(embeddings, targets)
    per_class = AccuracyCalculator(include=tuple(MEASURES), return_per_class=True).get_accuracy(embeddings, targets)
    counts = np.bincount(labels, minlength=len(sizes))
    listed = [c for c in range(len(sizes)) if counts[c] > 1]  # the labels pml's per-class lists follow
    entry = {
        "name": name,
        "seed": seed,
        "class_count": len(sizes),
        "labels": labels.tolist(),
        "embeddings": [[float(v) for v in row] for row in x],
        "overall": {m: measured(overall[m]) for m in MEASURES},
        "per_class": {},
    }
    for m in MEASURES:
        values = per_class[m]
        values = values if isinstance(values, list) else [values]
        if listed:
            assert len(values) == len(listed), (name, m, values, listed)
            entry["per_class"][m] = {str(c): float(v) for c, v in zip(listed, values)}
        else:
            entry["per_class"][m] = {}
    return entry


def main():
    cases = [
        # Five classes of 20, 15, 12, 11 and 1 samples around their centres: middling measures,
        # and a class alone in its class that pml leaves out.
        case("clustered_with_singleton", 11, [20, 15, 12, 11, 1], 1.2),
        # Four classes of 15 with no structure: measures near chance.
        case("random", 23, [15, 15, 15, 15], 0.0),
        # Every class alone: nothing to retrieve (pml: NaN).
        case("all_alone", 37, [1, 1, 1, 1, 1], 0.0),
    ]
    fixture = {
        "versions": {
            "pytorch-metric-learning": pytorch_metric_learning.__version__,
            "torch": torch.__version__,
            "faiss": faiss.__version__,
            "numpy": np.__version__,
        },
        "cases": cases,
    }
    with open(OUTPUT, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    for c in cases:
        print(c["name"], c["overall"])


if __name__ == "__main__":
    main()
