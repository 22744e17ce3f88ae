"""PyTorch + pytorch-metric-learning peer of PROTOCOL.md's one-shot novel-class protocol.

Trains the reference network with an embedding head (dense 64 → L2-normalise) on FMNIST-LT
without classes 5 (Sandal) and 7 (Sneaker), with one of three recipes (--recipe):
  triplet (default, PROTOCOL.md's reference): triplet loss, margin 0.2 on the Euclidean distance
    between unit embeddings, semi-hard mining, from random weights;
  supcon: pytorch-metric-learning's SupConLoss (temperature 0.1) instead, from random weights;
  simclr-supcon-distill (ONE-SHOT-MEASUREMENTS.md's best, `likeness-bench one-shot --loss supcon
    --init P --distill P`): SimCLR pre-training without labels (--pretrain-epochs, cached in
    --pretrained-cache so that it runs once), then SupCon from its backbone with a fresh 64-d head,
    plus relational distillation (weight --distill-weight) to the frozen SimCLR network over the
    step's labelled images and as many unlabelled pool images.
    With --discover N (`likeness-bench one-shot --discover N`): after that training, N new classes
    are found among the unlabelled images with the trained network (Likeness's ClassDiscovery:
    images farther from every known prototype than the 95 % quantile of the known validation
    images' distances, k-means++ into 10 parts, parts nearer a known prototype than the two
    nearest known prototypes are left out, the rest into N clusters), and the recipe is trained
    again from the SimCLR backbone with them as classes of their own.
All recipes: PK batches of 8 classes × 16 images, Adam lr 1e-3; after each epoch, leave-one-out
recall@1 on the known classes' validation images, and the best epoch's weights kept (the first of
equals), as Likeness's Trainer keeps them. --setting says what pre-training and distillation see:
pool (the 55,000 non-validation training images, labels unused) or strict (the FMNIST-LT images of
the 8 known classes only).
Known classes are enrolled from their FMNIST-LT embeddings (mean, re-normalised); each novel
class from one validation image, chosen for draw s exactly as Likeness's OneShotEvaluation does
(SeededGenerator(seed: s), index = next() mod 500, Sandal then Sneaker from the same generator).
Every test image gets the class of its nearest prototype (Euclidean, 10 prototypes, no rejection).
With --seeds N, the network is trained with seeds --seed … --seed + N − 1; each figure is the mean
of the seeds' means over the draws (runs: each seed's), as `likeness-bench one-shot --seeds N`.

Prints one JSON line per figure on stdout (progress goes to stderr), named as likeness-bench's
with `pytorch_` in front: pytorch_oneshot[_strict][_<recipe>]_<measure>, <recipe> empty for
triplet, `supcon`, or `supcon_init_distill` (`supcon_init_distill<weight>` for a weight other than 0.3):
    {"name": "pytorch_oneshot_recall_sandal", "value": mean over the seeds, "runs": [each seed's], ...}
    {"name": "pytorch_oneshot_recall_sneaker", ...}
    {"name": "pytorch_oneshot_accuracy", ...}
    {"name": "pytorch_oneshot_known_macro_recall", ...}
    {"name": "pytorch_oneshot_novel_precision", ...}
    {"name": "pytorch_oneshot_details", "recall": {class: mean recall}, "train_seconds": ..., ...}

Run: /path/to/venv/bin/python pytorch_oneshot.py [--epochs 10] [--threads 2] [--seed 0] [--draws 20]
     [--seeds 1] [--recipe triplet|supcon|simclr-supcon-distill] [--setting pool|strict]
     [--pretrain-epochs 16] [--pretrained-cache FILE] [--distill-weight 0.3] [--discover N]
"""

import argparse
import copy
import json
import math
import os
import statistics
import sys
import tempfile
import time

from common import CLASS_NAMES, import_or_skip, load_protocol_images, np, positive, protocol_split, recall_at_one

torch = import_or_skip("torch")
pytorch_metric_learning = import_or_skip("pytorch_metric_learning")
import torch.nn.functional as F  # noqa: E402
from pytorch_metric_learning import losses, miners, samplers  # noqa: E402

