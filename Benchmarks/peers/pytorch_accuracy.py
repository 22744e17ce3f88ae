"""PyTorch peer of PROTOCOL.md's FMNIST-LT accuracy measures (likeness-bench accuracy).

Trains the reference network twice on FMNIST-LT (the first n_c images of each class of the
training file; validation: the last 500 of each class), Adam lr 1e-3, as Likeness's `accuracy`
measure trains it:
  focal      softmax head, focal loss γ 2 with α_c = n / (C · n_c) divided by its mean (the loss is
             the mean over the batch of α_y (1 − p_y)^γ (−log p_y)), shuffled batches of 128 (the
             last one smaller), validation balanced accuracy after each epoch: the best epoch's
             weights are kept (the first of equals), as Likeness's Trainer keeps them;
  embedding  embedding head (dense 64 → L2-normalise), triplet loss margin 0.2 on the Euclidean
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
figures with `pytorch_` in front:
    {"name": "pytorch_fmnist_lt_focal_recall_sandal", "value": ..., "class": "Sandal", ...}
    {"name": "pytorch_fmnist_lt_embedding_macro_auc", "value": ..., ...}
    {"name": "pytorch_fmnist_lt_details", "train_seconds": {...}, "epochs_report": {...}, ...}

Run: /path/to/venv/bin/python pytorch_accuracy.py [--epochs 10] [--threads 2] [--seed 0]
     [--miner semi-hard-all|semi-hard] [--approach both|focal|embedding]
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


def slug(name):
    """A class name as part of a figure's name, as likeness-bench makes it: "T-shirt/top" → "t_shirt_top"."""
    return "_".join(part for part in re.split(r"[^a-z0-9]+", name.lower()) if part)


def outputs(model, images):
    """The network's outputs in evaluation mode (dropout off) for N×1×28×28 float32 images."""
    model.eval()
    with torch.no_grad():
        return torch.cat([model(torch.from_numpy(images[i:i + INFERENCE_BATCH]))
                          for i in range(0, len(images), INFERENCE_BATCH)])


# Focal loss


def balanced_alpha(counts):
    """PROTOCOL.md's focal α: n / (C · n_c) divided by its mean over the classes."""
    counts = np.asarray(counts, dtype=np.float64)
    raw = counts.sum() / (len(counts) * counts)
    return torch.tensor(raw / raw.mean(), dtype=torch.float32)


def focal_loss(logits, labels, alpha, gamma=GAMMA):
    """(1/N) Σᵢ α_{yᵢ} (1 − p_{yᵢ})^γ (−log p_{yᵢ}), p = softmax(logits); 1 − p_y as −expm1(log p_y)."""
    log_py = F.log_softmax(logits, dim=1).gather(1, labels[:, None]).squeeze(1)
    return (alpha[labels] * (-torch.expm1(log_py)).clamp_min(0).pow(gamma) * -log_py).mean()


def balanced_accuracy(predicted, labels, classes=len(CLASS_NAMES)):
    recalls = [float((predicted[labels == c] == c).mean()) for c in range(classes) if (labels == c).any()]
    return float(np.mean(recalls)) if recalls else 0.0


