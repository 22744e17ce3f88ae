"""Makes kmeans.json: scikit-learn's k-means partitions, which Likeness's KMeans is checked against.

Made with numpy and scikit-learn (Python 3.11; scikit-learn 1.9.1, not among the test requirements):

    .venv/bin/python Tests/LikenessTests/Fixtures/make_kmeans_fixture.py

Each case holds N × D float32 rows (seeded normal blobs), k, and scikit-learn's best of 50
k-means++ runs (Lloyd, tolerance 0): its inertia Σ_i ‖x_i − c_{a(i)}‖² and its assignment.

- separated: 3 well-apart blobs in 2-d: one partition is optimal, and any good k-means finds it;
- overlapping: 5 blobs in 4-d whose spreads overlap, k = 5: local optima differ, so only the
  inertia is compared;
- unit: 4 blobs on the unit sphere in 8-d (rows normalised, as embeddings are), k = 4.
"""
import json
import os

import numpy as np
from sklearn.cluster import KMeans

OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kmeans.json")


def blobs(rng, centres, per, spread):
    rows = np.concatenate([c + spread * rng.standard_normal((per, len(c))) for c in centres])
    return rows.astype(np.float32)


def case(name, rows, k):
    fit = KMeans(k, n_init=50, tol=0, random_state=0, algorithm="lloyd").fit(rows.astype(np.float64))
    return {"name": name, "dimension": int(rows.shape[1]), "k": k, "rows": [float(x) for x in rows.ravel()],
            "inertia": float(fit.inertia_), "assignment": [int(a) for a in fit.labels_]}


def main():
    rng = np.random.default_rng(7)
    separated = blobs(rng, np.array([[0, 0], [10, 0], [0, 10]], dtype=float), 20, 1.0)
    overlapping = blobs(rng, rng.standard_normal((5, 4)) * 2, 40, 1.0)
    unit = blobs(rng, np.eye(8)[:4] * 1.0, 30, 0.25)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    cases = [case("separated", separated, 3), case("overlapping", overlapping, 5), case("unit", unit, 4)]
    with open(OUTPUT, "w") as f:
        json.dump({"cases": cases}, f)
    print(f"wrote {OUTPUT}: " + ", ".join(f"{c['name']} inertia {c['inertia']:.4f}" for c in cases))


if __name__ == "__main__":
    main()
