/// A 2-D transposed convolution: `y[n, o] = b[o] + Σ_c x[n, c] ⊛ w[c, o]`, where each input pixel
/// adds its value times the kernel into the output at `stride` times its position, less `padding`
/// (PyTorch's `ConvTranspose2d`): the adjoint of `Conv2d` with the same kernel, stride and padding.
///
/// Layouts: input `N × Cin × H × W`, output `N × Cout × Ho × Wo` with
/// `Ho = (H − 1)·stride − 2·padding + kernelSize + outputPadding` (and the same for `Wo`),
/// weight `Cin × Cout × kh × kw` (PyTorch's layout), bias `Cout`.
///
/// Each image is one matrix product and a `col2im`: `cols (Cout·kh·kw × H·W) = Wᵀ · x`, scattered
/// onto the output plane as a convolution's input gradient is. The backward pass is a convolution:
/// `im2col(dy)`, then `dx = W · im2col(dy)` and `dW += x · im2col(dy)ᵀ`. Images are split across
/// threads, each with its own scratch buffer.
public final class ConvTranspose2d: Layer {
    public let weight: Parameter
    public let bias: Parameter
    public let inputChannels: Int, outputChannels: Int
    public let kernelSize: Int, stride: Int, padding: Int
    /// Rows and columns added at the bottom and right of the output (less than `stride`), to pick
    /// among the output sizes that a stride-`stride` convolution maps to the same input size.
    public let outputPadding: Int

    private var input: Tensor?

    /// - Parameters:
    ///   - padding: rows and columns taken off each side of the full output; `(kernelSize − stride) / 2`
    ///     with an even difference makes the output exactly `stride` times the input.
    ///   - outputPadding: in `0..<stride`.
    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                outputPadding: Int = 0, initializer: WeightInitializer = .heNormal, rng: inout SeededGenerator) {
        precondition(inputChannels > 0 && outputChannels > 0 && kernelSize > 0 && stride > 0 && padding >= 0,
                     "bad ConvTranspose2d \(inputChannels)→\(outputChannels) k\(kernelSize) s\(stride) p\(padding)")
        precondition((0..<stride).contains(outputPadding), "output padding \(outputPadding) outside 0..<\(stride)")
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        let area = kernelSize * kernelSize
        // Fan-in as PyTorch counts it: the weight's dimension 1 times the kernel area.
        weight = Parameter(initializer.tensor(shape: [inputChannels, outputChannels, kernelSize, kernelSize],
                                              fanIn: outputChannels * area, fanOut: inputChannels * area, using: &rng))
        bias = Parameter(Tensor(shape: [outputChannels]))
    }

    public var parameters: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }

    /// The geometry of the convolution whose input is this layer's output and whose output is
    /// this layer's input.
    func geometry(for shape: [Int]) -> ConvolutionGeometry {
        precondition(shape.count == 4 && shape[1] == inputChannels,
                     "ConvTranspose2d expects N×\(inputChannels)×H×W input, got \(shape)")
        let height = (shape[2] - 1) * stride - 2 * padding + kernelSize + outputPadding
        let width = (shape[3] - 1) * stride - 2 * padding + kernelSize + outputPadding
        precondition(height >= 1 && width >= 1, "ConvTranspose2d k\(kernelSize) s\(stride) p\(padding) gives no output for \(shape)")
        let g = ConvolutionGeometry(channels: outputChannels, height: height, width: width,
                                    kernelHeight: kernelSize, kernelWidth: kernelSize, stride: stride, padding: padding)
        assert(g.outputHeight == shape[2] && g.outputWidth == shape[3], "ConvTranspose2d geometry does not invert")
        return g
    }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        let g = geometry(for: inputShape)
        return [inputShape[0], outputChannels, g.height, g.width]
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let g = geometry(for: x.shape)
        let n = x.shape[0], k = g.patchSize, plane = g.outputPlane, cin = inputChannels, cout = outputChannels
        let outPlane = g.height * g.width
        if training { input = x }
        return Tensor(shape: [n, cout, g.height, g.width]) { out in
            x.withUnsafeBufferPointer { xp in
                weight.value.withUnsafeBufferPointer { w in
                    bias.value.withUnsafeBufferPointer { b in
                        Parallel.forEachChunk(n) { images in
                            let cols = UnsafeMutablePointer<Float>.allocate(capacity: k * plane)
                            defer { cols.deallocate() }
                            for i in images {
                                let yi = out.baseAddress! + i * cout * outPlane
                                // cols = Wᵀ · x, scattered onto a plane that starts from the bias.
                                GEMM.multiply(.transposed, .none, m: k, n: plane, k: cin,
                                              a: w.baseAddress!, b: xp.baseAddress! + i * cin * plane, c: cols)
                                for o in 0..<cout { (yi + o * outPlane).update(repeating: b[o], count: outPlane) }
                                Im2col.col2im(g, columns: cols, image: yi)
                            }
                        }
                    }
                }
            }
        }
    }

    public func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
        guard let x = input else { preconditionFailure("ConvTranspose2d.backward before a training forward") }
        let g = geometry(for: x.shape)
        let n = x.shape[0], k = g.patchSize, plane = g.outputPlane, cin = inputChannels, cout = outputChannels
        let outPlane = g.height * g.width
        precondition(dy.shape == [n, cout, g.height, g.width], "ConvTranspose2d gradient shape \(dy.shape), expected \([n, cout, g.height, g.width])")
        let parts = min(Parallel.threadCount, n)
        // Each part sums its images' weight and bias gradients into its own slice; slices are added after.
        var partials = Tensor(shape: [parts, cin * k + cout])
        var dx = inputGradient ? Tensor(shape: x.shape) : nil

        x.withUnsafeBufferPointer { xp in
            dy.withUnsafeBufferPointer { dyp in
                weight.value.withUnsafeBufferPointer { w in
                    partials.withUnsafeMutableBufferPointer { acc in
                        withOptionalMutableBuffer(&dx) { dxBase in
                            Parallel.forEachPart(n, parts: parts) { part, images in
                                let dw = acc.baseAddress! + part * (cin * k + cout)
                                let db = dw + cin * k
                                let dcols = UnsafeMutablePointer<Float>.allocate(capacity: k * plane)
                                defer { dcols.deallocate() }
                                for i in images {
                                    let dyi = dyp.baseAddress! + i * cout * outPlane
                                    Im2col.im2col(g, image: dyi, columns: dcols)
                                    // dW += x · dcolsᵀ
                                    GEMM.multiply(.none, .transposed, m: cin, n: k, k: plane,
                                                  a: xp.baseAddress! + i * cin * plane, b: dcols, beta: 1, c: dw)
                                    for o in 0..<cout {
                                        let row = dyi + o * outPlane
                                        var s: Float = 0
                                        for p in 0..<outPlane { s += row[p] }
                                        db[o] += s
                                    }
                                    // dx = W · dcols
                                    if let dxBase {
                                        GEMM.multiply(.none, .none, m: cin, n: plane, k: k,
                                                      a: w.baseAddress!, b: dcols, c: dxBase + i * cin * plane)
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
                        let base = acc.baseAddress! + part * (cin * k + cout)
                        for j in 0..<(cin * k) { gw[j] += base[j] }
                        for o in 0..<cout { gb[o] += base[cin * k + o] }
                    }
                }
            }
        }
        return dx
    }
}
