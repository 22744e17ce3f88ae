/// 2-D max pooling: `y[n, c, oy, ox] = max over the window of x[n, c, oy·s + i, ox·s + j]`.
///
/// Layout `N × C × H × W` in and out; no padding, windows that do not fit are dropped (floor),
/// as in PyTorch. The gradient goes to the first maximum of each window.
public final class MaxPool2d: Layer {
    public let kernelSize: Int, stride: Int
    private var inputShape: [Int] = []
    /// For each output, the flat index inside its input plane of the maximum.
    private var argmax: [Int32] = []

    public init(kernelSize: Int, stride: Int? = nil) {
        precondition(kernelSize >= 1, "pool kernel \(kernelSize)")
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
    }

    public func outputShape(for s: [Int]) -> [Int] {
        precondition(s.count == 4 && s[2] >= kernelSize && s[3] >= kernelSize, "MaxPool2d expects N×C×H×W of at least \(kernelSize)×\(kernelSize), got \(s)")
        return [s[0], s[1], (s[2] - kernelSize) / stride + 1, (s[3] - kernelSize) / stride + 1]
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let os = outputShape(for: x.shape)
        let planes = os[0] * os[1], inPlane = x.shape[2] * x.shape[3], outPlane = os[2] * os[3]
        if training {
            inputShape = x.shape
            if argmax.count != planes * outPlane { argmax = [Int32](repeating: 0, count: planes * outPlane) }
        }
        return Tensor(shape: os) { out in
            x.withUnsafeBufferPointer { xp in
                argmax.withUnsafeMutableBufferPointer { am in
                    Parallel.forEachChunk(planes, grain: 8) { range in
                        for p in range {
                            MaxPooling.forward(xp.baseAddress! + p * inPlane, height: x.shape[2], width: x.shape[3],
                                               kernel: kernelSize, stride: stride, into: out.baseAddress! + p * outPlane,
                                               argmax: training ? am.baseAddress! + p * outPlane : nil)
                        }
                    }
                }
            }
        }
    }

    public func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
        precondition(!inputShape.isEmpty, "MaxPool2d.backward before a training forward")
        guard inputGradient else { return nil }
        let os = outputShape(for: inputShape)
        precondition(dy.shape == os, "MaxPool2d gradient shape \(dy.shape), expected \(os)")
        let planes = os[0] * os[1], inPlane = inputShape[2] * inputShape[3], outPlane = os[2] * os[3]
        var dx = Tensor(shape: inputShape)
        dx.withUnsafeMutableBufferPointer { dxp in
            dy.withUnsafeBufferPointer { dyp in
                argmax.withUnsafeBufferPointer { am in
                    Parallel.forEachChunk(planes, grain: 8) { range in
                        for p in range {
                            MaxPooling.backward(dyp.baseAddress! + p * outPlane, argmax: am.baseAddress! + p * outPlane,
                                                count: outPlane, into: dxp.baseAddress! + p * inPlane)
                        }
                    }
                }
            }
        }
        return dx
    }
}

/// Global average pooling: `y[n, c] = mean over (h, w) of x[n, c, h, w]`; input `N × C × H × W`,
/// output `N × C`.
public final class GlobalAveragePool: Layer {
    private var inputShape: [Int] = []

    public init() {}

    public func outputShape(for s: [Int]) -> [Int] {
        precondition(s.count == 4, "GlobalAveragePool expects N×C×H×W, got \(s)")
        return [s[0], s[1]]
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let os = outputShape(for: x.shape)
        if training { inputShape = x.shape }
        let plane = x.shape[2] * x.shape[3], inv = 1 / Float(plane)
        return Tensor(shape: os) { y in
            x.withUnsafeBufferPointer { xp in
                for r in 0..<(os[0] * os[1]) {
                    var s: Float = 0
                    for j in 0..<plane { s += xp[r * plane + j] }
                    y[r] = s * inv
                }
            }
        }
    }

    public func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
        precondition(!inputShape.isEmpty, "GlobalAveragePool.backward before a training forward")
        guard inputGradient else { return nil }
        let plane = inputShape[2] * inputShape[3], inv = 1 / Float(plane)
        return Tensor(shape: inputShape) { dx in
            dy.withUnsafeBufferPointer { g in
                for r in 0..<(inputShape[0] * inputShape[1]) {
                    (dx.baseAddress! + r * plane).update(repeating: g[r] * inv, count: plane)
                }
            }
        }
    }
}
