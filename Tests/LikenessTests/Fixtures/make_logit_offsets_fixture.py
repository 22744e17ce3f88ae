"""Makes logit_offsets.json: the class-balanced cross-entropy and its minimising per-class logit
offsets, which Likeness's LogitOffsets is checked against.

Made with numpy and scipy (Python 3.11; scipy 1.17.1) from the repository's test environment
(Scripts/requirements-test.txt):

    .venv/bin/python Tests/LikenessTests/Fixtures/make_logit_offsets_fixture.py

Each case holds N × C float32 logits (seeded normal values, some columns shifted so that the
classes are imbalanced as a long-tailed training set leaves them), N labels in 0..C-1 and:

- loss_at_zero: L(0) = (1/|K|) Σ_{c∈K} (1/n_c) Σ_{i: y_i=c} −log softmax(z_i)_c, K the labels present;
- offsets: the b minimising L(b) subject to Σ_{c∈K} b_c = 0 and b_c = 0 for c outside K, found
  by scipy's L-BFGS-B on the |K| − 1 free offsets (gradient tolerance 1e-12), independently of
  Likeness's gradient descent;
- loss_at_offsets: L(b) there.
"""
import json
import os

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp

OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "logit_offsets.json")


def balanced_cross_entropy(logits, labels, offsets):
    counts = np.bincount(labels, minlength=logits.shape[1])
    log_p = logits + offsets - logsumexp(logits + offsets, axis=1, keepdims=True)
    per_image = -log_p[np.arange(len(labels)), labels]
    present = np.flatnonzero(counts)
    return float(np.mean([per_image[labels == c].mean() for c in present]))


def fitted_offsets(logits, labels):
    c = logits.shape[1]
    present = np.flatnonzero(np.bincount(labels, minlength=c))

    def offsets(free):
        b = np.zeros(c)
        b[present[:-1]] = free
        b[present[-1]] = -free.sum()
        return b

    result = minimize(lambda free: balanced_cross_entropy(logits, labels, offsets(free)), np.zeros(len(present) - 1),
                      method="L-BFGS-B", options={"gtol": 1e-12, "ftol": 1e-16, "maxiter": 10000})
    return offsets(result.x)


def case(name, seed, n, c, shifts, missing=()):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, c, size=n)
    for m in missing:
        labels[labels == m] = (m + 1) % c
    logits = rng.normal(size=(n, c)) * 2
    logits[np.arange(n), labels] += 2.5           # informative logits
    logits += np.asarray(shifts)                  # a classifier that over- and under-predicts some classes
    logits = logits.astype(np.float32).astype(np.float64)
    b = fitted_offsets(logits, labels)
    return {"name": name, "classes": c, "logits": [float(x) for x in logits.astype(np.float32).ravel()],
            "labels": labels.tolist(), "loss_at_zero": balanced_cross_entropy(logits, labels, np.zeros(c)),
            "offsets": b.tolist(), "loss_at_offsets": balanced_cross_entropy(logits, labels, b)}


cases = [
    case("three classes, one over-predicted", 1, 120, 3, [1.5, 0, -0.5]),
    case("five imbalanced classes", 2, 300, 5, [2, 1, 0, -1, -2]),
    case("a class without images", 3, 200, 4, [0.5, -1, 1, 0], missing=(2,)),
]
with open(OUTPUT, "w") as f:
    json.dump({"cases": cases}, f)
    f.write("\n")
print(f"wrote {OUTPUT}: " + "; ".join(f"{c['name']}: L {c['loss_at_zero']:.4f} → {c['loss_at_offsets']:.4f}" for c in cases))
