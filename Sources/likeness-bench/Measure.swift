import ArgumentParser

/// What `likeness-bench` can measure; `all` is every other one but `scaling`, in `everything`'s order.
enum Measure: String, CaseIterable, ExpressibleByArgument {
    case gemm, train, embed
    case queryRandom = "query-random"
    case index
    case accuracy, query
    case oneShot = "one-shot"
    case memory, scaling, all

    /// Every measure, in the order `all` runs them: the speed figures first (seconds each), then
    /// those that train (minutes); `query` after `accuracy`, whose embedding network it reuses;
    /// `memory` last, the peak of everything before it. Not `scaling`: it would add minutes and a
    /// store of gigabytes on disk to `all`, and grow `memory`'s peak with its own.
    static let everything: [Measure] = [.gemm, .train, .embed, .queryRandom, .index, .accuracy, .query, .oneShot, .memory]

    /// `measures` with `all` expanded and repeats dropped, in the order given.
    static func expand(_ measures: [Measure]) -> [Measure] {
        var seen = Set<Measure>()
        return measures.flatMap { $0 == .all ? everything : [$0] }.filter { seen.insert($0).inserted }
    }

    /// The part of PROTOCOL.md (or DESIGN.md) the measure's figures stand for.
    var protocolReference: String {
        switch self {
        case .gemm: "DESIGN.md, Machine facts: the GEMM the network really calls, near the machine's peak"
        case .train: "PROTOCOL.md, Reference network and training: training throughput (images/s), batch 128 (P 8 × K 16 for the embedding head), 2 threads"
        case .embed: "PROTOCOL.md, Measures: embedding throughput (images/s) of the reference network's embedding head"
        case .queryRandom: "PROTOCOL.md, Batch nearest-neighbour query, on seeded random unit vectors instead of embeddings"
        case .index: "Issue 14, Past one machine: a FAISS IVF index at 1M rows, recall@10 against the exact search and queries/s"
        case .accuracy: "PROTOCOL.md, FMNIST-LT and Measures: focal-loss softmax and nearest-prototype embedding classifiers on the test set"
        case .query: "PROTOCOL.md, Batch nearest-neighbour query: 60,000 training-image embeddings, 10,000 test-image queries, k = 10, exact"
        case .oneShot: "PROTOCOL.md, One-shot novel classes: Sandal and Sneaker enrolled from one validation image, 20 draws"
        case .memory: "PROTOCOL.md, Measures: peak memory of the benchmark process"
        case .scaling: "Issue 12, How cost grows: training seconds per epoch against training-set size, exact query seconds and peak memory against store size"
        case .all: "every measure"
        }
    }

    /// One line of `--help` (short enough for 80 columns).
    var summary: String {
        switch self {
        case .gemm: "GFLOP/s of a training step's matrix products"
        case .train: "training images/s, both heads (PyTorch peer)"
        case .embed: "embedding images/s, 10,000 test images (PyTorch and ONNX Runtime peers)"
        case .queryRandom: "exact 10-NN queries/s, random unit vectors (FAISS peer)"
        case .index: "FAISS IVF index at 1M rows: recall@10, queries/s"
        case .accuracy: "FMNIST-LT recall, precision, F1, AUC (trains: minutes; peer)"
        case .query: "exact 10-NN queries/s on embeddings (FAISS peer)"
        case .oneShot: "one-shot Sandal, Sneaker recall (trains: minutes; peer)"
        case .memory: "peak resident memory after the measures before it"
        case .scaling: "epoch s, query s, peak memory against size (not in all)"
        case .all: "all of the above but scaling, in this order (the default)"
        }
    }
}