import torch.nn as nn  # noqa: E402

from reference_network import ReferenceNetwork  # noqa: E402

NOVEL_CLASSES = [5, 7]
MARGIN = 0.2
IMAGES_PER_CLASS = 16
BATCH = 128
EMBEDDING_BATCH = 1000
RECIPES = ("triplet", "supcon", "simclr-supcon-distill")
SETTINGS = ("pool", "strict")
SUPCON_TEMPERATURE = 0.1

# SimCLR pre-training (ONE-SHOT-MEASUREMENTS.md's settings, Likeness's `likeness pretrain`).
SIMCLR_BATCH = 256               # images per step, two views each
SIMCLR_TEMPERATURE = 0.2         # NT-Xent
SIMCLR_LEARNING_RATE = 1e-3      # Adam, cosine decay to 0 over the epochs
SIMCLR_WEIGHT_DECAY = 1e-6
SIMCLR_SEED = 0                  # the pre-training's own seed: one cached network serves every training seed
PROJECTION_HIDDEN, PROJECTION_DIMENSION = 256, 128

# Relational distillation (Likeness's RelationalDistillationLoss, Distillation).
DISTILL_TEMPERATURE = 0.1
POOL_IMAGES_PER_STEP = 128       # beside the 128 labelled images of the PK batch

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


# ---------------------------------------------------------------------------------------------
# SimCLR pre-training (recipe simclr-supcon-distill)


class SimCLRNetwork(nn.Module):
    """The reference backbone (dropout 0.5 included, as Likeness's) with SimCLR's projection head:
    3136 → 256 → batch norm → ReLU → 128, L2-normalised. Its conv layers are named as
    ReferenceNetwork's, so that a student starts from them; the whole network, frozen, is the
    distillation teacher."""

    def __init__(self):
        super().__init__()
        self.backbone = ReferenceNetwork("embedding")  # its dense layer is unused
        self.projection = nn.Sequential(nn.Linear(64 * 7 * 7, PROJECTION_HIDDEN), nn.BatchNorm1d(PROJECTION_HIDDEN),
                                        nn.ReLU(), nn.Linear(PROJECTION_HIDDEN, PROJECTION_DIMENSION))

    def forward(self, x):
        return F.normalize(self.projection(self.backbone.features(x)), dim=1)


def simclr_views(images, generator):
    """One random view of each image (N×1×28×28 in [0, 1]), ONE-SHOT-MEASUREMENTS.md's SimCLR
    augmentation as one affine resampling: random resized crop (area 0.5–1, aspect 3/4–4/3, the crop
    inside the image), rotation ±15°, translation ±2 px, horizontal flip with probability 0.5; then
    brightness × U(0.6, 1.4), clipped to [0, 1]. Outside the image is black (Fashion-MNIST's
    background)."""
    n = len(images)

    def uniform(low, high):
        return low + (high - low) * torch.rand(n, generator=generator)

    area, log_aspect = uniform(0.5, 1.0), uniform(math.log(3 / 4), math.log(4 / 3))
    width = torch.sqrt(area * torch.exp(log_aspect)).clamp(max=1)   # of the side, output → input scale
    height = torch.sqrt(area / torch.exp(log_aspect)).clamp(max=1)
    centre_x = uniform(-1, 1) * (1 - width)                        # normalised coordinates, [-1, 1]
    centre_y = uniform(-1, 1) * (1 - height)
    angle = uniform(-15, 15) * math.pi / 180
    pixel = 2 / 28                                                  # one pixel in normalised coordinates
    shift_x, shift_y = uniform(-2, 2) * pixel, uniform(-2, 2) * pixel
    flip = torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0)
    cos, sin = torch.cos(angle), torch.sin(angle)
    # input coordinate = rotation · diag(flip · width, height) · output coordinate + centre + shift
    theta = torch.stack([torch.stack([cos * width * flip, -sin * height, centre_x + shift_x], dim=1),
                         torch.stack([sin * width * flip, cos * height, centre_y + shift_y], dim=1)], dim=1)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    views = F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return (views * uniform(0.6, 1.4).view(n, 1, 1, 1)).clamp(0, 1)


