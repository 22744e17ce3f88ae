#!/usr/bin/env python3
"""Makes Datasets/sample/shapes/: a small folder of 40x40 RGB JPEG shapes, a user's "own folder".

It is the README's own-folder walk-through and the end-to-end folder test: an imbalanced set with
a class of two images, a class of one image, and a class that appears only after training.

- train/: circle, square, triangle (60 images each), cross (2), star (1);
- enrol/ring.jpg: one image of "ring", a class absent from train/, enrolled one-shot afterwards;
- test/: 10 images of each of the six classes, ring included.

Each image: a light background of a random colour, one filled shape of a random darker colour,
random size, position and rotation, and mild pixel noise. Seeded, so the output is the same on
every run with the same Pillow.

Needs Pillow (python3 -m venv /tmp/venv && /tmp/venv/bin/pip install pillow).

    /tmp/venv/bin/python Scripts/make-shapes-sample.py [--output DIR]
"""
import argparse
import math
import os
import random
import shutil

from PIL import Image, ImageDraw

SIZE = 40
TRAIN = {"circle": 60, "square": 60, "triangle": 60, "cross": 2, "star": 1}
TEST = {name: 10 for name in ["circle", "square", "triangle", "cross", "star", "ring"]}


def polygon(cx, cy, radius, angle, corners, inner=None):
    """The corners of a regular polygon, or of a star when `inner` (its inner radius) is given."""
    points = []
    steps = corners * (2 if inner else 1)
    for k in range(steps):
        r = inner if inner and k % 2 else radius
        a = angle + 2 * math.pi * k / steps
        points.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return points


def draw_shape(draw, name, rng, colour):
    radius = rng.uniform(9, 14)
    cx, cy = rng.uniform(radius + 2, SIZE - radius - 2), rng.uniform(radius + 2, SIZE - radius - 2)
    angle = rng.uniform(0, 2 * math.pi)
    box = (cx - radius, cy - radius, cx + radius, cy + radius)
    if name == "circle":
        draw.ellipse(box, fill=colour)
    elif name == "ring":
        draw.ellipse(box, outline=colour, width=max(2, round(radius / 3.5)))
    elif name == "square":
        draw.polygon(polygon(cx, cy, radius, angle, 4), fill=colour)
    elif name == "triangle":
        draw.polygon(polygon(cx, cy, radius, angle, 3), fill=colour)
    elif name == "star":
        draw.polygon(polygon(cx, cy, radius, angle, 5, inner=radius * 0.45), fill=colour)
    elif name == "cross":
        arm = radius * 0.35
        for a in (angle, angle + math.pi / 2):
            dx, dy = math.cos(a), math.sin(a)
            px, py = -dy * arm, dx * arm
            draw.polygon([(cx - dx * radius + px, cy - dy * radius + py), (cx + dx * radius + px, cy + dy * radius + py),
                          (cx + dx * radius - px, cy + dy * radius - py), (cx - dx * radius - px, cy - dy * radius - py)],
                         fill=colour)
    else:
        raise ValueError(name)


def image(name, rng):
    background = tuple(rng.randint(170, 255) for _ in range(3))
    colour = tuple(rng.randint(0, 120) for _ in range(3))
    img = Image.new("RGB", (SIZE, SIZE), background)
    draw_shape(ImageDraw.Draw(img), name, rng, colour)
    pixels = img.load()
    for y in range(SIZE):
        for x in range(SIZE):
            pixels[x, y] = tuple(min(255, max(0, v + rng.randint(-12, 12))) for v in pixels[x, y])
    return img


def write(folder, counts, rng):
    for name, count in counts.items():
        os.makedirs(os.path.join(folder, name), exist_ok=True)
        for i in range(count):
            image(name, rng).save(os.path.join(folder, name, f"{name}-{i:02d}.jpg"), quality=92)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "..", "Datasets", "sample", "shapes"))
    args = parser.parse_args()
    shutil.rmtree(args.output, ignore_errors=True)
    rng = random.Random(2026)
    write(os.path.join(args.output, "train"), TRAIN, rng)
    write(os.path.join(args.output, "test"), TEST, rng)
    os.makedirs(os.path.join(args.output, "enrol"), exist_ok=True)
    image("ring", rng).save(os.path.join(args.output, "enrol", "ring.jpg"), quality=92)


if __name__ == "__main__":
    main()
