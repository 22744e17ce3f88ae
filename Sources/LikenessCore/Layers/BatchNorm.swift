/// Batch normalisation over every axis but the channel axis (axis 1):
/// `y = γ · (x − μ) / √(σ² + ε) + β`.
///
/// Input `N × C` (after a dense layer) or `N × C × H × W` (after a convolution). In training
/// μ and σ² are the batch's (biased) mean and variance per channel, and the running estimates
/// move by `momentum` towards them (the running variance takes the unbiased batch variance, as
/// PyTorch does); in inference the running estimates are used.
public final class BatchNorm: Layer {
    public let weight: Parameter
    public let bias: Parameter
    public private(set) var runningMean: Tensor
    public private(set) var runningVariance: Tensor
    public let featureCount: Int
    public let epsilon: Float, momentum: Float

    private var normalized: Tensor?
    private var inverseStd: [Float] = []
    private var trainedStatistics = true

    public init(featureCount: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) {
        precondition(featureCount > 0, "BatchNorm over \(featureCount) features")
        self.featureCount = featureCount
        self.epsilon = epsilon
        self.momentum = momentum
        weight = Parameter(Tensor(shape: [featureCount], repeating: 1))
        bias = Parameter(Tensor(shape: [featureCount]))
        runningMean = Tensor(shape: [featureCount])
        runningVariance = Tensor(shape: [featureCount], repeating: 1)
    }

    public var parameters: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }
    public var buffers: [(name: String, tensor: Tensor)] { [("running_mean", runningMean), ("running_var", runningVariance)] }

    public func setBuffer(_ name: String, to tensor: Tensor) {
        precondition(tensor.shape == [featureCount], "BatchNorm buffer \(name) of shape \(tensor.shape), expected [\(featureCount)]")
        switch name {
        case "running_mean": runningMean = tensor
        case "running_var": runningVariance = tensor
        default: preconditionFailure("BatchNorm has no buffer named \(name)")
        }
    }

    /// (batch, spatial size) of an `N × C` or `N × C × H × W` input.
    private func layout(_ s: [Int]) -> (n: Int, plane: Int) {
        precondition((s.count == 2 || s.count == 4) && s[1] == featureCount,
                     "BatchNorm expects N×\(featureCount) or N×\(featureCount)×H×W, got \(s)")
        return (s[0], s.count == 4 ? s[2] * s[3] : 1)
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let (n, plane) = layout(x.shape)
        let c = featureCount, m = Float(n * plane)
        precondition(!training || n * plane > 1, "BatchNorm in training needs more than one value per channel, got shape \(x.shape)")
        var mean = [Float](repeating: 0, count: c), invStd = [Float](repeating: 0, count: c)
        if training {
            var variance = [Float](repeating: 0, count: c)
            x.withUnsafeBufferPointer { xp in
                mean.withUnsafeMutableBufferPointer { mu in
                    variance.withUnsafeMutableBufferPointer { v in
                        Parallel.forEachChunk(c) { channels in
                            for ch in channels {
                                var s: Double = 0, ss: Double = 0
                                for i in 0..<n {
                                    let p = xp.baseAddress! + (i * c + ch) * plane
                                    for j in 0..<plane { let z = Double(p[j]); s += z; ss += z * z }
                                }
                                let mu0 = s / Double(m)
                                mu[ch] = Float(mu0)
                                v[ch] = Float(max(ss / Double(m) - mu0 * mu0, 0))
                            }
                        }
                    }
                }
            }
            let unbias = m / max(m - 1, 1)
            runningMean.withUnsafeMutableBufferPointer { rm in
                runningVariance.withUnsafeMutableBufferPointer { rv in
                    for ch in 0..<c {
                        rm[ch] = (1 - momentum) * rm[ch] + momentum * mean[ch]
                        rv[ch] = (1 - momentum) * rv[ch] + momentum * variance[ch] * unbias
                        invStd[ch] = 1 / (variance[ch] + epsilon).squareRoot()
                    }
                }
            }
        } else {
            mean = runningMean.scalars
            invStd = runningVariance.scalars.map { 1 / ($0 + epsilon).squareRoot() }
        }
        trainedStatistics = training
        inverseStd = invStd
        let gamma = weight.value.scalars, beta = bias.value.scalars
        var xhat = training ? Tensor(shape: x.shape) : nil
        let y = Tensor(shape: x.shape) { out in
            x.withUnsafeBufferPointer { xp in
                withOptionalMutableBuffer(&xhat) { xhatBase in
                    Parallel.forEachChunk(n * c, grain: 4) { rows in
                        for r in rows {
                            let ch = r % c, off = r * plane
                            for j in 0..<plane {
                                let h = (xp[off + j] - mean[ch]) * invStd[ch]
                                xhatBase?[off + j] = h
                                out[off + j] = gamma[ch] * h + beta[ch]
                            }
                        }
                    }
                }
            }
        }
        if training { normalized = xhat }
        return y
    }

    public func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
        precondition(trainedStatistics, "BatchNorm.backward after an inference forward")
        guard let xhat = normalized else { preconditionFailure("BatchNorm.backward before a training forward") }
        let (n, plane) = layout(xhat.shape)
        let c = featureCount, m = Float(n * plane)
        precondition(dy.shape == xhat.shape, "BatchNorm gradient shape \(dy.shape), expected \(xhat.shape)")
        var sumDy = [Float](repeating: 0, count: c), sumDyXhat = [Float](repeating: 0, count: c)
        dy.withUnsafeBufferPointer { g in
            xhat.withUnsafeBufferPointer { h in
                sumDy.withUnsafeMutableBufferPointer { sd in
                    sumDyXhat.withUnsafeMutableBufferPointer { sdh in
                        Parallel.forEachChunk(c) { channels in
                            for ch in channels {
                                var a: Float = 0, b: Float = 0
                                for i in 0..<n {
                                    let off = (i * c + ch) * plane
                                    for j in 0..<plane { a += g[off + j]; b += g[off + j] * h[off + j] }
                                }
                                sd[ch] = a; sdh[ch] = b
                            }
                        }
                    }
                }
            }
        }
        weight.gradient.withUnsafeMutableBufferPointer { gw in
            bias.gradient.withUnsafeMutableBufferPointer { gb in
                for ch in 0..<c { gw[ch] += sumDyXhat[ch]; gb[ch] += sumDy[ch] }
            }
        }
        guard inputGradient else { return nil }
        let gamma = weight.value.scalars, invStd = inverseStd
        // dx = γ/σ · (dy − mean(dy) − x̂ · mean(dy · x̂))
        return Tensor(shape: xhat.shape) { dx in
            dy.withUnsafeBufferPointer { g in
                xhat.withUnsafeBufferPointer { h in
                    Parallel.forEachChunk(n * c, grain: 4) { rows in
                        for r in rows {
                            let ch = r % c, off = r * plane
                            let k = gamma[ch] * invStd[ch], md = sumDy[ch] / m, mdh = sumDyXhat[ch] / m
                            for j in 0..<plane { dx[off + j] = k * (g[off + j] - md - h[off + j] * mdh) }
                        }
                    }
                }
            }
        }
    }
}
