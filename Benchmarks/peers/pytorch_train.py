"""PyTorch peer benchmark: training and inference throughput of PROTOCOL.md's reference network.

Network: conv 3×3 32 (same) → ReLU → max-pool 2 → conv 3×3 64 (same) → ReLU → max-pool 2
→ flatten (3136) → dropout 0.5 → dense 10; softmax cross-entropy, Adam lr 1e-3.
Data: Fashion-MNIST training images in [0, 1] when Debian's dataset-fashion-mnist is installed,
otherwise uniform random images and labels (the figures do not depend on pixel values).

Prints one JSON line per figure on stdout (progress goes to stderr):
    {"name": "pytorch_train_images_per_s", "value": median, "unit": "images/s", "runs": [...], ...}
    {"name": "pytorch_infer_images_per_s", ...}

Run: /path/to/venv/bin/python pytorch_train.py [--threads 2] [--batch 128] [--steps 50] [--repeats 5]
"""

import argparse
import gzip
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
WARMUP_STEPS = 5
# Distinct batches cycled through, so each step reads new memory as in a real epoch.
BATCH_POOL = 16


class ReferenceNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3, padding=1)
        self.dropout = nn.Dropout(0.5)
        self.dense = nn.Linear(64 * 7 * 7, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.dense(self.dropout(torch.flatten(x, 1)))


def positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def read_idx(path, count):
    """The first `count` items of a gzip IDX file."""
    with gzip.open(path, "rb") as f:
        header = f.read(4)
        dims = np.frombuffer(f.read(4 * header[3]), dtype=">u4").astype(int)
        count = min(count, int(dims[0]))
        item_size = int(np.prod(dims[1:])) if len(dims) > 1 else 1
        data = np.frombuffer(f.read(count * item_size), dtype=np.uint8)
    return data.reshape((count, *dims[1:]))


def load_batches(batch, generator):
    """BATCH_POOL batches of (N×1×28×28 images in [0, 1], labels), and where they came from."""
    images_path = os.path.join(FASHION_MNIST, "train-images-idx3-ubyte.gz")
    labels_path = os.path.join(FASHION_MNIST, "train-labels-idx1-ubyte.gz")
    count = batch * BATCH_POOL
    if os.path.exists(images_path) and os.path.exists(labels_path):
        images = read_idx(images_path, count)
        labels = read_idx(labels_path, count)
        if len(images) == count:
            images = torch.from_numpy(images.astype(np.float32) / 255).reshape(count, 1, 28, 28)
            labels = torch.from_numpy(labels.astype(np.int64))
            return list(zip(images.split(batch), labels.split(batch))), "fashion-mnist"
    images = torch.rand(count, 1, 28, 28, generator=generator)
    labels = torch.randint(0, 10, (count,), generator=generator)
    return list(zip(images.split(batch), labels.split(batch))), "random"


def measure(step, batches, batch, steps, repeats, label):
    """images/s of each of `repeats` timed runs of `steps` steps, after a warm-up."""
    for i in range(WARMUP_STEPS):
        step(*batches[i % len(batches)])
    runs = []
    for repeat in range(repeats):
        start = time.perf_counter()
        for i in range(steps):
            step(*batches[i % len(batches)])
        elapsed = time.perf_counter() - start
        runs.append(batch * steps / elapsed)
        print(f"{label} run {repeat + 1}/{repeats}: {runs[-1]:.0f} images/s", file=sys.stderr)
    return runs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=positive, default=2, help="intra-op threads (default 2)")
    parser.add_argument("--batch", type=positive, default=128, help="images per step (default 128)")
    parser.add_argument("--steps", type=positive, default=50, help="steps per timed run (default 50)")
    parser.add_argument("--repeats", type=positive, default=5, help="timed runs; the median is reported (default 5)")
    parser.add_argument("--measure", choices=("train", "infer", "all"), default="all",
                        help="which figures to measure (default all)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    batches, data = load_batches(args.batch, torch.Generator().manual_seed(0))
    model = ReferenceNetwork()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {args.batch}, "
          f"{args.steps} steps × {args.repeats} runs, data {data}", file=sys.stderr)

    def train_step(images, labels):
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(model(images), labels).backward()
        optimizer.step()

    def infer_step(images, labels):
        with torch.no_grad():
            model(images)

    figures = []
    if args.measure in ("train", "all"):
        model.train()
        figures.append(("pytorch_train_images_per_s",
                        measure(train_step, batches, args.batch, args.steps, args.repeats, "train")))
    if args.measure in ("infer", "all"):
        model.eval()
        figures.append(("pytorch_infer_images_per_s",
                        measure(infer_step, batches, args.batch, args.steps, args.repeats, "infer")))

    common = {"unit": "images/s", "threads": torch.get_num_threads(), "batch": args.batch,
              "steps": args.steps, "data": data, "torch": torch.__version__}
    for name, runs in figures:
        print(json.dumps({"name": name, "value": round(statistics.median(runs), 1),
                          "runs": [round(r, 1) for r in runs], **common}), flush=True)


if __name__ == "__main__":
    main()
