import LikenessCore
import Testing

@Suite("Squared distances")
struct SquaredDistancesTests {
    func rows(_ n: Int, _ d: Int, seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return Tensor.randomNormal(shape: [n, d], using: &rng)
    }

    func exact(_ a: Tensor, _ i: Int, _ b: Tensor, _ j: Int) -> Double {
        (0..<a.shape[1]).reduce(0.0) { $0 + Double(a[i, $1] - b[j, $1]) * Double(a[i, $1] - b[j, $1]) }
    }

    /// Dimensions below, at and past the eight lanes, with a tail.
    @Test(arguments: [1, 7, 8, 19, 64])
    func crossIsTheKernelOfEachPairAndMatchesTheDefinition(d: Int) {
        let a = rows(9, d, seed: 1), b = rows(5, d, seed: 2)
        let s = SquaredDistances.cross(a, b)
        #expect(s.shape == [9, 5])
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                for i in 0..<9 {
                    for j in 0..<5 {
                        let kernel = SquaredDistances.squaredDistance(ap.baseAddress! + i * d, bp.baseAddress! + j * d, count: d)
                        #expect(s[i, j].bitPattern == kernel.bitPattern)
                        #expect(abs(Double(s[i, j]) - exact(a, i, b, j)) <= 1e-5 * max(exact(a, i, b, j), 1))
                    }
                }
            }
        }
        let norms = SquaredDistances.rowNorms(a)
        for i in 0..<9 { #expect(abs(Double(norms[i]) - exact(a, i, Tensor(shape: [1, d]), 0)) <= 1e-5 * Double(norms[i])) }
    }

    /// The same on any thread count (rows are split across threads, each entry one kernel call).
    @Test func crossDoesNotDependOnTheThreadCount() {
        let a = rows(301, 33, seed: 3), b = rows(17, 33, seed: 4)
        let one = Parallel.withThreadCount(1) { SquaredDistances.cross(a, b).scalars }
        #expect(Parallel.withThreadCount(2) { SquaredDistances.cross(a, b).scalars } == one)
    }

    /// Near pairs are recomputed with the kernel, so they agree with `cross` to the bit; far
    /// pairs keep the Gram form's few-ulp error.
    @Test func pairwiseRecomputesNearPairsExactly() {
        let base = rows(1, 16, seed: 5)
        var rng = SeededGenerator(seed: 6)
        let noise = Tensor.randomNormal(shape: [6, 16], using: &rng)
        let x = Tensor(shape: [8, 16]) { out in
            for k in 0..<16 {
                for i in 0..<6 { out[i * 16 + k] = base[0, k] + 1e-3 * noise[i, k] }
                out[6 * 16 + k] = -base[0, k]
                out[7 * 16 + k] = base[0, k] + 2
            }
        }
        let pairwise = SquaredDistances.pairwise(x), cross = SquaredDistances.cross(x, x)
        for i in 0..<8 {
            #expect(pairwise[i, i] == 0)
            for j in 0..<8 where j != i {
                #expect(pairwise[i, j] == pairwise[j, i])
                if i < 6 && j < 6 {
                    #expect(pairwise[i, j].bitPattern == cross[i, j].bitPattern, "near pair (\(i), \(j))")
                } else {
                    #expect(abs(Double(pairwise[i, j]) - exact(x, i, x, j)) <= 1e-5 * exact(x, i, x, j))
                }
            }
        }
    }
}
