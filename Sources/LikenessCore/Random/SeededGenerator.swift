/// A seeded pseudo-random generator (xoshiro256**), so that every run with the same seed
/// draws the same weights, batches, dropout masks and augmentations.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose 256-bit state is expanded from `seed` by SplitMix64.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// The generator's 256-bit state as four words, to save it in a checkpoint.
    public var state: [UInt64] { [s.0, s.1, s.2, s.3] }

    /// A generator continuing from a `state` saved earlier; the state must not be all zeros
    /// (xoshiro256** would then draw only zeros).
    public init(state: [UInt64]) {
        precondition(state.count == 4 && state.contains { $0 != 0 }, "generator state \(state): expected four words, not all zero")
        s = (state[0], state[1], state[2], state[3])
    }

    @inlinable static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = Self.rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = Self.rotl(s.3, 45)
        return result
    }

    /// A uniform draw in [0, 1) with 24 random bits.
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A standard normal draw (Box–Muller).
    public mutating func nextNormal() -> Float {
        var u1: Double
        repeat { u1 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) } while u1 == 0
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float((-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2))
    }

    /// A generator for an independent stream, derived from this one's next draw and `stream`.
    public mutating func fork(stream: UInt64 = 0) -> SeededGenerator {
        SeededGenerator(seed: next() ^ (stream &* 0xD1B5_4A32_D192_ED03))
    }
}

import Foundation
@inline(__always) private func _log(_ x: Double) -> Double { Foundation.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Foundation.cos(x) }

extension Tensor {
    /// A tensor of independent draws from N(0, std²).
    public static func randomNormal(shape: [Int], std: Float = 1, using rng: inout SeededGenerator) -> Tensor {
        Tensor(shape: shape) { buf in
            for i in buf.indices { buf[i] = rng.nextNormal() * std }
        }
    }

    /// A tensor of independent draws from U(lower, upper).
    public static func randomUniform(shape: [Int], in range: ClosedRange<Float> = 0...1, using rng: inout SeededGenerator) -> Tensor {
        Tensor(shape: shape) { buf in
            let w = range.upperBound - range.lowerBound
            for i in buf.indices { buf[i] = range.lowerBound + rng.nextUniform() * w }
        }
    }
}
