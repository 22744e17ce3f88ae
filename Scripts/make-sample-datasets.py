#!/usr/bin/env python3
"""Makes the small sample set committed under Datasets/sample/ for tests and examples.

From Debian's Fashion-MNIST (dataset-fashion-mnist, /usr/share/datasets/fashion-mnist):

- Datasets/sample/fashion-mnist/: gzip IDX files named as the originals, holding the first
  20 images of each class of the training file (200) and the first 10 of each class of the
  t10k file (100), in file order.
- Datasets/sample/image-folder/: one sub-folder per class ("0-T-shirt-top", ...) with the
  first three training images of the class: a 28x28 grayscale PNG (pixels exactly as in the
  IDX file), a 56x56 RGB PNG (enlarged, bilinear) and a 36x28 (width x height) grayscale
  JPEG, so that loaders meet both formats, both colour modes and several sizes.

Needs Pillow (python3 -m venv /tmp/venv && /tmp/venv/bin/pip install pillow). The output is
deterministic: gzip headers carry no time stamp.

    /tmp/venv/bin/python Scripts/make-sample-datasets.py [--source DIR]
"""
import argparse
import gzip
import os
import struct

from PIL import Image

CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, kind, rank = struct.unpack(">HBB", data[:4])
    assert zero == 0 and kind == 8, f"{path}: not an IDX file of unsigned bytes"
    shape = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return shape, data[4 + 4 * rank:]


def write_idx(path, shape, payload):
    header = struct.pack(">HBB", 0, 8, len(shape)) + struct.pack(">" + "I" * len(shape), *shape)
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as f:
            f.write(header + bytes(payload))


def first_per_class(labels, per_class):
    chosen, taken = [], [0] * len(CLASS_NAMES)
    for i, label in enumerate(labels):
        if taken[label] < per_class:
            chosen.append(i)
            taken[label] += 1
    return chosen


def subset(source, stem, out_dir, per_class):
    (n, h, w), pixels = read_idx(f"{source}/{stem}-images-idx3-ubyte.gz")
    (m,), labels = read_idx(f"{source}/{stem}-labels-idx1-ubyte.gz")
    assert n == m
    chosen = first_per_class(labels, per_class)
    size = h * w
    images = [pixels[i * size:(i + 1) * size] for i in chosen]
    write_idx(f"{out_dir}/{stem}-images-idx3-ubyte.gz", (len(chosen), h, w), b"".join(images))
    write_idx(f"{out_dir}/{stem}-labels-idx1-ubyte.gz", (len(chosen),), bytes(labels[i] for i in chosen))
    return [(i, labels[i], img) for i, img in zip(chosen, images)], h, w


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "..", "Datasets", "sample"))
    args = parser.parse_args()

    idx_dir = os.path.join(args.output, "fashion-mnist")
    os.makedirs(idx_dir, exist_ok=True)
    train, h, w = subset(args.source, "train", idx_dir, 20)
    subset(args.source, "t10k", idx_dir, 10)

    folder = os.path.join(args.output, "image-folder")
    for label, name in enumerate(CLASS_NAMES):
        class_dir = os.path.join(folder, f"{label}-{name.replace('/', '-').replace(' ', '-')}")
        os.makedirs(class_dir, exist_ok=True)
        members = [(i, img) for i, l, img in train if l == label][:3]
        (i0, a), (i1, b), (i2, c) = members
        Image.frombytes("L", (w, h), a).save(f"{class_dir}/{i0:05d}.png", optimize=True)
        Image.frombytes("L", (w, h), b).convert("RGB").resize((56, 56), Image.BILINEAR).save(
            f"{class_dir}/{i1:05d}.png", optimize=True)
        Image.frombytes("L", (w, h), c).resize((36, 28), Image.BILINEAR).save(f"{class_dir}/{i2:05d}.jpg", quality=95)


if __name__ == "__main__":
    main()
