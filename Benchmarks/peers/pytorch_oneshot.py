"""PyTorch + pytorch-metric-learning peer of PROTOCOL.md's one-shot novel-class protocol.

Trains the reference network with an embedding head (dense 64 → L2-normalise) on FMNIST-LT
without classes 5 (Sandal) and 7 (Sneaker): triplet loss, margin 0.2 on the Euclidean distance
between unit embeddings, semi-hard mining, PK batches of 8 classes × 16 images, Adam lr 1e-3;
after each epoch, leave-one-out recall@1 on the known classes' validation images, and the best
epoch's weights kept (the first of equals), as Likeness's Trainer keeps them.
Known classes are enrolled from their FMNIST-LT embeddings (mean, re-normalised); each novel
class from one validation image, chosen for draw s exactly as Likeness's OneShotEvaluation does
(SeededGenerator(seed: s), index = next() mod 500, Sandal then Sneaker from the same generator).
Every test image gets the class of its nearest prototype (Euclidean, 10 prototypes, no rejection).

Prints one JSON line per figure on stdout (progress goes to stderr):
    {"name": "pytorch_oneshot_recall_sandal", "value": mean over the draws, ...}
    {"name": "pytorch_oneshot_recall_sneaker", ...}
    {"name": "pytorch_oneshot_accuracy", ...}
    {"name": "pytorch_oneshot_details", "recall": {class: mean recall}, "train_seconds": ..., ...}

Run: /path/to/venv/bin/python pytorch_oneshot.py [--epochs 10] [--threads 2] [--seed 0] [--draws 20]
"""

import argparse
import copy
import json
import sys
import time

from common import CLASS_NAMES, import_or_skip, load_protocol_images, np, positive, protocol_split, recall_at_one

torch = import_or_skip("torch")
pytorch_metric_learning = import_or_skip("pytorch_metric_learning")
import torch.nn.functional as F  # noqa: E402
from pytorch_metric_learning import losses, miners, samplers  # noqa: E402

from reference_network import ReferenceNetwork  # noqa: E402

NOVEL_CLASSES = [5, 7]
MARGIN = 0.2
IMAGES_PER_CLASS = 16
BATCH = 128
EMBEDDING_BATCH = 1000

MASK64 = (1 << 64) - 1


class SeededGenerator:
    """Likeness's SeededGenerator: xoshiro256** whose state is expanded from the seed by SplitMix64."""

    def __init__(self, seed):
        x = seed & MASK64
        words = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & MASK64
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
            words.append(z ^ (z >> 31))
        self.s = words

    @staticmethod
    def rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK64

    def next(self):
        s = self.s
        result = (self.rotl((s[1] * 5) & MASK64, 7) * 9) & MASK64
        t = (s[1] << 17) & MASK64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = self.rotl(s[3], 45)
        return result


def embed(model, images):
    model.eval()
    with torch.no_grad():
        return torch.cat([model(torch.from_numpy(images[i:i + EMBEDDING_BATCH]))
                          for i in range(0, len(images), EMBEDDING_BATCH)])


def train(model, images, labels, epochs, validation_images, validation_labels):
    """Seconds spent training and images seen. After each epoch, leave-one-out recall@1 on the
    validation images: the best epoch's weights are kept (the first of equals), as Likeness's
    Trainer keeps them."""
    images, labels_t = torch.from_numpy(images), torch.from_numpy(labels)
    sampler = samplers.MPerClassSampler(labels, m=IMAGES_PER_CLASS, batch_size=BATCH,
                                        length_before_new_iter=len(labels))
    miner = miners.TripletMarginMiner(margin=MARGIN, type_of_triplets="semihard")
    loss_function = losses.TripletMarginLoss(margin=MARGIN)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    seconds, seen, best = 0.0, 0, None
    for epoch in range(epochs):
        order = np.fromiter(iter(sampler), dtype=np.int64)
        model.train()
        start = time.perf_counter()
        total, steps = 0.0, 0
        for i in range(0, len(order), BATCH):
            batch = torch.from_numpy(order[i:i + BATCH])
            x, y = images[batch], labels_t[batch]
            optimizer.zero_grad(set_to_none=True)
            embeddings = model(x)
            loss = loss_function(embeddings, y, miner(embeddings, y))
            loss.backward()
            optimizer.step()
            total += loss.item()
            steps += 1
        elapsed = time.perf_counter() - start
        seconds += elapsed
        seen += len(order)
        recall = recall_at_one(embed(model, validation_images), torch.from_numpy(validation_labels))
        is_best = best is None or recall > best[0]
        if is_best:
            best = (recall, epoch + 1, copy.deepcopy(model.state_dict()))
        print(f"epoch {epoch + 1}/{epochs}: loss {total / steps:.4f}, {steps} steps, {elapsed:.1f} s, "
              f"{len(order) / elapsed:.0f} images/s, validation recall@1 {recall:.4f}{' (best)' if is_best else ''}",
              file=sys.stderr)
    model.load_state_dict(best[2])
    print(f"kept epoch {best[1]} of {epochs}, validation recall@1 {best[0]:.4f}", file=sys.stderr)
    return seconds, seen


