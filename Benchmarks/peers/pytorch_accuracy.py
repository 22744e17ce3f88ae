"""PyTorch peer of PROTOCOL.md's FMNIST-LT accuracy measures (likeness-bench accuracy).

Trains the reference network on FMNIST-LT (the first n_c images of each class of the training
file; validation: the last 500 of each class), Adam lr 1e-3, as Likeness's `accuracy` measure
trains it: the softmax head with each recipe of --recipe (default focal), then the embedding head.
Softmax recipes (AccuracyRecipe.swift, SoftmaxRecipe.swift): shuffled batches of 128 (the last
one smaller), validation balanced accuracy after each epoch: the best epoch's weights are kept
(the first of equals), as Likeness's Trainer keeps them.
  focal       focal loss γ 2 with α_c = n / (C · n_c) divided by its mean (the loss is the mean
              over the batch of α_y (1 − p_y)^γ (−log p_y));
  ce          cross-entropy, the batch mean;
  balanced-softmax
              cross-entropy on z + log π, π_c = n_c / n (Ren et al. 2020; logit adjustment τ 1);
  ldam-drw    LDAM: cross-entropy on s (z − Δ_y e_y), Δ_c = 0.5 n_c^{−1/4} / max_k n_k^{−1/4},
              s 1; from epoch ⌊4 E / 5⌋ + 1 on weighted by the effective number of images
              (β 0.9999, the weights summing to C; the weighted mean Σ w_y CE / Σ w_y);
  balanced-softmax-mixup
              the balanced softmax on mixup's batches: per batch one λ ~ Beta(0.3, 0.3) and one
              random permutation π of the batch (an image may meet itself), x̃_i = λ x_i +
              (1 − λ) x_π(i), soft targets λ e_{y_i} + (1 − λ) e_{y_π(i)}, the loss the batch mean
              of −Σ_c t_c log softmax(z + log π)_c;
  balanced-softmax-mixup-augment
              the same, each image of a batch first mirrored left to right with probability 0.5,
              then with probability 0.5 shifted by (dx, dy) uniform in −2…2 each (the pixels
              shifted in are 0), before mixing (AugmentationPipeline's hflip and crop=2);
  balanced-softmax-mixup-augment-offsets
              the same, then logit offsets b (OffsetCalibration, LogitOffsets) fitted on the
              validation logits, minimising (1/C) Σ_c (1/n_c) Σ_{y_i=c} −log softmax(z_i + b)_c with
              Σ_c b_c = 0 (Nesterov's accelerated gradient with adaptive restart, unit steps from 0,
              until no projected gradient entry exceeds 1e-6, at most 20,000 steps), added to the
              head's bias; its validation balanced accuracy is
              cross-fitted: alternate validation images of each class in two halves, each half
              classified with the offsets fitted on the other;
  balanced-softmax-cutmix
              the same as balanced-softmax-mixup with CutMix's batches: λ ~ Beta(1, 1), a box of sides ⌊28 √(1 − λ)⌋
              centred on a uniform pixel (half-sides rounded down, clipped to the image) pasted
              from the partner, λ then the share of the image outside the box;
  ce-crt-taunorm
              cross-entropy, then classifier re-training (cRT): the head alone, started afresh
              (Glorot-uniform weights, zero bias), 5 epochs of cross-entropy on class-balanced
              batches (each image of a class drawn uniformly, from its class's queue, reshuffled
              when it wraps) over the frozen backbone, its own best validation epoch kept; then
              τ-normalisation w_j / ‖w_j‖^τ, bias 0, τ of 0, 0.1, …, 2 with the best validation
              balanced accuracy (the smallest of equals).
  embedding   embedding head (dense 64 → L2-normalise), triplet loss margin 0.2 on the Euclidean
              distance, --miner mining (pytorch_train.py's: pytorch-metric-learning when installed,
              else the same rule in torch), PK batches of 8 classes × 16 images (⌈N / 128⌉ = 120 a
              epoch, drawn as Likeness's PKBatchSampler draws them), leave-one-out recall@1 on the
              validation images after each epoch: the best epoch's weights are kept, as
              Likeness's Trainer keeps them; one prototype per class, the re-normalised mean of the
              class's FMNIST-LT training embeddings; each test image gets its nearest prototype.
On the 10,000 test images: per class recall, precision, F1 and one-vs-rest ROC AUC (score: the
softmax probability, or minus the distance to the class's prototype), macro recall (balanced
accuracy), macro ROC AUC and accuracy; scikit-learn computes them when it is installed, else numpy.

Prints one JSON line per figure on stdout (progress goes to stderr), named as likeness-bench's
figures with `pytorch_` in front (the recipe's dashes as underscores):
    {"name": "pytorch_fmnist_lt_focal_recall_sandal", "value": ..., "class": "Sandal", ...}
    {"name": "pytorch_fmnist_lt_balanced_softmax_mixup_macro_recall", "value": ..., "recipe": "balanced-softmax-mixup", ...}
    {"name": "pytorch_fmnist_lt_balanced_softmax_mixup_validation_balanced_accuracy", "value": ..., ...}
    {"name": "pytorch_fmnist_lt_embedding_macro_auc", "value": ..., ...}
    {"name": "pytorch_fmnist_lt_details", "train_seconds": {...}, "epochs_report": {...}, ...}

Run: /path/to/venv/bin/python pytorch_accuracy.py [--epochs 10] [--threads 2] [--seed 0]
     [--miner semi-hard-all|semi-hard] [--approach both|softmax|embedding]
     [--recipe focal,balanced-softmax-mixup ...]
"""

