"""What the peer scripts share: the skip convention, Fashion-MNIST's files, argument types.

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
