import LikenessCore

/// A class-conditional DCGAN (Radford et al. 2016; conditioned as in Mirza & Osindero 2014) for
/// small images whose sides are multiples of 4 (28×28×1, 32×32×3):
/// `G(z, y) = tanh(T₂(relu(BN(T₁(relu(BN(L[z; onehot(y)])))))))` and
/// `D(x, y) = L'(flatten(lrelu(BN(C₂(lrelu(C₁[x; onehot(y)]))))))`, a logit.
///
/// Generator: `z` (N × `noiseDimension`, standard normal) beside the one-hot class (N × K) →
/// Linear to `2F × H/4 × W/4` → BatchNorm → ReLU → ConvTranspose2d 4×4 stride 2 to `F × H/2 × W/2`
/// → BatchNorm → ReLU → ConvTranspose2d 4×4 stride 2 to `C × H × W` → Tanh, images in (−1, 1).
///
/// Discriminator: the image (scaled to [−1, 1]) with K one-hot class planes appended as channels,
/// `(C + K) × H × W` → Conv2d 4×4 stride 2 to `F × H/2 × W/2` → LeakyReLU 0.2 → Conv2d 4×4 stride 2
/// to `2F × H/4 × W/4` → BatchNorm → LeakyReLU 0.2 → Flatten → Linear to one logit (real vs generated).
///
/// `F` is `featureChannels`. Layouts are NCHW throughout.
public final class ConditionalGAN {
    public let classCount: Int
    public let channels: Int, height: Int, width: Int
    public let noiseDimension: Int
    public let featureChannels: Int
    public let generator: Sequential
    public let discriminator: Sequential

    /// - Parameters:
    ///   - classCount: K, the classes the images are conditioned on.
    ///   - height, width: multiples of 4.
    ///   - seed: draws every initial weight.
    public init(classCount: Int, channels: Int, height: Int, width: Int,
                noiseDimension: Int = 64, featureChannels: Int = 32, seed: UInt64) {
        precondition(classCount >= 1 && channels >= 1 && noiseDimension >= 1 && featureChannels >= 1,
                     "ConditionalGAN of \(classCount) classes, \(channels) channels, z \(noiseDimension), F \(featureChannels)")
        precondition(height >= 4 && width >= 4 && height % 4 == 0 && width % 4 == 0,
                     "ConditionalGAN images must have sides that are multiples of 4, not \(height)×\(width)")
        self.classCount = classCount
        self.channels = channels
        self.height = height
        self.width = width
        self.noiseDimension = noiseDimension
        self.featureChannels = featureChannels
        var rng = SeededGenerator(seed: seed)
        let f = featureChannels, quarter = (height / 4) * (width / 4)
        generator = Sequential([
            ("project", Linear(inputCount: noiseDimension + classCount, outputCount: 2 * f * quarter, rng: &rng)),
            ("bn0", BatchNorm(featureCount: 2 * f * quarter)),
            ("relu0", ReLU()),
            ("unflatten", Unflatten(exampleShape: [2 * f, height / 4, width / 4])),
            ("up1", ConvTranspose2d(inputChannels: 2 * f, outputChannels: f, kernelSize: 4, stride: 2, padding: 1, rng: &rng)),
            ("bn1", BatchNorm(featureCount: f)),
            ("relu1", ReLU()),
            ("up2", ConvTranspose2d(inputChannels: f, outputChannels: channels, kernelSize: 4, stride: 2, padding: 1, rng: &rng)),
            ("tanh", Tanh()),
        ])
        discriminator = Sequential([
            ("conv1", Conv2d(inputChannels: channels + classCount, outputChannels: f, kernelSize: 4, stride: 2, padding: 1, rng: &rng)),
            ("lrelu1", LeakyReLU(negativeSlope: 0.2)),
            ("conv2", Conv2d(inputChannels: f, outputChannels: 2 * f, kernelSize: 4, stride: 2, padding: 1, rng: &rng)),
            ("bn2", BatchNorm(featureCount: 2 * f)),
            ("lrelu2", LeakyReLU(negativeSlope: 0.2)),
            ("flatten", Flatten()),
            ("logit", Linear(inputCount: 2 * f * quarter, outputCount: 1, rng: &rng)),
        ])
    }

    /// The generator's input: `z` (N × `noiseDimension`) followed by the one-hot class of each row.
    public func generatorInput(noise z: Tensor, labels: [Int]) -> Tensor {
        precondition(z.shape == [labels.count, noiseDimension], "noise of shape \(z.shape) for \(labels.count) labels, z \(noiseDimension)")
        precondition(labels.allSatisfy { (0..<classCount).contains($0) }, "label outside 0..<\(classCount)")
        let d = noiseDimension, width = d + classCount
        return Tensor(shape: [labels.count, width]) { out in
            out.update(repeating: 0)
            z.withUnsafeBufferPointer { zp in
                for (i, label) in labels.enumerated() {
                    for j in 0..<d { out[i * width + j] = zp[i * d + j] }
                    out[i * width + d + label] = 1
                }
            }
        }
    }

    /// The discriminator's input: images (N × C × H × W, in [−1, 1]) with K class planes appended,
    /// plane `k` of image `i` all ones when `labels[i] == k`, else zeros.
    public func discriminatorInput(images x: Tensor, labels: [Int]) -> Tensor {
        precondition(x.shape == [labels.count, channels, height, width], "images of shape \(x.shape) for \(labels.count) labels of \(channels)×\(height)×\(width)")
        precondition(labels.allSatisfy { (0..<classCount).contains($0) }, "label outside 0..<\(classCount)")
        let image = channels * height * width, plane = height * width, stride = image + classCount * plane
        return Tensor(shape: [labels.count, channels + classCount, height, width]) { out in
            out.update(repeating: 0)
            x.withUnsafeBufferPointer { xp in
                for (i, label) in labels.enumerated() {
                    for j in 0..<image { out[i * stride + j] = xp[i * image + j] }
                    let classPlane = i * stride + image + label * plane
                    for j in 0..<plane { out[classPlane + j] = 1 }
                }
            }
        }
    }

    /// The image channels of a gradient with respect to the discriminator's input: what flows
    /// back into the generator (the class planes are not the generator's).
    func imageGradient(_ g: Tensor) -> Tensor {
        let n = g.shape[0], image = channels * height * width, stride = image + classCount * height * width
        precondition(g.shape == [n, channels + classCount, height, width], "discriminator input gradient of shape \(g.shape)")
        return Tensor(shape: [n, channels, height, width]) { out in
            g.withUnsafeBufferPointer { gp in
                for i in 0..<n { for j in 0..<image { out[i * image + j] = gp[i * stride + j] } }
            }
        }
    }

    /// Images of the classes `labels` from fresh noise drawn from `rng`: `N × C × H × W` in (−1, 1),
    /// the generator in inference (its batch norms' running statistics).
    public func generate(labels: [Int], using rng: inout SeededGenerator) -> Tensor {
        let z = Tensor.randomNormal(shape: [labels.count, noiseDimension], using: &rng)
        return generator.forward(generatorInput(noise: z, labels: labels), training: false)
    }
}
