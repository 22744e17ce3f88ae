"""ONNX Runtime peer benchmark: embedding throughput of the exported reference network.

likeness-bench exports the very network it times (`likeness export onnx`'s graph: input
normalisation, convolutions, dense 64, L2 normalisation) and passes its path with --model;
ONNX Runtime's CPU provider, with --threads intra-op threads and sequential execution, embeds
the first --images Fashion-MNIST test images (random images when Debian's dataset-fashion-mnist
is missing: the speed is the same) in batches of --batch, made before the clock starts.

Prints one JSON line on stdout (progress goes to stderr):
    {"name": "onnxruntime_embed_images_per_s", "value": median, "unit": "images/s", "runs": [...], ...}

Run: /path/to/venv/bin/python onnxruntime_embed.py --model model.onnx [--threads 2] [--batch 128] [--images 10000] [--repeats 5]
"""

import argparse
import json
import statistics
import sys
import time

from common import fashion_mnist, import_or_skip, np, positive

ort = import_or_skip("onnxruntime")

WARMUP_BATCHES = 5


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, help="the ONNX model (likeness export onnx)")
    parser.add_argument("--threads", type=positive, default=2, help="intra-op threads (default 2)")
    parser.add_argument("--batch", type=positive, default=128, help="images per run of the graph (default 128)")
    parser.add_argument("--images", type=positive, default=10_000, help="images embedded per timed run (default 10000)")
    parser.add_argument("--repeats", type=positive, default=5, help="timed runs; the median is reported (default 5)")
    args = parser.parse_args()

    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    data = fashion_mnist("t10k", args.images)
    if data is not None and len(data[0]) == args.images:
        images, source = (data[0].astype(np.float32) / 255).reshape(-1, 1, 28, 28), "fashion-mnist test"
    else:
        images, source = np.random.default_rng(0).random((args.images, 1, 28, 28), dtype=np.float32), "random"
    batches = [np.ascontiguousarray(images[i:i + args.batch]) for i in range(0, args.images, args.batch)]
    print(f"onnxruntime {ort.__version__}, {args.threads} threads, {args.images} images in batches of "
          f"{args.batch}, {args.repeats} runs, data {source}", file=sys.stderr)

    for batch in batches[:WARMUP_BATCHES]:
        session.run(None, {name: batch})
    runs = []
    for repeat in range(args.repeats):
        start = time.perf_counter()
        for batch in batches:
            session.run(None, {name: batch})
        runs.append(args.images / (time.perf_counter() - start))
        print(f"embed run {repeat + 1}/{args.repeats}: {runs[-1]:.0f} images/s", file=sys.stderr)

    print(json.dumps({"name": "onnxruntime_embed_images_per_s", "value": round(statistics.median(runs), 1),
                      "unit": "images/s", "runs": [round(r, 1) for r in runs], "threads": args.threads,
                      "batch": args.batch, "images": args.images, "data": source, "onnxruntime": ort.__version__}),
          flush=True)


if __name__ == "__main__":
    main()