def normalised(rows):
    return F.normalize(rows, dim=-1)


def one_shot(known_embeddings, known_labels, candidates, test_embeddings, test_labels, draws):
    """Mean recall per class, mean accuracy, accuracy per draw and the chosen candidate indices."""
    known = sorted(set(known_labels.tolist()))
    known_prototypes = torch.stack([normalised(known_embeddings[known_labels == c].mean(dim=0)) for c in known])
    classes = torch.tensor(known + NOVEL_CLASSES)
    test_labels_t = torch.from_numpy(test_labels)
    support = {c: int((test_labels_t == c).sum()) for c in range(len(CLASS_NAMES))}
    recall_sum = np.zeros(len(CLASS_NAMES))
    accuracies, chosen = [], []
    for s in range(draws):
        rng = SeededGenerator(s)
        picks = [rng.next() % len(candidate) for candidate in candidates]
        chosen.append(picks)
        novel_prototypes = torch.stack([normalised(candidate[i]) for candidate, i in zip(candidates, picks)])
        prototypes = torch.cat([known_prototypes, novel_prototypes])
        predicted = classes[torch.cdist(test_embeddings, prototypes).argmin(dim=1)]
        hits = predicted == test_labels_t
        accuracies.append(float(hits.float().mean()))
        for c in range(len(CLASS_NAMES)):
            recall_sum[c] += float(hits[test_labels_t == c].sum()) / max(support[c], 1)
    return recall_sum / draws, float(np.mean(accuracies)), accuracies, chosen


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=positive, default=10, help="training epochs (default 10)")
    parser.add_argument("--threads", type=positive, default=2, help="intra-op threads (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights, batches and dropout (default 0)")
    parser.add_argument("--draws", type=positive, default=20, help="one-shot enrolment draws s = 0…draws−1 (default 20)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)  # pytorch-metric-learning's samplers and miners draw from np.random

    train_images, train_labels = load_protocol_images("train")
    test_images, test_labels = load_protocol_images("t10k")
    long_tail, validation = protocol_split(train_labels)
    known_indices = long_tail[~np.isin(train_labels[long_tail], NOVEL_CLASSES)]
    print(f"torch {torch.__version__}, pytorch-metric-learning {pytorch_metric_learning.__version__}, "
          f"{torch.get_num_threads()} threads; training on {len(known_indices)} FMNIST-LT images "
          f"of the known classes for {args.epochs} epochs", file=sys.stderr)

    model = ReferenceNetwork("embedding")
    known_validation = validation[~np.isin(train_labels[validation], NOVEL_CLASSES)]
    train_seconds, seen = train(model, train_images[known_indices], train_labels[known_indices], args.epochs,
                                train_images[known_validation], train_labels[known_validation])

    known_embeddings = embed(model, train_images[known_indices])
    candidates = [embed(model, train_images[validation[train_labels[validation] == c]]) for c in NOVEL_CLASSES]
    test_embeddings = embed(model, test_images)
    recall, accuracy, accuracies, chosen = one_shot(known_embeddings, torch.from_numpy(train_labels[known_indices]),
                                                    candidates, test_embeddings, test_labels, args.draws)
    for s, picks in enumerate(chosen[:3]):
        print(f"draw {s}: validation image {picks[0]} of Sandal, {picks[1]} of Sneaker (0-based, class file order)",
              file=sys.stderr)
    for c in range(len(CLASS_NAMES)):
        print(f"{CLASS_NAMES[c]:<12} recall {recall[c]:.4f}{'  (novel, 1 image)' if c in NOVEL_CLASSES else ''}",
              file=sys.stderr)
    print(f"10-way accuracy {accuracy:.4f} (min {min(accuracies):.4f}, max {max(accuracies):.4f})", file=sys.stderr)

    common = {"draws": args.draws, "epochs": args.epochs, "threads": torch.get_num_threads(), "seed": args.seed,
              "torch": torch.__version__, "pytorch_metric_learning": pytorch_metric_learning.__version__}
    for name, value in (("pytorch_oneshot_recall_sandal", recall[5]), ("pytorch_oneshot_recall_sneaker", recall[7]),
                        ("pytorch_oneshot_accuracy", accuracy)):
        print(json.dumps({"name": name, "value": round(value, 4), **common}), flush=True)
    print(json.dumps({"name": "pytorch_oneshot_details",
                      "recall": {CLASS_NAMES[c]: round(recall[c], 4) for c in range(len(CLASS_NAMES))},
                      "accuracy_per_draw": [round(a, 4) for a in accuracies],
                      "chosen": chosen,
                      "train_seconds": round(train_seconds, 1),
                      "train_images_per_s": round(seen / train_seconds, 1),
                      **common}), flush=True)


if __name__ == "__main__":
    main()