import argparse
import copy
import json
import re
import sys
import time

from common import (CLASS_NAMES, recall_at_one, LONG_TAIL_COUNTS, import_or_skip, is_installed, load_protocol_images, np, positive,
                    protocol_split)

torch = import_or_skip("torch")
import torch.nn.functional as F  # noqa: E402

from pytorch_train import MINERS, triplet_loss_function  # noqa: E402
from reference_network import ReferenceNetwork  # noqa: E402

GAMMA = 2.0
BATCH = 128
CLASSES_PER_BATCH = 8
IMAGES_PER_CLASS = 16
INFERENCE_BATCH = 1000
APPROACHES = ("focal", "embedding")
# likeness-bench's AccuracyRecipe names, in its order.
RECIPES = ("focal", "ce", "balanced-softmax", "ldam-drw", "balanced-softmax-mixup", "balanced-softmax-mixup-augment",
           "balanced-softmax-mixup-augment-offsets", "balanced-softmax-cutmix", "ce-crt-taunorm")
AUGMENTED_RECIPES = ("balanced-softmax-mixup-augment", "balanced-softmax-mixup-augment-offsets")
# LogitOffsets.fit's defaults.
OFFSET_TOLERANCE = 1e-6
OFFSET_MAXIMUM_STEPS = 20_000
# --augment hflip,crop=2: each image mirrored left to right, then shifted, each with probability 0.5.
SHIFT_PADDING = 2
MIXUP_ALPHA = 0.3
CUTMIX_ALPHA = 1.0
LDAM_MARGIN = 0.5
LDAM_SCALE = 1.0
EFFECTIVE_NUMBER_BETA = 0.9999
SECOND_STAGE_EPOCHS = 5
# TauNormalization.candidates: Float(i) / 10 for i in 0...20.
TAU_CANDIDATES = [float(np.float32(i) / np.float32(10)) for i in range(21)]


def slug(name):
    """A class name as part of a figure's name, as likeness-bench makes it: "T-shirt/top" → "t_shirt_top"."""
    return "_".join(part for part in re.split(r"[^a-z0-9]+", name.lower()) if part)


def outputs(model, images):
    """The network's outputs in evaluation mode (dropout off) for N×1×28×28 float32 images."""
    model.eval()
    with torch.no_grad():
        return torch.cat([model(torch.from_numpy(images[i:i + INFERENCE_BATCH]))
                          for i in range(0, len(images), INFERENCE_BATCH)])


# Softmax recipes


def balanced_alpha(counts):
    """PROTOCOL.md's focal α: n / (C · n_c) divided by its mean over the classes."""
    counts = np.asarray(counts, dtype=np.float64)
    raw = counts.sum() / (len(counts) * counts)
    return torch.tensor(raw / raw.mean(), dtype=torch.float32)


def focal_loss(logits, labels, alpha, gamma=GAMMA):
    """(1/N) Σᵢ α_{yᵢ} (1 − p_{yᵢ})^γ (−log p_{yᵢ}), p = softmax(logits); 1 − p_y as −expm1(log p_y)."""
    log_py = F.log_softmax(logits, dim=1).gather(1, labels[:, None]).squeeze(1)
    return (alpha[labels] * (-torch.expm1(log_py)).clamp_min(0).pow(gamma) * -log_py).mean()


def logit_offsets(counts, tau=1.0):
    """τ log π_c, π_c = n_c / n, a class without images counted as one image, computed in float64
    (LogitAdjustedCrossEntropy(classCounts:tau:))."""
    counts = np.maximum(np.asarray(counts, dtype=np.float64), 1)
    return torch.tensor(tau * np.log(counts / counts.sum()), dtype=torch.float32)


def balanced_softmax_loss(logits, targets, offsets):
    """The balanced softmax (LogitAdjustedCrossEntropy, τ 1): for labels (N), the batch mean of
    −log softmax(z + log π)_y; for soft targets (N × C rows summing to 1, a mixed batch's), the batch
    mean of −Σ_c t_c log softmax(z + log π)_c, which is Likeness's Σᵢ Σ_c t_ic (…) / Σᵢ Σ_c t_ic."""
    return F.cross_entropy(logits + offsets, targets)


