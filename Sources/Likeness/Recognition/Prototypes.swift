import LikenessCore

/// Class prototypes: `p_c = normalise(Σ_{i: y_i = c} e_i)`, the re-normalised mean of a class's
/// unit embeddings (the mean and the sum point the same way).
public enum Prototypes {
    /// One prototype per class in `classes`, in that order, from `N × D` embeddings and their labels.
    public static func mean(of embeddings: Tensor, labels: [Int], classes: [Int]) -> Tensor {
        precondition(embeddings.rank == 2 && embeddings.shape[0] == labels.count, "embeddings \(embeddings.shape) for \(labels.count) labels")
        let d = embeddings.shape[1]
        var sums = [[Double]](repeating: [Double](repeating: 0, count: d), count: classes.count)
        let row = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        embeddings.withUnsafeBufferPointer { e in
            for (i, y) in labels.enumerated() {
                guard let r = row[y] else { continue }
                for j in 0..<d { sums[r][j] += Double(e[i * d + j]) }
            }
        }
        for (c, sum) in zip(classes, sums) {
            precondition(sum.contains { $0 != 0 }, "class \(c) has no embedding to make a prototype from")
        }
        return Tensor(shape: [classes.count, d], scalars: sums.flatMap(normalised))
    }

    /// `v / ‖v‖₂` in single precision.
    static func normalised(_ v: [Double]) -> [Float] {
        let norm = v.map { $0 * $0 }.reduce(0, +).squareRoot()
        return v.map { Float($0 / max(norm, 1e-12)) }
    }
}
