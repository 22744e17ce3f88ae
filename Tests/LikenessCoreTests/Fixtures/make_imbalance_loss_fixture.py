"""Writes imbalance_losses.json: the losses of the PyTorch accuracy peer
(Benchmarks/peers/pytorch_accuracy.py, imported from there) on a small fixed batch, which
LogitAdjustedCrossEntropy and LDAMLoss are checked against (PyTorchParityTests.swift,
"Parity with the PyTorch accuracy peer"), so that the peer's recipes train on Likeness's losses.

Re-run (from this folder, with a venv holding the pinned torch and numpy of
Benchmarks/peers/requirements.txt):

    python3 -m venv /tmp/likeness-venv
    /tmp/likeness-venv/bin/pip install -r ../../../Benchmarks/peers/requirements.txt
    /tmp/likeness-venv/bin/python make_imbalance_loss_fixture.py

Contents (every tensor is {"shape": [...], "data": base64 of little-endian float32, row-major}):

- "class_counts": FMNIST-LT's training images per class; "logits": 8 × 10 seeded normal values
  (standard deviation 2); "labels": 8 labels, the rare classes among them.
- "balanced_softmax": the peer's balanced_softmax_loss (cross-entropy on z + log π, π_c = n_c / n)
  on the labels: the loss and its gradient with respect to the logits.
- "balanced_softmax_mixup": the peer's mix_batch (mixup α 0.3) on 8 seeded random 1 × 4 × 4 images
  with those labels: "lambda" and "partner" (π), the soft targets it made, and
  balanced_softmax_loss on them: the loss and its gradient with respect to the logits.
- "ldam_drw": the peer's ldam_loss (margin 0.5, scale 1): "margins", "class_weights" (the
  effective number of images, β 0.9999), and the loss with its gradient without the weights
  (before the re-weighting epoch: "unweighted") and with them ("weighted").

Every number is computed in float32 by the peer and again in float64 from the formulas here;
the script fails if they disagree beyond float32 rounding, so the fixture does not record an
unstable value (nor a peer that strays from the formulas).
"""

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "Benchmarks", "peers"))

import torch  # noqa: E402
import pytorch_accuracy as peer  # noqa: E402
from common import LONG_TAIL_COUNTS  # noqa: E402
from fixture_encoding import check_stable, encode  # noqa: E402

OUTPUT = os.path.join(HERE, "imbalance_losses.json")
LABELS = [0, 5, 3, 3, 7, 1, 9, 6]


def softmax64(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def soft_cross_entropy64(z, targets, weights=None):
    """Σᵢ Σ_c t_ic w_c (−log softmax(zᵢ)_c) / Σᵢ Σ_c t_ic w_c and its gradient (SoftmaxCrossEntropy's)."""
    w = np.ones(z.shape[1]) if weights is None else weights
    row_weights = targets @ w
    total = row_weights.sum()
    log_p = np.log(softmax64(z))
    loss = -(targets * w * log_p).sum() / total
    gradient = (row_weights[:, None] * softmax64(z) - targets * w) / total
    return loss, gradient


def peer_loss(function, logits, *args, **kwargs):
    """The peer's loss in float32 and its gradient with respect to the logits, by autograd."""
    z = torch.tensor(logits, dtype=torch.float32, requires_grad=True)
    loss = function(z, *args, **kwargs)
    loss.backward()
    return loss.item(), z.grad.numpy()


def main():
    rng = np.random.default_rng(13)
    logits = (rng.standard_normal((len(LABELS), 10)) * 2).astype(np.float32)
    z64 = logits.astype(np.float64)
    labels = torch.tensor(LABELS)
    one_hot = np.eye(10)[LABELS]
    counts = np.asarray(LONG_TAIL_COUNTS, dtype=np.float64)
    log_prior = np.log(counts / counts.sum())
    fixture = {"torch": torch.__version__, "class_counts": LONG_TAIL_COUNTS, "logits": encode(logits), "labels": LABELS}

    offsets = peer.logit_offsets(LONG_TAIL_COUNTS)
    check_stable("logit offsets", offsets.numpy(), log_prior)
    loss, gradient = peer_loss(peer.balanced_softmax_loss, logits, labels, offsets)
    loss64, gradient64 = soft_cross_entropy64(z64 + log_prior, one_hot)
    check_stable("balanced softmax loss", loss, loss64)
    check_stable("balanced softmax gradient", gradient, gradient64)
    fixture["balanced_softmax"] = {"loss": loss, "logits_gradient": encode(gradient)}

    images = torch.from_numpy(rng.random((len(LABELS), 1, 4, 4)).astype(np.float32))
    mixed, targets, lam, partner = peer.mix_batch(images, labels, np.random.default_rng(5), peer.MIXUP_ALPHA, None)
    lam64, partner = float(lam), partner.numpy()
    targets64 = lam64 * one_hot + (1 - lam64) * one_hot[partner]
    check_stable("mixup targets", targets.numpy(), targets64)
    check_stable("mixup images", mixed.numpy(), lam64 * images.double().numpy() + (1 - lam64) * images.double().numpy()[partner])
    if not 0.05 < lam64 < 0.95 or (partner == np.arange(len(LABELS))).all() or (one_hot[partner] == one_hot).all():
        sys.exit(f"mixup draw λ {lam64}, π {partner.tolist()}: choose another seed, one that mixes the labels")
    loss, gradient = peer_loss(peer.balanced_softmax_loss, logits, targets, offsets)
    loss64, gradient64 = soft_cross_entropy64(z64 + log_prior, targets64)
    check_stable("balanced softmax mixup loss", loss, loss64)
    check_stable("balanced softmax mixup gradient", gradient, gradient64)
    fixture["balanced_softmax_mixup"] = {"alpha": peer.MIXUP_ALPHA, "lambda": lam64, "partner": partner.tolist(),
                                         "targets": encode(targets.numpy()), "loss": loss, "logits_gradient": encode(gradient)}

    margins, weights = peer.ldam_margins(LONG_TAIL_COUNTS), peer.effective_number_weights(LONG_TAIL_COUNTS)
    margins64 = peer.LDAM_MARGIN * counts ** -0.25 / (counts ** -0.25).max()
    raw64 = (1 - peer.EFFECTIVE_NUMBER_BETA) / (1 - peer.EFFECTIVE_NUMBER_BETA ** counts)
    weights64 = raw64 * len(counts) / raw64.sum()
    check_stable("LDAM margins", margins.numpy(), margins64)
    check_stable("effective-number weights", weights.numpy(), weights64)
    ldam = {"max_margin": peer.LDAM_MARGIN, "scale": peer.LDAM_SCALE, "beta": peer.EFFECTIVE_NUMBER_BETA,
            "margins": encode(margins.numpy()), "class_weights": encode(weights.numpy())}
    adjusted64 = peer.LDAM_SCALE * (z64 - margins64 * one_hot)
    for case, case_weights, case_weights64 in (("unweighted", None, None), ("weighted", weights, weights64)):
        loss, gradient = peer_loss(peer.ldam_loss, logits, labels, margins, weights=case_weights)
        loss64, gradient64 = soft_cross_entropy64(adjusted64, one_hot, case_weights64)
        gradient64 = gradient64 * peer.LDAM_SCALE
        check_stable(f"LDAM {case} loss", loss, loss64)
        check_stable(f"LDAM {case} gradient", gradient, gradient64)
        ldam[case] = {"loss": loss, "logits_gradient": encode(gradient)}
    fixture["ldam_drw"] = ldam

    with open(OUTPUT, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {OUTPUT}: λ {lam64:.4f}, π {partner.tolist()}")


if __name__ == "__main__":
    main()
