import LikenessCore
import LikenessSearch

/// Grows classes with synthetic points on the segments between a point and one of its
/// nearest neighbours of the same class (Chawla et al., "SMOTE: Synthetic Minority
/// Over-sampling Technique", JAIR 2002; imbalanced-learn's `SMOTE`).
///
/// `x_new = x_i + u · (x_nn − x_i)`, with `x_i` drawn uniformly from the class, `x_nn`
/// uniformly from its `neighbours` nearest same-class points (Euclidean), and `u ~ U(0, 1)`.
/// How many points each class gets follows `strategy` as for over-sampling.
public struct SMOTE: Sendable {
    /// Which classes grow, and to how many images.
    public var strategy: SamplingStrategy
    /// The `k` of the k nearest neighbours a partner is drawn from.
    public var neighbours: Int
    public var seed: UInt64

    public init(strategy: SamplingStrategy = .auto, neighbours: Int = 5, seed: UInt64) {
        precondition(neighbours >= 1, "SMOTE needs at least 1 neighbour, got \(neighbours)")
        self.strategy = strategy
        self.neighbours = neighbours
        self.seed = seed
    }

    /// `dataset` with synthetic images appended, made in pixel space, with ids `smote#0`,
    /// `smote#1`, … Pixel values are rounded to the nearest byte.
    public func resample(_ dataset: Dataset) throws(ResamplingError) -> Dataset {
        let size = dataset.imageByteCount
        let draws = try self.draws(labels: dataset.labels, classCount: dataset.classNames.count,
                                   dimension: size) { i, row in
            for j in 0..<size { row[j] = Float(dataset.pixels[i * size + j]) }
        }
        var pixels = dataset.pixels
        pixels.reserveCapacity(pixels.count + draws.count * size)
        for draw in draws {
            let a = draw.base * size, b = draw.partner * size
            for j in 0..<size {
                let x = Float(dataset.pixels[a + j]), y = Float(dataset.pixels[b + j])
                pixels.append(UInt8(min(max((x + draw.step * (y - x)).rounded(), 0), 255)))
            }
        }
        return Dataset(pixels: pixels, labels: dataset.labels + draws.map(\.classIndex),
                       classNames: dataset.classNames,
                       ids: dataset.ids + draws.indices.map { "smote#\($0)" },
                       height: dataset.height, width: dataset.width, channels: dataset.channels)
    }

    /// The synthetic points made in an embedding space, and their classes.
    ///
    /// - Parameters:
    ///   - embeddings: `N × D`, one point a row.
    ///   - labels: the class of each row, in `0..<classCount`.
    /// - Returns: `embeddings`, `M × D`, the synthetic points only, and their `M` classes.
    public func synthesize(embeddings: Tensor, labels: [Int], classCount: Int) throws(ResamplingError)
        -> (embeddings: Tensor, labels: [Int]) {
        precondition(embeddings.rank == 2 && embeddings.shape[0] == labels.count,
                     "embeddings of shape \(embeddings.shape) for \(labels.count) labels: expected [\(labels.count), D]")
        let d = embeddings.shape[1]
        let values = embeddings.scalars
        let draws = try self.draws(labels: labels, classCount: classCount, dimension: d) { i, row in
            for j in 0..<d { row[j] = values[i * d + j] }
        }
        let synthetic = Tensor(shape: [draws.count, d]) { out in
            for (r, draw) in draws.enumerated() {
                for j in 0..<d {
                    let x = values[draw.base * d + j], y = values[draw.partner * d + j]
                    out[r * d + j] = x + draw.step * (y - x)
                }
            }
        }
        return (synthetic, draws.map(\.classIndex))
    }

    /// One synthetic point: `base + step · (partner − base)`, both indices into the input.
    struct Draw {
        var classIndex: Int
        var base: Int
        var partner: Int
        var step: Float
    }

    /// The synthetic points to make, class by class; `row(i, buffer)` writes point `i`'s
    /// `dimension` coordinates.
    func draws(labels: [Int], classCount: Int, dimension: Int,
               row: (Int, UnsafeMutablePointer<Float>) -> Void) throws(ResamplingError) -> [Draw] {
        let members = classMembers(labels: labels, classCount: classCount, indices: nil)
        let targets = try strategy.targetCounts(classCounts: members.map(\.count), direction: .over)
        for (c, pool) in members.enumerated() where targets[c] > pool.count && pool.count <= neighbours {
            throw .tooFewImagesForNeighbours(classIndex: c, count: pool.count, neighbours: neighbours)
        }
        var draws = [Draw]()
        for (c, pool) in members.enumerated() where targets[c] > pool.count {
            let points = Tensor(shape: [pool.count, dimension]) { p in
                for (r, i) in pool.enumerated() { row(i, p.baseAddress! + r * dimension) }
            }
            let nearest: [Int]
            do {
                nearest = try ExactNearestNeighbours.nearestOtherRows(of: points, k: neighbours)
            } catch {
                switch error {
                case let .nonFiniteValue(_, r, column, value): throw .nonFiniteValue(row: pool[r], column: column, value: value)
                // k < the class's images, so the lists hold fewer entries than the class's points squared.
                case .tooManyNeighbours: preconditionFailure("\(error)")
                }
            }
            var rng = SeededGenerator(seed: seed, stream: c)
            for _ in pool.count..<targets[c] {
                let base = rng.nextIndex(below: pool.count)
                let partner = nearest[base * neighbours + rng.nextIndex(below: neighbours)]
                draws.append(Draw(classIndex: c, base: pool[base], partner: pool[partner], step: rng.nextUniform()))
            }
        }
        return draws
    }
}