def nt_xent(z, temperature=SIMCLR_TEMPERATURE):
    """NT-Xent of 2N unit rows, the two views of image i at rows i and i + N: each row's positive is
    the other view, its negatives the other 2N − 2 rows."""
    n = len(z) // 2
    logits = (z @ z.T / temperature).fill_diagonal_(float("-inf"))
    targets = (torch.arange(2 * n) + n) % (2 * n)
    return F.cross_entropy(logits, targets)


def pretrain_simclr(images, epochs, seed=SIMCLR_SEED):
    """SimCLR on `images` (labels never seen): shuffled batches of 256 (the last partial one
    dropped), two views each, NT-Xent at temperature 0.2, Adam 1e-3 with weight decay 1e-6, the
    learning rate decayed per epoch by a cosine to 0 (Likeness's `.cosine(period: epochs)`); the last
    epoch is kept. Returns the network and a record of the run."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = SimCLRNetwork()
    optimizer = torch.optim.Adam(model.parameters(), lr=SIMCLR_LEARNING_RATE, weight_decay=SIMCLR_WEIGHT_DECAY)
    images = torch.from_numpy(images)
    steps = len(images) // SIMCLR_BATCH
    record = {"epochs": epochs, "images": len(images), "seed": seed, "losses": [], "seconds": 0.0}
    for epoch in range(epochs):
        learning_rate = SIMCLR_LEARNING_RATE * 0.5 * (1 + math.cos(math.pi * epoch / epochs))
        for group in optimizer.param_groups:
            group["lr"] = learning_rate
        order = torch.randperm(len(images), generator=generator)
        model.train()
        start, total = time.perf_counter(), 0.0
        for step in range(steps):
            x = images[order[step * SIMCLR_BATCH:(step + 1) * SIMCLR_BATCH]]
            views = torch.cat([simclr_views(x, generator), simclr_views(x, generator)])
            optimizer.zero_grad(set_to_none=True)
            loss = nt_xent(model(views))
            loss.backward()
            optimizer.step()
            total += loss.item()
            if (step + 1) % 50 == 0:
                print(f"  simclr epoch {epoch + 1} step {step + 1}/{steps}: loss {total / (step + 1):.4f}, "
                      f"{time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
        elapsed = time.perf_counter() - start
        record["seconds"] += elapsed
        record["losses"].append(round(total / steps, 4))
        print(f"simclr epoch {epoch + 1}/{epochs}: NT-Xent {total / steps:.4f}, lr {learning_rate:.2e}, {steps} steps, "
              f"{elapsed:.1f} s, {steps * SIMCLR_BATCH / elapsed:.0f} images/s", file=sys.stderr, flush=True)
    model.eval()
    return model, record


def cached_simclr(path, images, epochs, setting):
    """The SimCLR network of `setting` pre-trained for `epochs`: loaded from `path` when it holds
    that run, else pre-trained and saved there (torch.save) so that later runs skip it."""
    if os.path.exists(path):
        cached = torch.load(path, weights_only=False)
        found = (cached["record"]["setting"], cached["record"]["epochs"], cached["record"]["images"])
        if found != (setting, epochs, len(images)):
            sys.exit(f"--pretrained-cache {path}: holds the {found[0]} setting, {found[1]} epochs on {found[2]} images, "
                     f"not {setting}, {epochs} epochs on {len(images)} images; name another file")
        model = SimCLRNetwork()
        model.load_state_dict(cached["state_dict"])
        model.eval()
        print(f"SimCLR network loaded from {path} ({setting}, {epochs} epochs, pre-trained in "
              f"{cached['record']['seconds']:.0f} s)", file=sys.stderr)
        return model, {**cached["record"], "cache": path, "loaded": True}
    print(f"SimCLR pre-training on {len(images)} unlabelled images ({setting} setting), {epochs} epochs; "
          f"cached in {path}", file=sys.stderr)
    model, record = pretrain_simclr(images, epochs)
    record = {**record, "setting": setting, "torch": torch.__version__}
    torch.save({"state_dict": model.state_dict(), "record": record}, path + ".partial")
    os.replace(path + ".partial", path)
    return model, {**record, "cache": path, "loaded": False}


# ---------------------------------------------------------------------------------------------
# Supervised training of the embedding network


def relational_distillation(student, teacher, temperature=DISTILL_TEMPERATURE):
    """Mean over rows i of KL(Q_i ‖ P_i) = Σ_{j≠i} Q_ij log(Q_ij / P_ij), where P_i and Q_i are the
    softmaxes over j ≠ i (the diagonal left out) of the cosine similarities / temperature of the
    student's and of the teacher's unit rows (Likeness's RelationalDistillationLoss)."""
    n = len(student)
    off_diagonal = ~torch.eye(n, dtype=torch.bool)

    def log_probabilities(rows):
        return F.log_softmax((rows @ rows.T / temperature)[off_diagonal].view(n, n - 1), dim=1)

    log_p, log_q = log_probabilities(student), log_probabilities(teacher)
    return (log_q.exp() * (log_q - log_p)).sum(dim=1).mean()


def train(model, images, labels, epochs, validation_images, validation_labels, batch_loss):
    """Seconds spent training, images seen and the epoch kept. `batch_loss(model, x, y, batch)`
    gives a step's loss (the model in training mode; batch: the rows of `images`). After each epoch, leave-one-out recall@1 on the
    validation images: the best epoch's weights are kept (the first of equals), as Likeness's
    Trainer keeps them."""
    images, labels_t = torch.from_numpy(images), torch.from_numpy(labels)
    sampler = samplers.MPerClassSampler(labels, m=IMAGES_PER_CLASS, batch_size=BATCH,
                                        length_before_new_iter=len(labels))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    seconds, seen, best = 0.0, 0, None
    for epoch in range(epochs):
        order = np.fromiter(iter(sampler), dtype=np.int64)
        model.train()
        start = time.perf_counter()
        total, steps = 0.0, 0
        for i in range(0, len(order), BATCH):
            batch = torch.from_numpy(order[i:i + BATCH])
            optimizer.zero_grad(set_to_none=True)
            loss = batch_loss(model, images[batch], labels_t[batch], batch)
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
              file=sys.stderr, flush=True)
    model.load_state_dict(best[2])
    print(f"kept epoch {best[1]} of {epochs}, validation recall@1 {best[0]:.4f}", file=sys.stderr)
    return seconds, seen, best[1]


