"""FAISS peer benchmark: PROTOCOL.md's batch nearest-neighbour query with an exact IndexFlatL2.

Base: 60,000 × 64 unit vectors; queries: 10,000 unit vectors; k = 10; Euclidean distance; 2 threads.
The vectors are seeded random unit vectors (normal draws, L2-normalised): exact search does the
same arithmetic whatever the values, so its speed is that of real embeddings.

Prints one JSON line on stdout (progress goes to stderr):
    {"name": "faiss_query_queries_per_s", "value": median, "unit": "queries/s", "runs": [...], ...}

Run: /path/to/venv/bin/python faiss_query.py [--threads 2] [--base 60000] [--queries 10000]
     [--dimension 64] [--k 10] [--repeats 5]
"""

import argparse
import json
import statistics
import sys
import time

import faiss
import numpy as np


def positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def unit_vectors(count, dimension, generator):
    """`count` × `dimension` float32 rows of unit length."""
    x = generator.standard_normal((count, dimension), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=positive, default=2, help="OpenMP threads (default 2)")
    parser.add_argument("--base", type=positive, default=60_000, help="base vectors (default 60000)")
    parser.add_argument("--queries", type=positive, default=10_000, help="query vectors (default 10000)")
    parser.add_argument("--dimension", type=positive, default=64, help="vector dimension (default 64)")
    parser.add_argument("--k", type=positive, default=10, help="neighbours per query (default 10)")
    parser.add_argument("--repeats", type=positive, default=5, help="timed runs; the median is reported (default 5)")
    args = parser.parse_args()

    faiss.omp_set_num_threads(args.threads)
    generator = np.random.default_rng(0)
    base = unit_vectors(args.base, args.dimension, generator)
    queries = unit_vectors(args.queries, args.dimension, generator)
    index = faiss.IndexFlatL2(args.dimension)
    index.add(base)
    print(f"faiss {faiss.__version__}, {args.threads} threads, base {args.base} × {args.dimension}, "
          f"{args.queries} queries, k {args.k}, {args.repeats} runs", file=sys.stderr)

    index.search(queries[:1000], args.k)  # warm-up
    runs = []
    for repeat in range(args.repeats):
        start = time.perf_counter()
        index.search(queries, args.k)
        runs.append(args.queries / (time.perf_counter() - start))
        print(f"run {repeat + 1}/{args.repeats}: {runs[-1]:.0f} queries/s", file=sys.stderr)

    print(json.dumps({"name": "faiss_query_queries_per_s", "value": round(statistics.median(runs), 1),
                      "unit": "queries/s", "runs": [round(r, 1) for r in runs], "threads": args.threads,
                      "base": args.base, "queries": args.queries, "dimension": args.dimension, "k": args.k,
                      "index": "IndexFlatL2", "data": "random unit vectors", "faiss": faiss.__version__}),
          flush=True)


if __name__ == "__main__":
    main()
