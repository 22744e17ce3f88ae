"""FAISS peer benchmark: PROTOCOL.md's batch nearest-neighbour query with an exact IndexFlatL2.

Base: 60,000 × 64 unit vectors; queries: 10,000 unit vectors; k = 10; Euclidean distance; 2 threads.
The vectors are read from --base-file and --queries-file (float32 .npy, one vector a row: the
embeddings likeness-bench writes for PROTOCOL.md's measure), or else are seeded random unit
vectors (normal draws, L2-normalised) of --base, --queries and --dimension.

Prints one JSON line on stdout (progress goes to stderr):
    {"name": "faiss_query_queries_per_s", "value": median, "unit": "queries/s", "runs": [...], ...}

Run: /path/to/venv/bin/python faiss_query.py [--threads 2] [--base-file B.npy --queries-file Q.npy]
     [--base 60000] [--queries 10000] [--dimension 64] [--k 10] [--repeats 5]
"""

import argparse
import json
import statistics
import sys
import time

from common import import_or_skip, np, positive

faiss = import_or_skip("faiss")


def unit_vectors(count, dimension, generator):
    """`count` × `dimension` float32 rows of unit length."""
    x = generator.standard_normal((count, dimension), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=positive, default=2, help="OpenMP threads (default 2)")
    parser.add_argument("--base-file", help="base vectors, float32 .npy (N × D); with --queries-file")
    parser.add_argument("--queries-file", help="query vectors, float32 .npy (Q × D); with --base-file")
    parser.add_argument("--base", type=positive, default=60_000, help="base vectors (default 60000)")
    parser.add_argument("--queries", type=positive, default=10_000, help="query vectors (default 10000)")
    parser.add_argument("--dimension", type=positive, default=64, help="vector dimension (default 64)")
    parser.add_argument("--k", type=positive, default=10, help="neighbours per query (default 10)")
    parser.add_argument("--repeats", type=positive, default=5, help="timed runs; the median is reported (default 5)")
    args = parser.parse_args()
    if (args.base_file is None) != (args.queries_file is None):
        parser.error("give both --base-file and --queries-file, or neither")

    faiss.omp_set_num_threads(args.threads)
    if args.base_file:
        base = np.ascontiguousarray(np.load(args.base_file), dtype=np.float32)
        queries = np.ascontiguousarray(np.load(args.queries_file), dtype=np.float32)
        if base.ndim != 2 or queries.ndim != 2 or base.shape[1] != queries.shape[1]:
            parser.error(f"expected N × D base and Q × D queries, got {base.shape} and {queries.shape}")
        data = "files"
    else:
        generator = np.random.default_rng(0)
        base = unit_vectors(args.base, args.dimension, generator)
        queries = unit_vectors(args.queries, args.dimension, generator)
        data = "random unit vectors"
    (base_count, dimension), query_count = base.shape, len(queries)
    index = faiss.IndexFlatL2(dimension)
    index.add(base)
    print(f"faiss {faiss.__version__}, {args.threads} threads, base {base_count} × {dimension} ({data}), "
          f"{query_count} queries, k {args.k}, {args.repeats} runs", file=sys.stderr)

    index.search(queries[:1000], args.k)  # warm-up
    runs = []
    for repeat in range(args.repeats):
        start = time.perf_counter()
        index.search(queries, args.k)
        runs.append(query_count / (time.perf_counter() - start))
        print(f"run {repeat + 1}/{args.repeats}: {runs[-1]:.0f} queries/s", file=sys.stderr)

    print(json.dumps({"name": "faiss_query_queries_per_s", "value": round(statistics.median(runs), 1),
                      "unit": "queries/s", "runs": [round(r, 1) for r in runs], "threads": args.threads,
                      "base": base_count, "queries": query_count, "dimension": dimension, "k": args.k,
                      "index": "IndexFlatL2", "data": data, "faiss": faiss.__version__}),
          flush=True)


if __name__ == "__main__":
    main()
