"""PyTorch peer benchmark: training throughput of PROTOCOL.md's reference network, either head.

Softmax head: cross-entropy on batches of --batch Fashion-MNIST training images.
Embedding head: triplet loss, margin 0.2 on the Euclidean distance between unit embeddings, on
PK batches (--classes-per-batch P × --images-per-class K images, from the whole training file),
with semi-hard mining: --miner semi-hard-all keeps every negative with d(a,p) < d(a,n) < d(a,p) + m
(pytorch-metric-learning's TripletMarginMiner "semihard", used when it is installed, else the same
rule in torch here); --miner semi-hard keeps FaceNet's one negative per anchor-positive pair, the
nearest farther than the positive (else the farthest), in torch here. The loss is the mean over the
triplets with positive loss, as Likeness's and pytorch-metric-learning's. Both heads: Adam lr 1e-3.
Without Debian's dataset-fashion-mnist the images and labels are random (the speed is the same).

--precision bf16 runs the forward pass and the loss under torch.autocast("cpu", dtype=torch.bfloat16)
(convolutions and linear layers in bfloat16, float32 weights and optimizer), the figure named
pytorch_train_<head>_bf16_images_per_s.

Prints one JSON line on stdout (progress goes to stderr):
    {"name": "pytorch_train_<head>_images_per_s", "value": median, "unit": "images/s", "runs": [...], ...}

Run: /path/to/venv/bin/python pytorch_train.py [--head softmax|embedding] [--threads 2] [--batch 128]
     [--miner semi-hard-all|semi-hard] [-P 8] [-K 16] [--steps 50] [--repeats 5] [--precision f32|bf16]
"""

import argparse
import json
import statistics
import sys
import time

from common import fashion_mnist, import_or_skip, is_installed, np, positive

torch = import_or_skip("torch")
import torch.nn.functional as F  # noqa: E402

from reference_network import HEADS, ReferenceNetwork  # noqa: E402

WARMUP_STEPS = 5
# Distinct batches cycled through, so each step reads new memory as in a real epoch.
BATCH_POOL = 16
MARGIN = 0.2
MINERS = ("semi-hard-all", "semi-hard")


def softmax_batches(batch, generator):
    """BATCH_POOL batches of (N×1×28×28 images in [0, 1], labels), and where they came from."""
    count = batch * BATCH_POOL
    data = fashion_mnist("train", count)
    if data is not None and len(data[0]) == count:
        images = torch.from_numpy(data[0].astype(np.float32) / 255).reshape(count, 1, 28, 28)
        return list(zip(images.split(batch), torch.from_numpy(data[1]).split(batch))), "fashion-mnist"
    images = torch.rand(count, 1, 28, 28, generator=generator)
    labels = torch.randint(0, 10, (count,), generator=generator)
    return list(zip(images.split(batch), labels.split(batch))), "random"


def pk_batches(p, k, generator):
    """BATCH_POOL PK batches: P classes drawn without replacement, K images of each."""
    data = fashion_mnist("train")
    if data is None:
        labels = torch.arange(p).repeat_interleave(k)
        return [(torch.rand(p * k, 1, 28, 28, generator=generator), labels) for _ in range(BATCH_POOL)], "random"
    images, labels = data
    members = [np.flatnonzero(labels == c) for c in range(10)]
    rng = np.random.default_rng(0)
    batches = []
    for _ in range(BATCH_POOL):
        picked = np.concatenate([rng.choice(members[c], k, replace=False) for c in rng.choice(10, p, replace=False)])
        x = torch.from_numpy(images[picked].astype(np.float32) / 255).reshape(p * k, 1, 28, 28)
        batches.append((x, torch.from_numpy(labels[picked])))
    return batches, "fashion-mnist"


def distances(x):
    """N×N Euclidean distances between the rows of x; sqrt clamped away from 0 so its gradient is finite."""
    squared = (x * x).sum(dim=1)
    return (squared[:, None] + squared[None, :] - 2 * x @ x.T).clamp_min(1e-12).sqrt()


