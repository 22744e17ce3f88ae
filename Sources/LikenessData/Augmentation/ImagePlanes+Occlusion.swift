import Foundation
import LikenessCore

extension ImagePlanes {
    func addNoise(std: Float, using rng: inout SeededGenerator) {
        for i in 0..<count { base[i] = min(max(base[i] + std * rng.nextNormal(), 0), 1) }
    }

    func saltAndPepper(fraction: Float, using rng: inout SeededGenerator) {
        for p in 0..<plane where rng.nextUniform() < fraction {
            let value: Float = rng.nextUniform() < 0.5 ? 0 : 1
            for ch in 0..<channels { base[ch * plane + p] = value }
        }
    }

    /// Zhong et al.'s random erasing: up to 10 draws of a rectangle's area and aspect ratio;
    /// the first that fits is filled with uniform noise.
    func erase(area: ClosedRange<Float>, aspectRatio: ClosedRange<Float>, using rng: inout SeededGenerator) {
        let logRatio = log(aspectRatio.lowerBound)...log(aspectRatio.upperBound)
        for _ in 0..<10 {
            let target = rng.nextUniform(in: area) * Float(plane)
            let ratio = exp(rng.nextUniform(in: logRatio))
            let h = Int((target * ratio).squareRoot().rounded()), w = Int((target / ratio).squareRoot().rounded())
            guard h >= 1, w >= 1, h <= height, w <= width else { continue }
            let top = rng.nextIndex(below: height - h + 1), left = rng.nextIndex(below: width - w + 1)
            for ch in 0..<channels {
                for y in top..<(top + h) {
                    for x in left..<(left + w) { base[ch * plane + y * width + x] = rng.nextUniform() }
                }
            }
            return
        }
    }

    /// DeVries and Taylor's cutout: a square of zeros centred on a uniformly drawn pixel.
    func cutout(size: Int, using rng: inout SeededGenerator) {
        let cy = rng.nextIndex(below: height), cx = rng.nextIndex(below: width)
        let top = max(cy - size / 2, 0), bottom = min(cy - size / 2 + size, height)
        let left = max(cx - size / 2, 0), right = min(cx - size / 2 + size, width)
        for ch in 0..<channels {
            for y in top..<bottom {
                for x in left..<right { base[ch * plane + y * width + x] = 0 }
            }
        }
    }
}
