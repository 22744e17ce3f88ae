import Likeness

/// GFLOP/s of the matrix products one training step of the reference network calls, called as
/// the layers call them: per image, images split across the threads, one-thread GEMM in each.
struct GEMMBenchmark {
    let speed: SpeedOptions

    struct Shape {
        let name: String
        let transA: GEMM.Transpose, transB: GEMM.Transpose
        let m: Int, n: Int, k: Int
        /// Whether the layer calls it once per image (convolutions) or once per batch (dense).
        let perImage: Bool
        var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
    }

    func shapes(batch b: Int) -> [Shape] {
        [
            Shape(name: "conv1_forward", transA: .none, transB: .none, m: 32, n: 784, k: 9, perImage: true),
            Shape(name: "conv1_weight_gradient", transA: .none, transB: .transposed, m: 32, n: 9, k: 784, perImage: true),
            Shape(name: "conv2_forward", transA: .none, transB: .none, m: 64, n: 196, k: 288, perImage: true),
            Shape(name: "conv2_weight_gradient", transA: .none, transB: .transposed, m: 64, n: 288, k: 196, perImage: true),
            Shape(name: "conv2_input_gradient", transA: .transposed, transB: .none, m: 288, n: 196, k: 64, perImage: true),
            Shape(name: "dense_forward", transA: .none, transB: .transposed, m: b, n: 10, k: 3136, perImage: false),
            Shape(name: "dense_weight_gradient", transA: .transposed, transB: .none, m: 10, n: 3136, k: b, perImage: false),
            Shape(name: "dense_input_gradient", transA: .none, transB: .none, m: b, n: 3136, k: 10, perImage: false),
        ]
    }

    /// Seconds for one batch's worth of calls of `shape`.
    func time(_ shape: Shape, batch: Int) -> Double {
        var rng = SeededGenerator(seed: 1)
        let calls = shape.perImage ? batch : 1
        let a = Tensor.randomNormal(shape: [calls, shape.m * shape.k], using: &rng)
        let b = Tensor.randomNormal(shape: [shape.k * shape.n], using: &rng)
        var c = Tensor(shape: [calls, shape.m * shape.n])
        return a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    seconds {
                        Parallel.forEachChunk(calls) { range in
                            for i in range {
                                GEMM.multiply(shape.transA, shape.transB, m: shape.m, n: shape.n, k: shape.k,
                                              a: ap.baseAddress! + i * shape.m * shape.k, b: bp.baseAddress!,
                                              c: cp.baseAddress! + i * shape.m * shape.n)
                            }
                        }
                    }
                }
            }
        }
    }

    func run(_ out: FigureOutput) throws {
        let list = shapes(batch: speed.batch)
        var totalRuns: [Double] = []
        var perShape = [[Double]](repeating: [], count: list.count)
        for shape in list { _ = time(shape, batch: speed.batch) }  // warm-up
        for _ in 0..<speed.runs {
            var flops = 0.0, elapsed = 0.0
            for (s, shape) in list.enumerated() {
                var t = 0.0
                for _ in 0..<speed.steps { t += time(shape, batch: speed.batch) }
                let f = shape.flops * Double(shape.perImage ? speed.batch : 1) * Double(speed.steps)
                perShape[s].append(f / t / 1e9)
                flops += f
                elapsed += t
            }
            totalRuns.append(flops / elapsed / 1e9)
        }
        for (s, shape) in list.enumerated() {
            try out.write(Figure(name: "gemm_gflops_\(shape.name)", value: median(perShape[s]), unit: .gflops, runs: perShape[s],
                                 details: ["m": shape.m, "n": shape.n, "k": shape.k, "calls_per_step": shape.perImage ? speed.batch : 1]))
        }
        try out.write(Figure(name: "gemm_gflops", value: median(totalRuns), unit: .gflops, runs: totalRuns,
                             details: ["what": "all GEMMs of one training step of the reference network, weighted by their flops"]))

        // What the library reaches on a large square product with all threads: the machine's attainable peak.
        let n = 1024
        var rng = SeededGenerator(seed: 2)
        let a = Tensor.randomNormal(shape: [n * n], using: &rng), b = Tensor.randomNormal(shape: [n * n], using: &rng)
        var c = Tensor(shape: [n * n])
        var peakRuns: [Double] = []
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
            for r in 0...speed.runs {
                let t = seconds {
                    for _ in 0..<4 { GEMM.multiply(.none, .none, m: n, n: n, k: n, a: ap.baseAddress!, b: bp.baseAddress!, c: cp.baseAddress!) }
                }
                if r > 0 { peakRuns.append(4 * 2 * Double(n * n * n) / t / 1e9) }
            }
        } } }
        try out.write(Figure(name: "gemm_square_gflops", value: median(peakRuns), unit: .gflops, runs: peakRuns,
                             details: ["m": n, "n": n, "k": n, "what": "one 1024³ product on all threads: the attainable peak"]))
        try out.write(Figure(name: "gemm_fraction_of_square", value: median(totalRuns) / median(peakRuns), unit: .ratio))
    }
}
