import Likeness

/// 8×8 images of two classes: class 0 (`top`) bright in the top half, class 1 (`bottom`) in the
/// bottom half, the other half dark, normal noise of `noise` on every pixel: what a training loop
/// learns in a few steps.
func stripes(count: Int, seed: UInt64, bright: Float = 180, dark: Float = 40, noise: Float = 40) -> Dataset {
    var rng = SeededGenerator(seed: seed)
    var pixels: [UInt8] = [], labels: [Int] = []
    for i in 0..<count {
        let y = i % 2
        labels.append(y)
        for r in 0..<8 {
            for _ in 0..<8 {
                let base = (r < 4) == (y == 0) ? bright : dark
                pixels.append(UInt8(max(0, min(255, base + rng.nextNormal() * noise))))
            }
        }
    }
    return Dataset(pixels: pixels, labels: labels, classNames: ["top", "bottom"], ids: (0..<count).map { "s#\($0)" },
                   height: 8, width: 8, channels: 1)
}
