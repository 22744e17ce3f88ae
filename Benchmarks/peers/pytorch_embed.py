"""PyTorch peer benchmark: embedding throughput of PROTOCOL.md's reference network.

The network with its embedding head (dense 64 → L2-normalise), in evaluation mode under
torch.inference_mode(), embeds the first --images Fashion-MNIST test images (random images when
Debian's dataset-fashion-mnist is missing: the speed is the same) in batches of --batch. The
batches are float tensors in [0, 1] made before the clock starts, as likeness-bench's are.

Prints one JSON line on stdout (progress goes to stderr):
    {"name": "pytorch_embed_images_per_s", "value": median, "unit": "images/s", "runs": [...], ...}

Run: /path/to/venv/bin/python pytorch_embed.py [--threads 2] [--batch 128] [--images 10000] [--repeats 5]
"""

import argparse
import json
import statistics
import sys
import time

from common import fashion_mnist, import_or_skip, np, positive

torch = import_or_skip("torch")

from reference_network import ReferenceNetwork  # noqa: E402

WARMUP_BATCHES = 5


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=positive, default=2, help="intra-op threads (default 2)")
    parser.add_argument("--batch", type=positive, default=128, help="images per forward pass (default 128)")
    parser.add_argument("--images", type=positive, default=10_000, help="images embedded per timed run (default 10000)")
    parser.add_argument("--repeats", type=positive, default=5, help="timed runs; the median is reported (default 5)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    data = fashion_mnist("t10k", args.images)
    if data is not None and len(data[0]) == args.images:
        images, source = torch.from_numpy(data[0].astype(np.float32) / 255).reshape(-1, 1, 28, 28), "fashion-mnist test"
    else:
        images, source = torch.rand(args.images, 1, 28, 28, generator=torch.Generator().manual_seed(0)), "random"
    batches = list(images.split(args.batch))
    model = ReferenceNetwork("embedding").eval()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.images} images in batches of "
          f"{args.batch}, {args.repeats} runs, data {source}", file=sys.stderr)

    runs = []
    with torch.inference_mode():
        for batch in batches[:WARMUP_BATCHES]:
            model(batch)
        for repeat in range(args.repeats):
            start = time.perf_counter()
            for batch in batches:
                model(batch)
            runs.append(args.images / (time.perf_counter() - start))
            print(f"embed run {repeat + 1}/{args.repeats}: {runs[-1]:.0f} images/s", file=sys.stderr)

    print(json.dumps({"name": "pytorch_embed_images_per_s", "value": round(statistics.median(runs), 1),
                      "unit": "images/s", "runs": [round(r, 1) for r in runs], "threads": torch.get_num_threads(),
                      "batch": args.batch, "images": args.images, "data": source, "torch": torch.__version__}),
          flush=True)


if __name__ == "__main__":
    main()
