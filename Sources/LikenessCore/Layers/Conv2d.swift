/// A 2-D convolution: `y[n, o] = b[o] + Σ_c w[o, c] ⋆ x[n, c]` (cross-correlation, as in PyTorch).
///
/// Layouts: input `N × Cin × H × W`, output `N × Cout × Ho × Wo`, weight `Cout × Cin × kh × kw`,
/// bias `Cout`. Each image is one matrix product `W (Cout × Cin·kh·kw) · im2col(x) (Cin·kh·kw × Ho·Wo)`;
/// images are split across threads, each with its own patch buffer. An optional activation is
/// applied to the output in the same pass (as Keras' `Conv2D(activation: "relu")`), while the
/// image is still in cache.
public final class Conv2d: Layer {
    public let weight: Parameter
    public let bias: Parameter
    public let inputChannels: Int, outputChannels: Int
    public let kernelSize: Int, stride: Int, padding: Int
    public let activation: Activation

    private var input: Tensor?
    /// The last training output, whose signs the ReLU gradient needs.
    private var output: Tensor?

    /// - Parameters:
    ///   - padding: zero padding on each side; `kernelSize / 2` keeps the size ("same") for stride 1.
    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                activation: Activation = .identity, initializer: WeightInitializer = .heNormal, rng: inout SeededGenerator) {
        precondition(inputChannels > 0 && outputChannels > 0 && kernelSize > 0, "bad Conv2d \(inputChannels)→\(outputChannels) k\(kernelSize)")
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.activation = activation
        let area = kernelSize * kernelSize
        weight = Parameter(initializer.tensor(shape: [outputChannels, inputChannels, kernelSize, kernelSize],
                                              fanIn: inputChannels * area, fanOut: outputChannels * area, using: &rng))
        bias = Parameter(Tensor(shape: [outputChannels]))
    }

    public var parameters: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }

    func geometry(for shape: [Int]) -> ConvolutionGeometry {
        precondition(shape.count == 4 && shape[1] == inputChannels,
                     "Conv2d expects N×\(inputChannels)×H×W input, got \(shape)")
        return ConvolutionGeometry(channels: inputChannels, height: shape[2], width: shape[3],
                                   kernelHeight: kernelSize, kernelWidth: kernelSize, stride: stride, padding: padding)
    }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        let g = geometry(for: inputShape)
        return [inputShape[0], outputChannels, g.outputHeight, g.outputWidth]
    }

    /// Whether the patch matrix of an image is the image itself (1×1 kernel, stride 1, no padding).
    private var patchesAreInput: Bool { kernelSize == 1 && stride == 1 && padding == 0 }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let g = geometry(for: x.shape)
        let n = x.shape[0], k = g.patchSize, plane = g.outputPlane, cout = outputChannels
        let inStride = inputChannels * g.height * g.width
        if training { input = x }
        let direct = patchesAreInput, relu = activation == .relu
        let y = Tensor(shape: [n, cout, g.outputHeight, g.outputWidth]) { out in
            x.withUnsafeBufferPointer { xp in
                weight.value.withUnsafeBufferPointer { w in
                    bias.value.withUnsafeBufferPointer { b in
                        Parallel.forEachChunk(n) { images in
                            let cols = direct ? nil : UnsafeMutablePointer<Float>.allocate(capacity: k * plane)
                            defer { cols?.deallocate() }
                            for i in images {
                                let xi = xp.baseAddress! + i * inStride
                                let yi = out.baseAddress! + i * cout * plane
                                if let cols { Im2col.im2col(g, image: xi, columns: cols) }
                                // Start from the bias so the product accumulates onto it.
                                for o in 0..<cout { (yi + o * plane).update(repeating: b[o], count: plane) }
                                GEMM.multiply(.none, .none, m: cout, n: plane, k: k,
                                              a: w.baseAddress!, b: UnsafePointer(cols ?? UnsafeMutablePointer(mutating: xi)),
                                              beta: 1, c: yi)
                                if relu { Activation.relu(yi, count: cout * plane) }
                            }
                        }
                    }
                }
            }
        }
        if training { output = relu ? y : nil }
        return y
    }

    public func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
        guard let x = input else { preconditionFailure("Conv2d.backward before a training forward") }
        let g = geometry(for: x.shape)
        let n = x.shape[0], k = g.patchSize, plane = g.outputPlane, cout = outputChannels
        precondition(dy.shape == [n, cout, g.outputHeight, g.outputWidth], "Conv2d gradient shape \(dy.shape)")
        let inStride = inputChannels * g.height * g.width
        let direct = patchesAreInput
        var dy = dy
        if activation == .relu {
            guard let y = output else { preconditionFailure("Conv2d.backward before a training forward") }
            Activation.reluGradient(output: y, gradient: &dy)
        }
        let parts = min(Parallel.threadCount, n)
        // Each part sums its images' weight and bias gradients into its own slice; slices are added after.
        var partials = Tensor(shape: [parts, cout * k + cout])
        var dx = inputGradient ? Tensor(shape: x.shape) : nil

        x.withUnsafeBufferPointer { xp in
            dy.withUnsafeBufferPointer { dyp in
                weight.value.withUnsafeBufferPointer { w in
                    partials.withUnsafeMutableBufferPointer { acc in
                        let dxBase = dx?.withUnsafeMutableBufferPointer { $0.baseAddress! }
                        Parallel.forEachPart(n, parts: parts) { part, images in
                            let dw = acc.baseAddress! + part * (cout * k + cout)
                            let db = dw + cout * k
                            let cols = direct ? nil : UnsafeMutablePointer<Float>.allocate(capacity: k * plane)
                            let dcols = (inputGradient && !direct) ? UnsafeMutablePointer<Float>.allocate(capacity: k * plane) : nil
                            defer { cols?.deallocate(); dcols?.deallocate() }
                            for i in images {
                                let xi = xp.baseAddress! + i * inStride
                                let dyi = dyp.baseAddress! + i * cout * plane
                                if let cols { Im2col.im2col(g, image: xi, columns: cols) }
                                let patches = UnsafePointer(cols ?? UnsafeMutablePointer(mutating: xi))
                                // dW += dY · colsᵀ
                                GEMM.multiply(.none, .transposed, m: cout, n: k, k: plane,
                                              a: dyi, b: patches, beta: 1, c: dw)
                                for o in 0..<cout {
                                    let row = dyi + o * plane
                                    var s: Float = 0
                                    for p in 0..<plane { s += row[p] }
                                    db[o] += s
                                }
                                if let dxBase {
                                    let dxi = dxBase + i * inStride
                                    if let dcols {
                                        // dcols = Wᵀ · dY, then scattered back onto the image.
                                        GEMM.multiply(.transposed, .none, m: k, n: plane, k: cout,
                                                      a: w.baseAddress!, b: dyi, c: dcols)
                                        Im2col.col2im(g, columns: dcols, image: dxi)
                                    } else {
                                        GEMM.multiply(.transposed, .none, m: k, n: plane, k: cout,
                                                      a: w.baseAddress!, b: dyi, c: dxi)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        partials.withUnsafeBufferPointer { acc in
            weight.gradient.withUnsafeMutableBufferPointer { gw in
                bias.gradient.withUnsafeMutableBufferPointer { gb in
                    for part in 0..<parts {
                        let base = acc.baseAddress! + part * (cout * k + cout)
                        for j in 0..<(cout * k) { gw[j] += base[j] }
                        for o in 0..<cout { gb[o] += base[cout * k + o] }
                    }
                }
            }
        }
        return dx
    }
}