def effective_number_weights(counts, beta=EFFECTIVE_NUMBER_BETA):
    """ClassWeights.effectiveNumber: (1 − β) / (1 − β^{n_c}) (0 for a class without images), scaled
    to sum to the number of classes with images; 1 − β^n as −expm1(n log β)."""
    counts = np.asarray(counts, dtype=np.float64)
    present = counts > 0
    raw = np.zeros_like(counts)
    raw[present] = (1 - beta) / -np.expm1(counts[present] * np.log(beta))
    return torch.tensor(raw * present.sum() / raw.sum(), dtype=torch.float32)


def ldam_margins(counts, max_margin=LDAM_MARGIN):
    """LDAMLoss(classCounts:maxMargin:): Δ_c = m n_c^{−1/4} / max_k n_k^{−1/4} (a class without images counts as one)."""
    raw = np.maximum(np.asarray(counts, dtype=np.float64), 1) ** -0.25
    return torch.tensor(max_margin * raw / raw.max(), dtype=torch.float32)


def ldam_loss(logits, labels, margins, scale=LDAM_SCALE, weights=None):
    """Σᵢ w_{yᵢ} CE(s zᵢ − s Δ_{yᵢ} e_{yᵢ}, yᵢ) / Σᵢ w_{yᵢ}; the plain batch mean without weights."""
    adjusted = scale * logits - (scale * margins[labels])[:, None] * F.one_hot(labels, logits.shape[1])
    return F.cross_entropy(adjusted, labels, weight=weights)


def recipe_loss(recipe, counts, epochs):
    """The first stage of `recipe` for training images with `counts`, as AccuracyRecipe.recipe and
    SoftmaxRecipe.makeLoss make it: the loss f(logits, labels or soft targets, epoch counted from 1)
    and the batches' mixing, (mixup α, CutMix α) or None."""
    if recipe == "focal":
        alpha = balanced_alpha(counts)
        print("focal α (balanced, mean 1): " + ", ".join(f"{a:.3f}" for a in alpha.tolist()), file=sys.stderr)
        return (lambda z, y, epoch: focal_loss(z, y, alpha)), None
    if recipe in ("ce", "ce-crt-taunorm"):
        return (lambda z, y, epoch: F.cross_entropy(z, y)), None
    if recipe == "ldam-drw":
        margins, weights = ldam_margins(counts), effective_number_weights(counts)
        reweighting_epoch = epochs * 4 // 5 + 1  # deferred re-weighting from the epoch after 80 % of them
        print(f"ldam-drw Δ: {', '.join(f'{m:.3f}' for m in margins.tolist())}; weights from epoch {reweighting_epoch}: "
              + ", ".join(f"{w:.3f}" for w in weights.tolist()), file=sys.stderr)
        return (lambda z, y, epoch: ldam_loss(z, y, margins, weights=weights if epoch >= reweighting_epoch else None)), None
    mixing = {"balanced-softmax": None, "balanced-softmax-mixup": (MIXUP_ALPHA, None),
              "balanced-softmax-mixup-augment": (MIXUP_ALPHA, None), "balanced-softmax-mixup-augment-offsets": (MIXUP_ALPHA, None),
              "balanced-softmax-cutmix": (None, CUTMIX_ALPHA)}[recipe]
    offsets = logit_offsets(counts)
    return (lambda z, y, epoch: balanced_softmax_loss(z, y, offsets)), mixing