def triplet_batch_loss():
    miner = miners.TripletMarginMiner(margin=MARGIN, type_of_triplets="semihard")
    loss_function = losses.TripletMarginLoss(margin=MARGIN)

    def batch_loss(model, x, y, batch):
        embeddings = model(x)
        return loss_function(embeddings, y, miner(embeddings, y))

    return batch_loss


def supcon_batch_loss(distillation=None):
    """SupCon (temperature 0.1) on the PK batch. With `distillation` = (the teacher's outputs for
    the training images, the pool's images, the teacher's outputs for them, weight, generator), each
    step also draws 128 pool images with replacement, sends them through the student after the
    labelled ones (one training-mode pass, as Likeness's EmbeddingStep), and adds
    weight × relational_distillation over all 256 rows against the frozen teacher's outputs."""
    loss_function = losses.SupConLoss(temperature=SUPCON_TEMPERATURE)
    if distillation is None:
        return lambda model, x, y, batch: loss_function(model(x), y)
    teacher_labelled, pool_images, teacher_pool, weight, generator = distillation

    def batch_loss(model, x, y, batch):
        drawn = torch.randint(len(pool_images), (POOL_IMAGES_PER_STEP,), generator=generator)
        embeddings = model(torch.cat([x, pool_images[drawn]]))
        teacher = torch.cat([teacher_labelled[batch], teacher_pool[drawn]])
        return loss_function(embeddings[:len(x)], y) + weight * relational_distillation(embeddings, teacher)

    return batch_loss


