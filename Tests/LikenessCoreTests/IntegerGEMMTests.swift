import LikenessCore
import Testing

/// The byte product against integer arithmetic done here: exact, with the offset, in both
/// orientations of `B`, up to the extremes of its documented bound.
@Suite("Integer GEMM")
struct IntegerGEMMTests {
    /// `(A − offset) · op(B)` with `A` row-major `m × k`, `B` stored `k × n` or (`transposed`) `n × k`.
    static func reference(_ a: [UInt8], _ b: [Int8], m: Int, n: Int, k: Int, offset: UInt8, transposed: Bool) -> [Int32] {
        var c = [Int32](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0
                for t in 0..<k {
                    s += (Int(a[i * k + t]) - Int(offset)) * Int(b[transposed ? j * k + t : t * n + j])
                }
                c[i * n + j] = Int32(s)
            }
        }
        return c
    }

    static func product(_ a: [UInt8], _ b: [Int8], m: Int, n: Int, k: Int, offset: UInt8, transposed: Bool) -> [Int32] {
        var c = [Int32](repeating: -1, count: m * n)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    GEMM.multiply(.none, transposed ? .transposed : .none, m: m, n: n, k: k,
                                  a: a.baseAddress!, aOffset: offset, b: b.baseAddress!, c: c.baseAddress!)
                }
            }
        }
        return c
    }

    @Test(arguments: [(m: 1, n: 1, k: 1), (m: 7, n: 13, k: 64), (m: 33, n: 70, k: 17), (m: 130, n: 9, k: 100)])
    func randomBytesGiveExactProducts(m: Int, n: Int, k: Int) {
        var rng = SeededGenerator(seed: UInt64(m * 1_000 + n * 10 + k))
        let a = (0..<m * k).map { _ in UInt8(rng.next() % 128) }
        let b = (0..<k * n).map { _ in Int8(Int(rng.next() % 255) - 127) }
        for transposed in [false, true] {
            for offset: UInt8 in [0, 64] {
                #expect(Self.product(a, b, m: m, n: n, k: k, offset: offset, transposed: transposed)
                        == Self.reference(a, b, m: m, n: n, k: k, offset: offset, transposed: transposed))
            }
        }
    }

    /// Every product at the bound's extremes: 127 · ±127, summed over k = 64.
    @Test func extremesOfTheBoundDoNotSaturate() {
        let m = 4, n = 5, k = 64
        let a = [UInt8](repeating: 127, count: m * k)
        for value: Int8 in [127, -127] {
            let b = [Int8](repeating: value, count: k * n)
            #expect(Self.product(a, b, m: m, n: n, k: k, offset: 0, transposed: true)
                    == [Int32](repeating: Int32(127 * Int(value) * k), count: m * n))
        }
    }
}