def mix_batch(images, labels, rng, alpha=None, cutmix_alpha=None, classes=len(CLASS_NAMES)):
    """Likeness's Mixup.mix on one batch (N × C × H × W images, N labels): the mixed images, the
    N × classes soft targets λ e_{y_i} + (1 − λ) e_{y_π(i)}, λ and π; or None for a batch of one
    image (left unmixed). One λ ~ Beta(α, α) and one random permutation π a batch (an image may be its own
    partner); with both α, CutMix with probability 0.5. mixup: λ x_i + (1 − λ) x_π(i); CutMix: the
    partner's box pasted, λ then the share of the image outside it. λ in float32, as Likeness's."""
    n = len(labels)
    if n < 2:
        return None
    cut_mix = cutmix_alpha is not None and (alpha is None or rng.random() < 0.5)
    a = cutmix_alpha if cut_mix else alpha
    lam = np.float32(rng.beta(a, a))
    partner = torch.from_numpy(rng.permutation(n))
    if cut_mix:
        height, width = images.shape[2], images.shape[3]
        ratio = np.sqrt(1 - np.float64(lam))
        box_height, box_width = int(height * ratio), int(width * ratio)
        cy, cx = int(rng.integers(height)), int(rng.integers(width))
        top, bottom = max(cy - box_height // 2, 0), min(cy + box_height // 2, height)
        left, right = max(cx - box_width // 2, 0), min(cx + box_width // 2, width)
        mixed = images.clone()
        mixed[:, :, top:bottom, left:right] = images[partner][:, :, top:bottom, left:right]
        lam = np.float32(1) - np.float32((bottom - top) * (right - left)) / np.float32(height * width)
    else:
        mixed = float(lam) * images + float(np.float32(1) - lam) * images[partner]
    one_hot = F.one_hot(labels, classes).float()
    return mixed, float(lam) * one_hot + float(np.float32(1) - lam) * one_hot[partner], lam, partner


def augment_batch(images, rng, padding=SHIFT_PADDING):
    """AugmentationPipeline's hflip then crop=PADDING on a batch (N × C × H × W): each image mirrored
    left to right with probability 0.5, then with probability 0.5 shifted so that pixel (x, y) takes
    the source's (x + dx, y + dy), dx and dy uniform in −padding…padding, 0 outside the source."""
    n, height, width = images.shape[0], images.shape[2], images.shape[3]
    flip = torch.from_numpy(rng.random(n) < 0.5)
    out = torch.where(flip[:, None, None, None], images.flip(-1), images)
    shift = rng.random(n) < 0.5
    offsets = rng.integers(-padding, padding + 1, size=(n, 2))
    padded = F.pad(out, (padding, padding, padding, padding))
    for i in np.flatnonzero(shift):
        dx, dy = int(offsets[i, 0]), int(offsets[i, 1])
        out[i] = padded[i, :, padding + dy:padding + dy + height, padding + dx:padding + dx + width]
    return out


def balanced_accuracy(predicted, labels, classes=len(CLASS_NAMES)):
    recalls = [float((predicted[labels == c] == c).mean()) for c in range(classes) if (labels == c).any()]
    return float(np.mean(recalls)) if recalls else 0.0


def validation_score(model, validation):
    """Balanced accuracy of the arg-max predictions on the validation images."""
    return balanced_accuracy(outputs(model, validation[0]).argmax(dim=1).numpy(), validation[1])


def shuffled_batches(labels, epoch, seed, batch=BATCH):
    """One epoch of Likeness's ShuffledBatchSampler: a new shuffle, batches of `batch`, the last one
    smaller (the random streams differ)."""
    order = torch.from_numpy(np.random.default_rng([seed, epoch]).permutation(len(labels)))
    return [order[i:i + batch] for i in range(0, len(order), batch)]


def class_balanced_batches(labels, epoch, seed, batch=BATCH):
    """One epoch of Likeness's ClassBalancedBatchSampler: ⌈N / batch⌉ batches of `batch` images; for
    each image a class drawn uniformly among those with images, then the next image of the class's
    queue, shuffled whenever it starts over (the random streams differ)."""
    rng = np.random.default_rng([seed, epoch])
    queues = [q for q in (np.flatnonzero(labels == c) for c in range(labels.max() + 1)) if len(q)]
    position = [0] * len(queues)
    batches = []
    for _ in range(-(-len(labels) // batch)):
        chosen = np.empty(batch, dtype=np.int64)
        for j in range(batch):
            c = int(rng.integers(len(queues)))
            if position[c] == 0:
                queues[c] = rng.permutation(queues[c])
            chosen[j] = queues[c][position[c]]
            position[c] = (position[c] + 1) % len(queues[c])
        batches.append(torch.from_numpy(chosen))
    return batches


def fit(model, parameters, name, images, labels, batches, loss_function, validation, epochs, seed, mixing=None,
        first_epoch=1, augment=False):
    """Likeness's Trainer.fit for the softmax head: `epochs` epochs of Adam lr 1e-3 on `parameters`
    over the batches `batches(epoch)` gives (index tensors; epoch from 0), each mixed by `mixing`
    ((mixup α, CutMix α) or None) after `augment_batch` when `augment`, the validation balanced
    accuracy after each epoch, and the best
    epoch's weights (the first of equals) given back at the end. Returns the training seconds
    (the steps), each epoch's report (numbered from `first_epoch`), the kept epoch (counted within
    the call, from 1) and its score."""
    images_t, labels_t = torch.from_numpy(images), torch.from_numpy(labels)
    optimizer = torch.optim.Adam(parameters, lr=1e-3)
    seconds, reports, best = 0.0, [], None
    for epoch in range(epochs):
        epoch_batches = batches(epoch)
        mixing_rng = np.random.default_rng([seed, epoch, 1]) if mixing else None
        augment_rng = np.random.default_rng([seed, epoch, 2]) if augment else None
        model.train()
        start = time.perf_counter()
        total, steps, images_seen = 0.0, 0, 0
        for batch in epoch_batches:
            x, y = images_t[batch], labels_t[batch]
            if augment:
                x = augment_batch(x, augment_rng)
            mixed = mix_batch(x, y, mixing_rng, *mixing) if mixing else None
            if mixed is not None:
                x, y = mixed[:2]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_function(model(x), y, epoch + 1)
            loss.backward()
            optimizer.step()
            total += loss.item()
            steps += 1
            images_seen += len(batch)
        elapsed = time.perf_counter() - start
        seconds += elapsed
        score = validation_score(model, validation)
        is_best = best is None or score > best[0]
        if is_best:
            best = (score, epoch + 1, copy.deepcopy(model.state_dict()))
        reports.append({"epoch": epoch + first_epoch, "loss": round(total / steps, 4), "validation_balanced_accuracy": round(score, 4),
                        "seconds": round(elapsed, 1)})
        print(f"{name} epoch {epoch + 1}/{epochs}: loss {total / steps:.4f}, {steps} steps, {elapsed:.1f} s, "
              f"{images_seen / elapsed:.0f} images/s, validation balanced accuracy {score:.4f}"
              f"{' (best)' if is_best else ''}", file=sys.stderr)
    model.load_state_dict(best[2])
    print(f"{name}: kept epoch {best[1]} of {epochs}, validation balanced accuracy {best[0]:.4f}", file=sys.stderr)
    return seconds, reports, best[1], best[0]


def tau_normalized_rows(weight, tau):
    """TauNormalization.normalizedRows: w_j / ‖w_j‖^τ (the norm in float64), a row of length 0 left as it is."""
    norm = weight.double().norm(dim=1)
    scale = torch.where(norm > 0, 1 / norm.pow(tau), torch.ones_like(norm)).float()
    return weight * scale[:, None]


def tau_normalize(model, validation):
    """τ-normalisation of the head with the τ of TAU_CANDIDATES of the best validation balanced
    accuracy (the smallest of equals), the bias set to 0; returns τ."""
    head = model.dense
    weight = head.weight.detach().clone()
    best = None
    with torch.no_grad():
        for tau in TAU_CANDIDATES:
            head.weight.copy_(tau_normalized_rows(weight, tau))
            head.bias.zero_()
            score = validation_score(model, validation)
            if best is None or score > best[1]:
                best = (tau, score)
        head.weight.copy_(tau_normalized_rows(weight, best[0]))
    print(f"τ-normalisation: τ {best[0]:g}, validation balanced accuracy {best[1]:.4f}", file=sys.stderr)
    return best[0]


def fit_logit_offsets(logits, labels, classes=len(CLASS_NAMES)):
    """LogitOffsets.fit: the offsets minimising the class-balanced cross-entropy of the float64
    `logits` (N × C), the classes with images summing to 0, the others left at 0."""
    counts = np.bincount(labels, minlength=classes)
    present = counts > 0
    weights = 1.0 / (present.sum() * counts[labels])
    one_hot = np.eye(classes)[labels]
    offsets = np.zeros(classes)
    previous = offsets.copy()
    momentum = 0
    for _ in range(OFFSET_MAXIMUM_STEPS):
        start = offsets + momentum / (momentum + 3) * (offsets - previous)
        z = logits + start
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        gradient = (weights[:, None] * (p - one_hot)).sum(axis=0)
        gradient = np.where(present, gradient - gradient[present].mean(), 0.0)
        if np.all(np.abs(gradient) <= OFFSET_TOLERANCE):
            offsets = start
            break
        step = start - gradient
        momentum = 0 if gradient @ (step - offsets) > 0 else momentum + 1  # restart when the step turns back
        previous, offsets = offsets, step
    return offsets.astype(np.float32)


def calibrate_offsets(model, validation):
    """OffsetCalibration.calibrate: fits the offsets on the validation logits, adds them to the
    head's bias and returns the cross-fitted validation balanced accuracy."""
    logits = outputs(model, validation[0]).double().numpy()
    labels = validation[1]
    offsets = fit_logit_offsets(logits, labels)
    seen = np.zeros(len(CLASS_NAMES), dtype=int)
    half = np.empty(len(labels), dtype=int)
    for i, label in enumerate(labels):
        half[i] = seen[label] % 2
        seen[label] += 1
    predicted = np.empty(len(labels), dtype=int)
    for part in (0, 1):
        other = fit_logit_offsets(logits[half != part], labels[half != part])
        predicted[half == part] = (logits[half == part] + other).argmax(axis=1)
    cross_fitted = balanced_accuracy(predicted, labels)
    before = balanced_accuracy(logits.argmax(axis=1), labels)
    with torch.no_grad():
        model.dense.bias += torch.from_numpy(offsets)
    after = validation_score(model, validation)
    print("logit offsets: " + ", ".join(f"{name} {b:+.2f}" for name, b in zip(CLASS_NAMES, offsets.tolist()))
          + f"; validation balanced accuracy {before:.4f} before, {after:.4f} after, {cross_fitted:.4f} cross-fitted", file=sys.stderr)
    return cross_fitted


def train_softmax(model, recipe, images, labels, validation, epochs, seed):
    """Trains the softmax head with `recipe` as SoftmaxRecipe.train does, each stage given back the
    weights of its best validation balanced accuracy epoch (the first of equals). Returns the
    training seconds (the steps), each epoch's report, the kept epoch (counted across both stages),
    its validation balanced accuracy (before τ-normalisation, as Likeness's history keeps it) and τ
    (None without τ-normalisation)."""
    counts = np.bincount(labels, minlength=len(CLASS_NAMES))
    loss_function, mixing = recipe_loss(recipe, counts, epochs)
    seconds, reports, kept, score = fit(model, model.parameters(), recipe, images, labels,
                                        lambda epoch: shuffled_batches(labels, epoch, seed), loss_function, validation,
                                        epochs, seed, mixing=mixing, augment=recipe in AUGMENTED_RECIPES)
    if recipe == "balanced-softmax-mixup-augment-offsets":
        return seconds, reports, kept, calibrate_offsets(model, validation), None
    if recipe != "ce-crt-taunorm":
        return seconds, reports, kept, score, None
    # cRT: the head alone, afresh (Glorot-uniform weights from seed + 3, zero bias), on class-balanced
    # batches (seed + 1) over the frozen backbone, with plain cross-entropy and a new Adam.
    head = model.dense
    with torch.no_grad():
        torch.nn.init.xavier_uniform_(head.weight, generator=torch.Generator().manual_seed(seed + 3))
        head.bias.zero_()
    for name, parameter in model.named_parameters():
        parameter.requires_grad = name.startswith("dense.")
    try:
        head_seconds, head_reports, head_kept, score = fit(
            model, head.parameters(), f"{recipe} head", images, labels,
            lambda epoch: class_balanced_batches(labels, epoch, seed + 1), lambda z, y, epoch: F.cross_entropy(z, y),
            validation, SECOND_STAGE_EPOCHS, seed, first_epoch=epochs + 1)
    finally:
        for parameter in model.parameters():
            parameter.requires_grad = True
    tau = tau_normalize(model, validation)
    return seconds + head_seconds, reports + head_reports, epochs + head_kept, score, tau


# Triplet loss


def pk_batches(labels, epoch, seed, p=CLASSES_PER_BATCH, k=IMAGES_PER_CLASS):
    """One epoch of ⌈N / (P·K)⌉ PK batches, as Likeness's PKBatchSampler draws them: P distinct classes
    uniformly, then K images of each, without replacement from a class with at least K images; from a
    smaller class each of its images once and the rest with replacement (the random streams differ)."""
    rng = np.random.default_rng([seed, epoch])
    members = [np.flatnonzero(labels == c) for c in range(labels.max() + 1)]
    members = [m for m in members if len(m)]
    p = min(p, len(members))
    batches = []
    for _ in range(-(-len(labels) // (p * k))):
        batch = []
        for c in rng.choice(len(members), p, replace=False):
            pool = members[c]
            batch.append(rng.choice(pool, min(k, len(pool)), replace=False))
            if len(pool) < k:
                batch.append(rng.choice(pool, k - len(pool), replace=True))
        batches.append(np.concatenate(batch))
    return batches


def train_embedding(model, images, labels, validation, epochs, seed, miner):
    """Trains the embedding head and gives it back the weights of its best validation recall@1 epoch
    (the first of equals), as Likeness's Trainer does. Returns training seconds, each epoch's
    report, the kept epoch and who mines."""
    loss_function, mining = triplet_loss_function(miner)
    images_t, labels_t = torch.from_numpy(images), torch.from_numpy(labels)
    validation_labels = torch.from_numpy(validation[1])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    seconds, reports, best = 0.0, [], None
    for epoch in range(epochs):
        batches = pk_batches(labels, epoch, seed)
        model.train()
        start = time.perf_counter()
        total = 0.0
        for batch in batches:
            batch = torch.from_numpy(batch)
            optimizer.zero_grad(set_to_none=True)
            loss = loss_function(model(images_t[batch]), labels_t[batch])
            loss.backward()
            optimizer.step()
            total += loss.item()
        elapsed = time.perf_counter() - start
        seconds += elapsed
        recall = recall_at_one(outputs(model, validation[0]), validation_labels)
        is_best = best is None or recall > best[0]
        if is_best:
            best = (recall, epoch + 1, copy.deepcopy(model.state_dict()))
        reports.append({"epoch": epoch + 1, "loss": round(total / len(batches), 4),
                        "validation_recall_at_1": round(recall, 4), "seconds": round(elapsed, 1)})
        images_seen = sum(len(b) for b in batches)
        print(f"embedding epoch {epoch + 1}/{epochs}: loss {total / len(batches):.4f}, {len(batches)} batches, "
              f"{elapsed:.1f} s, {images_seen / elapsed:.0f} images/s, validation recall@1 {recall:.4f}"
              f"{' (best)' if is_best else ''}", file=sys.stderr)
    model.load_state_dict(best[2])
    print(f"embedding: kept epoch {best[1]} of {epochs}, validation recall@1 {best[0]:.4f}", file=sys.stderr)
    return seconds, reports, best[1], mining


def nearest_prototype(model, train_images, train_labels, test_images, classes=len(CLASS_NAMES)):
    """Predicted classes and scores (minus the distance to each class's prototype) of the test images."""
    embeddings = outputs(model, train_images)
    labels = torch.from_numpy(train_labels)
    prototypes = torch.stack([F.normalize(embeddings[labels == c].mean(dim=0), dim=0) for c in range(classes)])
    distances = torch.cdist(outputs(model, test_images), prototypes)
    return distances.argmin(dim=1).numpy(), (-distances).double().numpy()


# Measures


def average_ranks(x):
    """The ranks (1-based) of x's values, ties given their mean rank."""
    order = np.argsort(x, kind="mergesort")
    sorted_x = x[order]
    starts = np.flatnonzero(np.r_[True, sorted_x[1:] != sorted_x[:-1]])
    ends = np.r_[starts[1:], len(x)]
    ranks = np.empty(len(x))
    ranks[order] = np.repeat((starts + ends + 1) / 2, ends - starts)
    return ranks


def numpy_roc_auc(truth, score):
    """ROC AUC as the Mann-Whitney statistic (ties count one half): the trapezoidal area."""
    positives = int(truth.sum())
    negatives = len(truth) - positives
    if positives == 0 or negatives == 0:
        return None
    return float((average_ranks(score)[truth].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def measures(truth, predicted, scores, classes=len(CLASS_NAMES)):
    """Per class (recall, precision, F1, ROC AUC, support) and overall (macro recall, macro AUC,
    accuracy); zero_division 0, as Likeness's ClassificationReport. And who computed them."""
    if is_installed("sklearn"):
        import sklearn
        from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score
        labels = list(range(classes))
        recall = recall_score(truth, predicted, labels=labels, average=None, zero_division=0)
        precision = precision_score(truth, predicted, labels=labels, average=None, zero_division=0)
        f1 = f1_score(truth, predicted, labels=labels, average=None, zero_division=0)
        auc = [float(roc_auc_score(truth == c, scores[:, c])) if 0 < (truth == c).sum() < len(truth) else None
               for c in range(classes)]
        who = f"scikit-learn {sklearn.__version__}"
    else:
        tp = np.array([((predicted == c) & (truth == c)).sum() for c in range(classes)], dtype=np.float64)
        support = np.bincount(truth, minlength=classes).astype(np.float64)
        answered = np.bincount(predicted, minlength=classes).astype(np.float64)
        ratio = lambda a, b: np.divide(a, b, out=np.zeros_like(a), where=b > 0)  # noqa: E731
        recall, precision, f1 = ratio(tp, support), ratio(tp, answered), ratio(2 * tp, support + answered)
        auc = [numpy_roc_auc(truth == c, scores[:, c]) for c in range(classes)]
        who = f"numpy {np.__version__}"
    support = np.bincount(truth, minlength=classes)
    per_class = [{"recall": float(recall[c]), "precision": float(precision[c]), "f1": float(f1[c]), "auc": auc[c],
                  "support": int(support[c])} for c in range(classes)]
    present = [m["recall"] for m in per_class if m["support"] > 0]
    aucs = [a for a in auc if a is not None]
    overall = {"macro_recall": float(np.mean(present)), "accuracy": float((predicted == truth).mean())}
    if aucs:
        overall["macro_auc"] = float(np.mean(aucs))
    return per_class, overall, who


def figure_name(approach):
    """A recipe's part of the figure names, as AccuracyRecipe.figureName: "balanced-softmax" → "balanced_softmax"."""
    return approach.replace("-", "_")


def figure_lines(approach, per_class, overall, fields, extra=()):
    """The figures of one approach: per class, overall, then `extra`'s (measure, value, fields of its own)."""
    prefix = f"pytorch_fmnist_lt_{figure_name(approach)}"
    for c, m in enumerate(per_class):
        per = {"class": CLASS_NAMES[c], "class_index": c, "training_images": LONG_TAIL_COUNTS[c], "support": m["support"],
               **fields}
        for measure in ("recall", "precision", "f1", "auc"):
            if m[measure] is not None:
                yield {"name": f"{prefix}_{measure}_{slug(CLASS_NAMES[c])}", "value": round(m[measure], 4), **per}
    for measure, value in overall.items():
        yield {"name": f"{prefix}_{measure}", "value": round(value, 4),
               "test_images": sum(m["support"] for m in per_class), **fields}
    for measure, value, own in extra:
        yield {"name": f"{prefix}_{measure}", "value": value, **own, **fields}


def recipe_list(text):
    """--recipe's value: one recipe or several, comma-separated."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in RECIPES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown recipe {', '.join(unknown) or repr(text)}: expected {', '.join(RECIPES)}")
    return names


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=positive, default=10, help="training epochs of each network (default 10)")
    parser.add_argument("--threads", type=positive, default=2, help="intra-op threads (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights, batches and dropout (default 0)")
    parser.add_argument("--miner", choices=MINERS, default="semi-hard-all",
                        help="the embedding head's mining (default semi-hard-all)")
    parser.add_argument("--approach", choices=("both", "softmax") + APPROACHES, default="both",
                        help="which networks to train and measure: the softmax head with each --recipe and the embedding "
                             "head (both, the default), the softmax head alone (softmax, or focal as it was called when focal "
                             "was its only recipe) or the embedding head alone")
    parser.add_argument("--recipe", type=recipe_list, action="append", metavar="NAME[,NAME...]",
                        help="the softmax head's recipes, in the order given, repeatable (default focal): "
                             + ", ".join(RECIPES))
    args = parser.parse_args()
    recipes = list(dict.fromkeys(name for names in args.recipe or [["focal"]] for name in names))
    approaches = (recipes if args.approach != "embedding" else []) + (["embedding"] if args.approach in ("both", "embedding") else [])

    torch.set_num_threads(args.threads)
    np.random.seed(args.seed)  # pytorch-metric-learning's miners draw from np.random
    started = time.perf_counter()
    train_images, train_labels = load_protocol_images("train")
    test_images, test_labels = load_protocol_images("t10k")
    long_tail, validation_indices = protocol_split(train_labels)
    lt_images, lt_labels = train_images[long_tail], train_labels[long_tail]
    validation = (train_images[validation_indices], train_labels[validation_indices])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; {len(long_tail)} FMNIST-LT training images, "
          f"{len(validation_indices)} validation, {len(test_labels)} test; {args.epochs} epochs, seed {args.seed}",
          file=sys.stderr)

    common = {"epochs": args.epochs, "threads": torch.get_num_threads(), "seed": args.seed, "training_set": "FMNIST-LT",
              "torch": torch.__version__}
    details = {"train_seconds": {}, "epoch_reports": {}, "kept_epoch": {}}
    results = {}
    for approach in approaches:
        torch.manual_seed(args.seed)  # the same initial weights and dropout whichever approaches run
        extra = []
        if approach != "embedding":
            model = ReferenceNetwork("softmax")
            recipe_started = time.perf_counter()
            seconds, reports, kept, score, tau = train_softmax(model, approach, lt_images, lt_labels, validation,
                                                               args.epochs, args.seed)
            # As likeness-bench times its recipes: the whole training, validation and τ included.
            training_seconds = time.perf_counter() - recipe_started
            # focal's lines as they were before the other recipes came.
            fields = {} if approach == "focal" else {"recipe": approach}
            if tau is not None:
                fields["tau_normalization"] = tau
            predicted_probabilities = F.softmax(outputs(model, test_images), dim=1)
            predicted = predicted_probabilities.argmax(dim=1).numpy()
            scores = predicted_probabilities.double().numpy()
            extra = [("validation_balanced_accuracy", round(score, 4), {}), ("training_seconds", round(training_seconds, 1), {})]
        else:
            model = ReferenceNetwork("embedding")
            seconds, reports, kept, mining = train_embedding(model, lt_images, lt_labels, validation, args.epochs,
                                                             args.seed, args.miner)
            fields = {"miner": args.miner, "mining": mining}
            predicted, scores = nearest_prototype(model, lt_images, lt_labels, test_images)
        per_class, overall, who = measures(test_labels, predicted, scores)
        if approach != "embedding":
            worst = min(range(len(per_class)), key=lambda c: per_class[c]["recall"])  # the first of equals
            extra.insert(0, ("worst_recall", round(per_class[worst]["recall"], 4),
                             {"class": CLASS_NAMES[worst], "test_images": len(test_labels)}))
        results[approach] = (per_class, overall, {**common, **fields, "kept_epoch": kept, "metrics": who}, extra)
        details["train_seconds"][approach] = round(seconds, 1)
        details["epoch_reports"][approach] = reports
        details["kept_epoch"][approach] = kept

    width = max([12] + [len(a) + 2 for a in approaches])
    print(f"{'recall (training images)':<26}" + "".join(f"{a:<{width}}" for a in approaches), file=sys.stderr)
    for c in range(len(CLASS_NAMES)):
        print(f"{CLASS_NAMES[c] + f' ({LONG_TAIL_COUNTS[c]})':<26}"
              + "".join(f"{results[a][0][c]['recall']:<{width}.4f}" for a in approaches), file=sys.stderr)
    for measure, title in (("macro_recall", "macro recall"), ("macro_auc", "macro ROC AUC"), ("accuracy", "accuracy")):
        print(f"{title:<26}" + "".join(f"{results[a][1].get(measure, float('nan')):<{width}.4f}" for a in approaches),
              file=sys.stderr)

    for approach in approaches:
        for line in figure_lines(approach, *results[approach]):
            print(json.dumps(line), flush=True)
    details["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps({"name": "pytorch_fmnist_lt_details", **details, **common}), flush=True)
    print(f"{details['seconds']:.0f} s in all (training: "
          + ", ".join(f"{a} {details['train_seconds'][a]:.0f} s" for a in approaches) + ")", file=sys.stderr)


if __name__ == "__main__":
    main()