# ---------------------------------------------------------------------------------------------
# One-shot evaluation


def normalised(rows):
    return F.normalize(rows, dim=-1)


def one_shot(known_embeddings, known_labels, candidates, test_embeddings, test_labels, draws):
    """Mean recall per class, mean precision per novel class (0 for a draw that gives the class to
    no test image, as Likeness's OneShotEvaluation), mean accuracy, accuracy per draw and the chosen
    candidate indices."""
    known = sorted(set(known_labels.tolist()))
    known_prototypes = torch.stack([normalised(known_embeddings[known_labels == c].mean(dim=0)) for c in known])
    classes = torch.tensor(known + NOVEL_CLASSES)
    test_labels_t = torch.from_numpy(test_labels)
    support = {c: int((test_labels_t == c).sum()) for c in range(len(CLASS_NAMES))}
    recall_sum = np.zeros(len(CLASS_NAMES))
    precision_sum = np.zeros(len(NOVEL_CLASSES))
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
        for k, c in enumerate(NOVEL_CLASSES):
            given = int((predicted == c).sum())
            precision_sum[k] += float((hits & (predicted == c)).sum()) / given if given else 0.0
    return recall_sum / draws, precision_sum / draws, float(np.mean(accuracies)), accuracies, chosen


# ---------------------------------------------------------------------------------------------
# New classes among the unlabelled images (Likeness's ClassDiscovery)


def kmeans(rows, k, restarts, rng):
    """Lloyd's k-means with k-means++ seeding, the best of `restarts` runs: each row's cluster."""
    rows = rows.astype(np.float64)
    best = None
    for _ in range(restarts):
        centres = [rows[rng.integers(len(rows))]]
        nearest = ((rows - centres[0]) ** 2).sum(1)
        while len(centres) < k:
            centres.append(rows[rng.choice(len(rows), p=nearest / nearest.sum())])
            nearest = np.minimum(nearest, ((rows - centres[-1]) ** 2).sum(1))
        centres = np.stack(centres)
        assignment = None
        for _ in range(100):
            distances = (rows ** 2).sum(1)[:, None] - 2 * rows @ centres.T + (centres ** 2).sum(1)[None]
            new = distances.argmin(1)
            if assignment is not None and (new == assignment).all():
                break
            assignment = new
            centres = np.stack([rows[assignment == c].mean(0) if (assignment == c).any() else centres[c] for c in range(k)])
        inertia = ((rows - centres[assignment]) ** 2).sum()
        if best is None or inertia < best[0]:
            best = (inertia, assignment)
    return best[1]


def discover(known, known_labels, validation, pool, new_classes, seed, accepted=0.95, subclusters=10):
    """The pool rows of each new class (ClassDiscovery's three steps; see the module doc)."""
    known, validation, pool = (normalised(t).numpy().astype(np.float64) for t in (known, validation, pool))
    classes = np.unique(known_labels)
    prototypes = np.stack([known[known_labels == c].mean(0) for c in classes])
    prototypes /= np.linalg.norm(prototypes, axis=1, keepdims=True)

    def nearest(rows):
        return np.sqrt(np.maximum(2 - 2 * rows @ prototypes.T, 0)).min(1)

    held = np.sort(nearest(validation))
    threshold = held[min(len(held) - 1, math.ceil(accepted * len(held)) - 1)]
    unknown = np.flatnonzero(nearest(pool) > threshold)
    between = np.sqrt(np.maximum(2 - 2 * prototypes @ prototypes.T, 0))
    separation = between[~np.eye(len(prototypes), dtype=bool)].min()
    rng = np.random.default_rng(seed)
    parts = kmeans(pool[unknown], subclusters, 4, rng)
    kept = []
    for part in range(subclusters):
        members = unknown[parts == part]
        if len(members) == 0:
            continue
        centre = pool[members].mean(0)
        centre /= np.linalg.norm(centre)
        if nearest(centre[None])[0] > separation:
            kept.append(members)
    kept = np.sort(np.concatenate(kept))
    groups = kmeans(pool[kept], new_classes, 8, rng)
    print(f"discovery: {len(unknown)} pool images farther than {threshold:.3f} from every known class, "
          f"{len(unknown) - len(kept)} of them in parts of known classes; new classes of "
          f"{', '.join(str((groups == g).sum()) for g in range(new_classes))} images", file=sys.stderr, flush=True)
    return [kept[groups == g] for g in range(new_classes)]


