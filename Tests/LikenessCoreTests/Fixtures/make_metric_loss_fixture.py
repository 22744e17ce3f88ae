"""Writes metric_losses.json: pytorch-metric-learning's MultiSimilarityLoss and CosFaceLoss
on small batches, which MultiSimilarityLoss and CosineMarginProxyLoss are checked against
(MetricLossTests.swift, "Parity with pytorch-metric-learning").

Re-run (from this folder, with a venv holding the pinned torch, numpy and
pytorch-metric-learning of Benchmarks/peers/requirements.txt):

    python3 -m venv /tmp/likeness-venv
    /tmp/likeness-venv/bin/pip install -r ../../../Benchmarks/peers/requirements.txt
    /tmp/likeness-venv/bin/python make_metric_loss_fixture.py

Contents (every tensor is {"shape": [...], "data": base64 of little-endian float32, row-major}):

- "embeddings": 10 random unit rows of dimension 6; "labels": three classes of three and a
  class of one (an anchor without positives).
- "multi_similarity", "multi_similarity_mined", "multi_similarity_gentle": MultiSimilarityLoss
  with pml's defaults (alpha 2, beta 50, base 0.5); the same with MultiSimilarityMiner(epsilon
  0.1)'s pairs; alpha 1, beta 10, base 0.3. Recorded: the parameters, the loss, and the gradient
  with respect to the embeddings.
- "cosface", "cosface_gentle": CosFaceLoss(num_classes 4, embedding_size 6) with margin 0.35,
  scale 64 (pml's defaults) and margin 0.2, scale 8, on the same rows and labels; "proxies" is
  pml's W transposed, [classes, dimension], rows of any length.
  Recorded: the loss and the gradients with respect to the embeddings and the proxies (also
  transposed).

pml's CosineSimilarity normalises the rows inside the loss, so its embedding gradient is the
gradient with respect to the normalised rows projected on each row's tangent plane,
(I − x xᵀ) g for unit x; LikenessCore's losses take the rows as given and return g itself.

Every number is computed in float32 and again in float64; the script fails if they disagree
beyond float32 rounding, so the fixture does not record an unstable value.
"""

import json
import os

import numpy as np
import torch
import pytorch_metric_learning
from pytorch_metric_learning.losses import CosFaceLoss, MultiSimilarityLoss
from pytorch_metric_learning.miners import MultiSimilarityMiner

from fixture_encoding import check_stable, encode

OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "metric_losses.json")
LABELS = [0, 0, 0, 1, 1, 1, 2, 2, 2, 3]
MULTI_SIMILARITY_CASES = {
    "multi_similarity": dict(alpha=2.0, beta=50.0, base=0.5, epsilon=None),
    "multi_similarity_mined": dict(alpha=2.0, beta=50.0, base=0.5, epsilon=0.1),
    "multi_similarity_gentle": dict(alpha=1.0, beta=10.0, base=0.3, epsilon=None),
}
COSFACE_CASES = {
    "cosface": dict(margin=0.35, scale=64.0),
    "cosface_gentle": dict(margin=0.2, scale=8.0),
}


def multi_similarity_case(embeddings, labels, dtype, alpha, beta, base, epsilon):
    x = torch.tensor(embeddings, dtype=dtype, requires_grad=True)
    y = torch.tensor(labels)
    loss_function = MultiSimilarityLoss(alpha=alpha, beta=beta, base=base)
    pairs = MultiSimilarityMiner(epsilon=epsilon)(x, y) if epsilon is not None else None
    loss = loss_function(x, y, pairs)
    loss.backward()
    return {"loss": loss.item(), "embedding_gradient": x.grad.numpy()}


def cosface_case(embeddings, labels, proxies, dtype, margin, scale):
    x = torch.tensor(embeddings, dtype=dtype, requires_grad=True)
    y = torch.tensor(labels)
    loss_function = CosFaceLoss(num_classes=proxies.shape[0], embedding_size=proxies.shape[1], margin=margin, scale=scale)
    with torch.no_grad():
        loss_function.W.copy_(torch.tensor(proxies.T, dtype=torch.float32))
    loss_function = loss_function.to(dtype)
    loss = loss_function(x, y)
    loss.backward()
    return {"loss": loss.item(), "embedding_gradient": x.grad.numpy(), "proxy_gradient": loss_function.W.grad.numpy().T}


def main():
    rng = np.random.default_rng(20261205)
    embeddings = rng.standard_normal((len(LABELS), 6))
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    embeddings = embeddings.astype(np.float32)
    # Proxies near the first rows of their classes, so that the scale-64 softmax is not saturated everywhere.
    proxies = (embeddings[[0, 3, 6, 9]] * 1.5 + 0.8 * rng.standard_normal((4, 6))).astype(np.float32)

    fixture = {
        "versions": {"torch": torch.__version__, "pytorch_metric_learning": pytorch_metric_learning.__version__,
                     "numpy": np.__version__},
        "embeddings": encode(embeddings),
        "labels": LABELS,
        "proxies": encode(proxies),
    }
    for name, parameters in MULTI_SIMILARITY_CASES.items():
        cases = {dtype: multi_similarity_case(embeddings.astype(np.float64), LABELS, dtype, **parameters)
                 for dtype in (torch.float32, torch.float64)}
        for key in cases[torch.float64]:
            check_stable(f"{name}.{key}", cases[torch.float32][key], cases[torch.float64][key])
        fixture[name] = {**{k: v for k, v in parameters.items()}, "loss": cases[torch.float64]["loss"],
                         "embedding_gradient": encode(cases[torch.float64]["embedding_gradient"])}
    for name, parameters in COSFACE_CASES.items():
        cases = {dtype: cosface_case(embeddings.astype(np.float64), LABELS, proxies, dtype, **parameters)
                 for dtype in (torch.float32, torch.float64)}
        for key in cases[torch.float64]:
            check_stable(f"{name}.{key}", cases[torch.float32][key], cases[torch.float64][key])
        fixture[name] = {**parameters, "loss": cases[torch.float64]["loss"],
                         "embedding_gradient": encode(cases[torch.float64]["embedding_gradient"]),
                         "proxy_gradient": encode(cases[torch.float64]["proxy_gradient"])}
        print(f"{name}: loss {fixture[name]['loss']:.6f}")
    for name in MULTI_SIMILARITY_CASES:
        print(f"{name}: loss {fixture[name]['loss']:.6f}")

    with open(OUTPUT, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