def train_focal(model, images, labels, validation, epochs, seed):
    """Trains the softmax head and gives it back the weights of its best validation balanced accuracy
    epoch (the first of equals), as Likeness's Trainer does. Returns training seconds, each epoch's
    report and the kept epoch."""
    counts = np.bincount(labels, minlength=len(CLASS_NAMES))
    alpha = balanced_alpha(counts)
    print("focal α (balanced, mean 1): " + ", ".join(f"{a:.3f}" for a in alpha.tolist()), file=sys.stderr)
    images_t, labels_t = torch.from_numpy(images), torch.from_numpy(labels)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    seconds, reports, best = 0.0, [], None
    for epoch in range(epochs):
        order = torch.from_numpy(np.random.default_rng([seed, epoch]).permutation(len(labels)))
        model.train()
        start = time.perf_counter()
        total, steps = 0.0, 0
        for i in range(0, len(order), BATCH):
            batch = order[i:i + BATCH]
            optimizer.zero_grad(set_to_none=True)
            loss = focal_loss(model(images_t[batch]), labels_t[batch], alpha)
            loss.backward()
            optimizer.step()
            total += loss.item()
            steps += 1
        elapsed = time.perf_counter() - start
        seconds += elapsed
        score = balanced_accuracy(outputs(model, validation[0]).argmax(dim=1).numpy(), validation[1])
        is_best = best is None or score > best[0]
        if is_best:
            best = (score, epoch + 1, copy.deepcopy(model.state_dict()))
        reports.append({"epoch": epoch + 1, "loss": round(total / steps, 4), "validation_balanced_accuracy": round(score, 4),
                        "seconds": round(elapsed, 1)})
        print(f"focal epoch {epoch + 1}/{epochs}: loss {total / steps:.4f}, {steps} steps, {elapsed:.1f} s, "
              f"{len(order) / elapsed:.0f} images/s, validation balanced accuracy {score:.4f}"
              f"{' (best)' if is_best else ''}", file=sys.stderr)
    model.load_state_dict(best[2])
    print(f"focal: kept epoch {best[1]} of {epochs}, validation balanced accuracy {best[0]:.4f}", file=sys.stderr)
    return seconds, reports, best[1]


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


def figure_lines(approach, per_class, overall, fields):
    prefix = f"pytorch_fmnist_lt_{approach}"
    for c, m in enumerate(per_class):
        per = {"class": CLASS_NAMES[c], "class_index": c, "training_images": LONG_TAIL_COUNTS[c], "support": m["support"],
               **fields}
        for measure in ("recall", "precision", "f1", "auc"):
            if m[measure] is not None:
                yield {"name": f"{prefix}_{measure}_{slug(CLASS_NAMES[c])}", "value": round(m[measure], 4), **per}
    for measure, value in overall.items():
        yield {"name": f"{prefix}_{measure}", "value": round(value, 4),
               "test_images": sum(m["support"] for m in per_class), **fields}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=positive, default=10, help="training epochs of each network (default 10)")
    parser.add_argument("--threads", type=positive, default=2, help="intra-op threads (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights, batches and dropout (default 0)")
    parser.add_argument("--miner", choices=MINERS, default="semi-hard-all",
                        help="the embedding head's mining (default semi-hard-all)")
    parser.add_argument("--approach", choices=("both",) + APPROACHES, default="both",
                        help="which network to train and measure (default both)")
    args = parser.parse_args()
    approaches = APPROACHES if args.approach == "both" else (args.approach,)

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
        if approach == "focal":
            model = ReferenceNetwork("softmax")
            seconds, reports, kept = train_focal(model, lt_images, lt_labels, validation, args.epochs, args.seed)
            fields = {}
            predicted_probabilities = F.softmax(outputs(model, test_images), dim=1)
            predicted = predicted_probabilities.argmax(dim=1).numpy()
            scores = predicted_probabilities.double().numpy()
        else:
            model = ReferenceNetwork("embedding")
            seconds, reports, kept, mining = train_embedding(model, lt_images, lt_labels, validation, args.epochs,
                                                             args.seed, args.miner)
            fields = {"miner": args.miner, "mining": mining}
            predicted, scores = nearest_prototype(model, lt_images, lt_labels, test_images)
        per_class, overall, who = measures(test_labels, predicted, scores)
        results[approach] = (per_class, overall, {**common, **fields, "kept_epoch": kept, "metrics": who})
        details["train_seconds"][approach] = round(seconds, 1)
        details["epoch_reports"][approach] = reports
        details["kept_epoch"][approach] = kept

    print(f"{'recall (training images)':<26}" + "".join(f"{a:<12}" for a in approaches), file=sys.stderr)
    for c in range(len(CLASS_NAMES)):
        print(f"{CLASS_NAMES[c] + f' ({LONG_TAIL_COUNTS[c]})':<26}"
              + "".join(f"{results[a][0][c]['recall']:<12.4f}" for a in approaches), file=sys.stderr)
    for measure, title in (("macro_recall", "macro recall"), ("macro_auc", "macro ROC AUC"), ("accuracy", "accuracy")):
        print(f"{title:<26}" + "".join(f"{results[a][1].get(measure, float('nan')):<12.4f}" for a in approaches),
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
