"""What the peer scripts share: the skip convention, Fashion-MNIST's files and PROTOCOL.md's
splits of them (FMNIST-LT, validation), argument types.

A script whose packages are missing prints why on stderr and exits with SKIPPED (77, the
automake convention for a skipped test); likeness-bench reports the note and goes on without
that peer's figures.
"""

import argparse
import gzip
import importlib
import importlib.util
import os
import sys

SKIPPED = 77
FASHION_MNIST = "/usr/share/datasets/fashion-mnist"

CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
# PROTOCOL.md, FMNIST-LT: n_c = round(5500 × p_c / 0.36) first images of each class, in file order.
LONG_TAIL_PROPORTIONS = [0.14, 0.2, 0.057, 0.36, 0.05, 0.001, 0.01, 0.002, 0.015, 0.165]
LONG_TAIL_COUNTS = [2139, 3056, 871, 5500, 764, 15, 153, 31, 229, 2521]
VALIDATION_PER_CLASS = 500


def import_or_skip(name):
    """The module `name`, or exit with SKIPPED and a note saying what to install."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        script = os.path.basename(sys.argv[0])
        print(f"{script}: skipped: {name} is not installed for {sys.executable} ({error}); "
              f"install Benchmarks/peers/requirements.txt into it", file=sys.stderr)
        sys.exit(SKIPPED)


np = import_or_skip("numpy")


def is_installed(name):
    return importlib.util.find_spec(name) is not None


def positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def read_idx(path, count=None):
    """The first `count` items (all when None) of a gzip IDX file of unsigned bytes."""
    with gzip.open(path, "rb") as f:
        header = f.read(4)
        if header[:3] != b"\x00\x00\x08":
            raise ValueError(f"{path}: expected an IDX file of unsigned bytes, found header {header.hex()}")
        dims = np.frombuffer(f.read(4 * header[3]), dtype=">u4").astype(int)
        count = int(dims[0]) if count is None else min(count, int(dims[0]))
        item_size = int(np.prod(dims[1:])) if len(dims) > 1 else 1
        data = np.frombuffer(f.read(count * item_size), dtype=np.uint8)
    if data.size != count * item_size:
        raise ValueError(f"{path}: expected {count * item_size} bytes of data, found {data.size}")
    return data.reshape((count, *dims[1:]))


def fashion_mnist(split, count=None):
    """(N×28×28 uint8 images, int64 labels) of the `train` or `t10k` file, or None when Debian's
    dataset-fashion-mnist is not installed."""
    images = os.path.join(FASHION_MNIST, f"{split}-images-idx3-ubyte.gz")
    labels = os.path.join(FASHION_MNIST, f"{split}-labels-idx1-ubyte.gz")
    if not (os.path.exists(images) and os.path.exists(labels)):
        return None
    return read_idx(images, count), read_idx(labels, count).astype(np.int64)


def load_protocol_images(split):
    """(N×1×28×28 float32 images in [0, 1], int64 labels) of the `train` or `t10k` file; exits
    (status 1) without Debian's dataset-fashion-mnist: accuracy figures depend on the images."""
    data = fashion_mnist(split)
    if data is None:
        sys.exit(f"{os.path.basename(sys.argv[0])}: needs Debian's dataset-fashion-mnist "
                 f"(the figures depend on the images)")
    images, labels = data
    return (images.astype(np.float32) / 255).reshape(-1, 1, 28, 28), labels


def protocol_split(labels):
    """FMNIST-LT indices (the first n_c of each class) and validation indices (the last 500 of
    each class) into the training file, both sorted."""
    long_tail, validation = [], []
    for c, p in enumerate(LONG_TAIL_PROPORTIONS):
        members = np.flatnonzero(labels == c)
        pool, held_out = members[:-VALIDATION_PER_CLASS], members[-VALIDATION_PER_CLASS:]
        n = int(np.floor(5500 * p / 0.36 + 0.5))
        if n != LONG_TAIL_COUNTS[c] or n > len(pool):
            raise ValueError(f"FMNIST-LT class {c}: expected {LONG_TAIL_COUNTS[c]} images, computed {n} from a pool of {len(pool)}")
        long_tail.extend(pool[:n])
        validation.extend(held_out)
    return np.sort(np.array(long_tail)), np.sort(np.array(validation))


def recall_at_one(embeddings, labels):
    """Leave-one-out recall@1 of torch embeddings (N x D) and labels (N): the share of rows whose
    nearest other row (Euclidean, ties to the lowest index) has the same label (Likeness's
    EmbeddingEvaluation.recallAtOne)."""
    torch = importlib.import_module("torch")
    d = torch.cdist(embeddings, embeddings)
    d.fill_diagonal_(float("inf"))
    return float((labels[d.argmin(dim=1)] == labels).float().mean())