def mined_triplets(d, labels, miner):
    """Anchor, positive and negative indices of the triplets `miner` keeps, from distances d (no gradient)."""
    n = len(labels)
    same = labels[:, None] == labels[None, :]
    positive_pair = same & ~torch.eye(n, dtype=torch.bool)
    negative = ~same
    dap, dan = d[:, :, None], d[:, None, :]
    if miner == "semi-hard-all":
        keep = positive_pair[:, :, None] & negative[:, None, :] & (dan > dap) & (dan < dap + MARGIN)
        return keep.nonzero(as_tuple=True)
    beyond = negative[:, None, :] & (dan > dap)
    nearest_beyond = torch.where(beyond, dan.expand_as(beyond), torch.inf).argmin(dim=2)
    farthest = torch.where(negative, d, -torch.inf).argmax(dim=1)
    chosen = torch.where(beyond.any(dim=2), nearest_beyond, farthest[:, None].expand(n, n))
    a, p = positive_pair.nonzero(as_tuple=True)
    return a, p, chosen[a, p]


def triplet_loss_function(miner):
    """loss(embeddings, labels) and a description of who mines."""
    if miner == "semi-hard-all" and is_installed("pytorch_metric_learning"):
        from pytorch_metric_learning import losses, miners
        pml_miner = miners.TripletMarginMiner(margin=MARGIN, type_of_triplets="semihard")
        pml_loss = losses.TripletMarginLoss(margin=MARGIN)
        return (lambda e, y: pml_loss(e, y, pml_miner(e, y))), "pytorch-metric-learning TripletMarginMiner(semihard)"

    def loss(embeddings, labels):
        d = distances(embeddings)
        with torch.no_grad():
            a, p, n = mined_triplets(d, labels, miner)
        violations = F.relu(d[a, p] - d[a, n] + MARGIN)
        active = violations[violations > 0]
        return active.mean() if active.numel() else embeddings.sum() * 0

    return loss, f"{miner} in torch (this script)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--head", choices=HEADS, default="softmax", help="the head to train (default softmax)")
    parser.add_argument("--threads", type=positive, default=2, help="intra-op threads (default 2)")
    parser.add_argument("--batch", type=positive, default=128, help="images per step, softmax head (default 128)")
    parser.add_argument("--miner", choices=MINERS, default="semi-hard-all", help="embedding head (default semi-hard-all)")
    parser.add_argument("-P", "--classes-per-batch", type=positive, default=8, help="embedding head (default 8)")
    parser.add_argument("-K", "--images-per-class", type=positive, default=16, help="embedding head (default 16)")
    parser.add_argument("--steps", type=positive, default=50, help="steps per timed run (default 50)")
    parser.add_argument("--repeats", type=positive, default=5, help="timed runs; the median is reported (default 5)")
    parser.add_argument("--precision", choices=("f32", "bf16"), default="f32",
                        help="bf16: forward pass and loss under bfloat16 autocast (default f32)")
    args = parser.parse_args()
    if args.head == "embedding" and args.classes_per_batch > 10:
        parser.error("--classes-per-batch: Fashion-MNIST has 10 classes")

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    model = ReferenceNetwork(args.head)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    details = {}
    if args.head == "softmax":
        batches, data = softmax_batches(args.batch, generator)
        loss_function = F.cross_entropy
    else:
        batches, data = pk_batches(args.classes_per_batch, args.images_per_class, generator)
        loss_function, mining = triplet_loss_function(args.miner)
        details = {"miner": args.miner, "mining": mining, "classes_per_batch": args.classes_per_batch,
                   "images_per_class": args.images_per_class}
    batch = len(batches[0][1])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.head} head, batch {batch}, "
          f"{args.steps} steps × {args.repeats} runs, data {data}"
          + (f", mining: {details['mining']}" if details else ""), file=sys.stderr)

    bf16 = args.precision == "bf16"

    def step(images, labels):
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = loss_function(model(images), labels)
        loss.backward()
        optimizer.step()

    model.train()
    for i in range(WARMUP_STEPS):
        step(*batches[i % len(batches)])
    runs = []
    for repeat in range(args.repeats):
        start = time.perf_counter()
        for i in range(args.steps):
            step(*batches[i % len(batches)])
        runs.append(batch * args.steps / (time.perf_counter() - start))
        print(f"train run {repeat + 1}/{args.repeats}: {runs[-1]:.0f} images/s", file=sys.stderr)

    name = f"pytorch_train_{args.head}" + ("_bf16" if bf16 else "") + "_images_per_s"
    print(json.dumps({"name": name, "value": round(statistics.median(runs), 1), "precision": args.precision,
                      "unit": "images/s", "runs": [round(r, 1) for r in runs], "threads": torch.get_num_threads(),
                      "batch": batch, "steps": args.steps, "data": data, "torch": torch.__version__, **details}),
          flush=True)


if __name__ == "__main__":
    main()
