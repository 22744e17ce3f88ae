import Foundation
import LikenessCore
import LikenessFiles

/// Soft k-means refinement of new classes' prototypes from an unlabelled pool (Ren et al.,
/// "Meta-Learning for Semi-Supervised Few-Shot Classification", ICLR 2018), repeated
/// `iterations` times: `z_ic = softmax_c(−s_c(x_i)² / T)` over every prototype (`s` the gallery's
/// score, `T` the temperature), then for each refined class
/// `p_c = normalise(n_c · S_c/V_c + Σ_i z_ic x_i)`: its `n_c` shots count once each (their
/// augmented views averaged), every pool image by its assignment; the other prototypes stay fixed.
/// The pool's labels, if it has any, are never used.
public struct PrototypeRefinement: Sendable, Equatable {
    /// Rounds of assignment and update.
    public var iterations: Int
    /// `T`, in squared distance: smaller assigns each pool image more firmly to its best class.
    public var temperature: Float

    public init(iterations: Int = 5, temperature: Float = 0.1) {
        precondition(iterations >= 1 && temperature > 0 && temperature.isFinite, "refinement of \(iterations) iterations at temperature \(temperature)")
        self.iterations = iterations
        self.temperature = temperature
    }
}

extension Gallery {
    /// Refines the prototypes of the classes `names` from the unit rows of `pool` (`N × D`) by
    /// `refinement` (`PrototypeRefinement`), starting from their shots' mean, and records the
    /// refinement with each class (`EnrolledClass.refinement`).
    ///
    /// - Throws: `EnrollmentError.unknownClass` for a name the gallery does not hold;
    ///   `.dimensionMismatch` for rows not `D` wide; `.invalidValue` for an empty pool, a row not
    ///   of unit length, or a refined mean of zero length. The gallery is unchanged then.
    public mutating func refine(classes names: [String], pool: Tensor, using refinement: PrototypeRefinement) throws {
        precondition(pool.rank == 2, "pool of shape \(pool.shape), expected N×D")
        let refined = try names.map { name in
            guard let row = classes.firstIndex(where: { $0.name == name }) else {
                throw EnrollmentError(.unknownClass, field: "class name", expected: "one of \(describe(names: classNames))", found: "\"\(name)\"")
            }
            return row
        }
        guard pool.shape[0] > 0 else {
            throw EnrollmentError(.invalidValue, field: "pool", expected: "at least one unlabelled embedding", found: "none")
        }
        guard pool.shape[1] == dimension else {
            throw EnrollmentError(.dimensionMismatch, field: "pool", expected: "\(dimension) (the gallery's)", found: "\(pool.shape[1])")
        }
        if let (row, length) = pool.firstRowNotUnitLength() {
            throw EnrollmentError(.invalidValue, field: "pool", expected: "unit-length embeddings", found: "length \(length) in row \(row)")
        }
        var updated = self
        // Start from the shots' mean, whatever an earlier refinement left.
        for c in refined {
            let shots = updated.classes[c]
            updated.setRefinedPrototype(try PrototypeAccumulator.prototype(fromSum: shots.sum, className: shots.name),
                                        refinement: nil, ofClassAt: c)
        }
        let (n, p, d) = (pool.shape[0], classes.count, dimension)
        for _ in 0..<refinement.iterations {
            let classifier = PrototypeClassifier(gallery: updated, rejecting: false)
            let scores = classifier.scores(distances: classifier.distances(pool))
            var numerators = refined.map { c in
                let shots = updated.classes[c]
                return shots.sum.map { $0 * Double(shots.shotCount) / Double(shots.viewCount) }
            }
            var weights = [Double](repeating: 0, count: refined.count)
            var z = [Double](repeating: 0, count: p)
            scores.withUnsafeBufferPointer { s in
                pool.withUnsafeBufferPointer { x in
                    for i in 0..<n {
                        // softmax_c(−s² / T), shifted by the best class for stability.
                        var best = Double.infinity
                        for c in 0..<p { best = min(best, Double(s[i * p + c] * s[i * p + c])) }
                        var total = 0.0
                        for c in 0..<p {
                            z[c] = exp(-(Double(s[i * p + c] * s[i * p + c]) - best) / Double(refinement.temperature))
                            total += z[c]
                        }
                        for (k, c) in refined.enumerated() {
                            let weight = z[c] / total
                            weights[k] += weight
                            for j in 0..<d { numerators[k][j] += weight * Double(x[i * d + j]) }
                        }
                    }
                }
            }
            for (k, c) in refined.enumerated() {
                let prototype = try PrototypeAccumulator.prototype(fromSum: numerators[k], className: updated.classes[c].name)
                updated.setRefinedPrototype(prototype, refinement: Refinement(poolSize: n, poolWeight: weights[k]), ofClassAt: c)
            }
        }
        self = updated
    }
}