def figure_prefix(recipe, setting, distill_weight):
    """likeness-bench's `oneshot[_<setting>][_<recipe>]` (OneShotOptions.figurePrefix) with
    `pytorch_` in front; the pool setting and the triplet recipe add nothing."""
    parts = {"triplet": [], "supcon": ["supcon"],
             "simclr-supcon-distill": ["supcon", "init", "distill" if distill_weight == 0.3 else f"distill{distill_weight}"]}
    return "_".join(["pytorch_oneshot"] + ([] if setting == "pool" else [setting]) + parts[recipe])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=positive, default=10, help="training epochs (default 10)")
    parser.add_argument("--threads", type=positive, default=2, help="intra-op threads (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights, batches and dropout (default 0); "
                        "the first of --seeds")
    parser.add_argument("--seeds", type=positive, default=1,
                        help="training seeds --seed … --seed + N − 1; each figure is their mean (default 1)")
    parser.add_argument("--draws", type=positive, default=20, help="one-shot enrolment draws s = 0…draws−1 (default 20)")
    parser.add_argument("--recipe", choices=RECIPES, default="triplet",
                        help="triplet (PROTOCOL.md's reference, default), supcon, or simclr-supcon-distill "
                             "(SimCLR pre-training, then SupCon from its backbone with relational distillation to it)")
    parser.add_argument("--setting", choices=SETTINGS, default="pool",
                        help="what SimCLR and the distillation pool see: pool (the 55,000 non-validation training "
                             "images, labels unused; default) or strict (the FMNIST-LT images of the known classes)")
    parser.add_argument("--pretrain-epochs", type=positive, default=16, help="SimCLR epochs (default 16)")
    parser.add_argument("--pretrained-cache", metavar="FILE",
                        help="where the SimCLR network is saved, and loaded from when it holds the same setting "
                             "and epochs (default: simclr_<setting>_<epochs>ep.pt in the temporary directory)")
    parser.add_argument("--distill-weight", type=float, default=0.3, help="relational distillation's weight (default 0.3)")
    parser.add_argument("--discover", type=positive, metavar="N",
                        help="simclr-supcon-distill in the pool setting: find N new classes among the unlabelled images and train again with them")
    args = parser.parse_args()
    if not (args.distill_weight > 0 and math.isfinite(args.distill_weight)):
        parser.error(f"--distill-weight must be positive, not {args.distill_weight}")
    pretrained = args.recipe == "simclr-supcon-distill"
    if args.discover and not (pretrained and args.setting == "pool"):
        parser.error("--discover takes the simclr-supcon-distill recipe in the pool setting")
    cache = args.pretrained_cache or os.path.join(tempfile.gettempdir(),
                                                  f"simclr_{args.setting}_{args.pretrain_epochs}ep.pt")

    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    train_images, train_labels = load_protocol_images("train")
    test_images, test_labels = load_protocol_images("t10k")
    long_tail, validation = protocol_split(train_labels)
    known_indices = long_tail[~np.isin(train_labels[long_tail], NOVEL_CLASSES)]
    known_validation = validation[~np.isin(train_labels[validation], NOVEL_CLASSES)]
    seeds = list(range(args.seed, args.seed + args.seeds))
    print(f"torch {torch.__version__}, pytorch-metric-learning {pytorch_metric_learning.__version__}, "
          f"{torch.get_num_threads()} threads; recipe {args.recipe}, setting {args.setting}, seeds {seeds}; "
          f"training on {len(known_indices)} FMNIST-LT images of the known classes for {args.epochs} epochs",
          file=sys.stderr)

    pretraining, teacher_seconds = None, None
    if pretrained:
        # The unlabelled images: pool = every training image but the validation ones (Sandal and
        # Sneaker among them, their labels never read); strict = the known classes' FMNIST-LT images.
        unlabelled = (np.setdiff1d(np.arange(len(train_labels)), validation) if args.setting == "pool"
                      else known_indices)
        teacher, pretraining = cached_simclr(cache, train_images[unlabelled], args.pretrain_epochs, args.setting)
        for parameter in teacher.parameters():
            parameter.requires_grad_(False)
        start = time.perf_counter()
        teacher_labelled = embed(teacher, train_images[known_indices])   # eval mode: one pass, no dropout
        teacher_pool = embed(teacher, train_images[unlabelled])
        teacher_seconds = time.perf_counter() - start
        pool_images = torch.from_numpy(train_images[unlabelled])

    candidates_images = [train_images[validation[train_labels[validation] == c]] for c in NOVEL_CLASSES]
    per_seed = []
    for seed in seeds:
        torch.manual_seed(seed)
        np.random.seed(seed)  # pytorch-metric-learning's samplers and miners draw from np.random
        model = ReferenceNetwork("embedding")
        if pretrained:
            # The SimCLR backbone's conv layers; the 64-d dense head stays freshly initialised.
            model.conv1.load_state_dict(teacher.backbone.conv1.state_dict())
            model.conv2.load_state_dict(teacher.backbone.conv2.state_dict())
            generator = torch.Generator().manual_seed(seed)
            batch_loss = supcon_batch_loss((teacher_labelled, pool_images, teacher_pool, args.distill_weight, generator))
        else:
            batch_loss = triplet_batch_loss() if args.recipe == "triplet" else supcon_batch_loss()
        print(f"seed {seed}: training", file=sys.stderr)
        train_seconds, seen, kept_epoch = train(model, train_images[known_indices], train_labels[known_indices], args.epochs,
                                                train_images[known_validation], train_labels[known_validation], batch_loss)
        if args.discover:
            groups = discover(embed(model, train_images[known_indices]), train_labels[known_indices],
                              embed(model, train_images[known_validation]), embed(model, train_images[unlabelled]), args.discover, seed)
            found = np.concatenate(groups)   # rows of the unlabelled images
            images = np.concatenate([train_images[known_indices], train_images[unlabelled[found]]])
            labels = np.concatenate([train_labels[known_indices]]
                                    + [np.full(len(g), len(CLASS_NAMES) + k, dtype=train_labels.dtype) for k, g in enumerate(groups)])
            print(f"seed {seed}: training again with the new classes", file=sys.stderr)
            torch.manual_seed(seed)
            np.random.seed(seed)
            model = ReferenceNetwork("embedding")
            model.conv1.load_state_dict(teacher.backbone.conv1.state_dict())
            model.conv2.load_state_dict(teacher.backbone.conv2.state_dict())
            generator = torch.Generator().manual_seed(seed)
            batch_loss = supcon_batch_loss((torch.cat([teacher_labelled, teacher_pool[torch.from_numpy(found)]]), pool_images,
                                            teacher_pool, args.distill_weight, generator))
            more_seconds, more_seen, kept_epoch = train(model, images, labels, args.epochs, train_images[known_validation],
                                                        train_labels[known_validation], batch_loss)
            train_seconds, seen = train_seconds + more_seconds, seen + more_seen

        known_embeddings = embed(model, train_images[known_indices])
        candidates = [embed(model, images) for images in candidates_images]
        test_embeddings = embed(model, test_images)
        recall, precision, accuracy, accuracies, chosen = one_shot(
            known_embeddings, torch.from_numpy(train_labels[known_indices]), candidates, test_embeddings, test_labels, args.draws)
        known_recall = float(np.mean([recall[c] for c in range(len(CLASS_NAMES)) if c not in NOVEL_CLASSES]))
        for c in range(len(CLASS_NAMES)):
            print(f"{CLASS_NAMES[c]:<12} recall {recall[c]:.4f}{'  (novel, 1 image)' if c in NOVEL_CLASSES else ''}",
                  file=sys.stderr)
        print(f"seed {seed}: Sandal {recall[5]:.4f}, Sneaker {recall[7]:.4f}, known macro recall {known_recall:.4f}, "
              f"10-way accuracy {accuracy:.4f} (min {min(accuracies):.4f}, max {max(accuracies):.4f}), "
              f"novel precision {np.mean(precision):.4f}", file=sys.stderr, flush=True)
        per_seed.append({"seed": seed, "recall": recall, "precision": precision, "accuracy": accuracy,
                         "accuracies": accuracies, "known_recall": known_recall, "train_seconds": train_seconds,
                         "seen": seen, "kept_epoch": kept_epoch})
    for s, picks in enumerate(chosen[:3]):
        print(f"draw {s}: validation image {picks[0]} of Sandal, {picks[1]} of Sneaker (0-based, class file order)",
              file=sys.stderr)

    common = {"draws": args.draws, "epochs": args.epochs, "threads": torch.get_num_threads(), "seed": args.seed,
              "seeds": seeds, "recipe": args.recipe, "setting": args.setting,
              "torch": torch.__version__, "pytorch_metric_learning": pytorch_metric_learning.__version__}
    if pretrained:
        common.update({"pretrain_epochs": args.pretrain_epochs, "distill_weight": args.distill_weight})
    if args.discover:
        common["discover"] = args.discover
    prefix = figure_prefix(args.recipe, args.setting, args.distill_weight) + (f"_discover{args.discover}" if args.discover else "")

    def write(suffix, runs, **what):
        # value: the mean over the seeds; runs: each seed's mean over the draws; seed_spread: their
        # sample standard deviation (0 for one seed), as likeness-bench one-shot writes them.
        print(json.dumps({"name": f"{prefix}_{suffix}", "value": round(float(np.mean(runs)), 4),
                          "runs": [round(float(r), 4) for r in runs],
                          "seed_spread": round(statistics.stdev(runs), 4) if len(runs) > 1 else 0.0,
                          **what, **common}), flush=True)

    write("recall_sandal", [r["recall"][5] for r in per_seed], **{"class": "Sandal"})
    write("recall_sneaker", [r["recall"][7] for r in per_seed], **{"class": "Sneaker"})
    write("accuracy", [r["accuracy"] for r in per_seed])
    write("known_macro_recall", [r["known_recall"] for r in per_seed])
    write("novel_precision", [float(np.mean(r["precision"])) for r in per_seed])
    train_seconds = sum(r["train_seconds"] for r in per_seed)
    details = {"name": f"{prefix}_details",
               "recall": {CLASS_NAMES[c]: round(float(np.mean([r["recall"][c] for r in per_seed])), 4)
                          for c in range(len(CLASS_NAMES))},
               "accuracy_per_draw": [round(float(np.mean(a)), 4) for a in zip(*(r["accuracies"] for r in per_seed))],
               "chosen": chosen,
               "train_seconds": round(train_seconds, 1),
               "train_images_per_s": round(sum(r["seen"] for r in per_seed) / train_seconds, 1),
               "kept_epoch": [r["kept_epoch"] for r in per_seed],
               "per_seed_train_seconds": [round(r["train_seconds"], 1) for r in per_seed],
               "seconds": round(time.perf_counter() - started, 1),
               **common}
    if pretrained:
        details["pretraining"] = {"cache": pretraining["cache"], "loaded": pretraining["loaded"],
                                  "images": pretraining["images"], "seconds": round(pretraining["seconds"], 1),
                                  "nt_xent_per_epoch": pretraining["losses"],
                                  "batch": SIMCLR_BATCH, "temperature": SIMCLR_TEMPERATURE, "seed": pretraining["seed"]}
        details["teacher_seconds"] = round(teacher_seconds, 1)
        details["distillation"] = (f"relational, weight {args.distill_weight}, temperature {DISTILL_TEMPERATURE}, "
                                   f"{POOL_IMAGES_PER_STEP} pool images per step")
    print(json.dumps(details), flush=True)


if __name__ == "__main__":
    main()
