/// A 2-D convolution: `y[n, o] = act(b[o] + Σ_c w[o, c] ⋆ x[n, c])` (cross-correlation, as in
/// PyTorch), optionally followed by max pooling over `p × p` windows with stride `p`.
///
/// Layouts: input `N × Cin × H × W`, output `N × Cout × Ho × Wo` (divided by `p` when pooling),
/// weight `Cout × Cin × kh × kw`, bias `Cout`.
///
/// Each image is one matrix product `W (Cout × Cin·kh·kw) · im2col(x) (Cin·kh·kw × Ho·Wo)`; images
/// are split across threads, each with its own scratch buffers. The activation and the pooling
/// are post-operations on the image's product while it is still in cache (Keras writes
/// `Conv2D(32, activation="relu")` followed by `MaxPooling2D(2)`): the full-size activation map
/// is never stored, and the backward pass rebuilds each image's gradient from the pooled one.
///
/// The forward pass runs oneDNN's direct convolution instead where oneDNN has a kernel of its
/// own for the shape and the processor (`DirectConvolution`): blocks of images in the
/// channel-blocked layouts of its AVX2 and AVX-512 kernels, the ReLU fused; in inference the
/// pooling too, in training the layer pools the result itself to keep each maximum's place. The
/// backward pass takes oneDNN's backward kernels (`DirectConvolutionGradient`). Training's
/// forward pass uses them for inputs of 8 channels or more (a first layer of fewer keeps the
/// product per image), its backward pass too, and with AVX-512 for a first layer of fewer.
/// `precision` sets what oneDNN's kernels compute in (`Precision.bfloat16` where the processor
/// has it); the layer's own product is float32.
public final class Conv2d: Layer {
    public let weight: Parameter
    public let bias: Parameter
    public let inputChannels: Int, outputChannels: Int
    public let kernelSize: Int, stride: Int, padding: Int
    public let activation: Activation
    /// The window (and stride) of the max pooling applied after the activation, or nil.
    public let pooling: Int?
    /// The arithmetic of oneDNN's kernels (both passes); not stored with the weights.
    public var precision: Precision = .float32

    private var input: Tensor?
    /// The last training output: the ReLU gradient needs its signs.
    private var output: Tensor?
    /// For each pooled output, the index of its maximum in its channel's convolution plane.
    private var argmax: [Int32] = []

    /// - Parameters:
    ///   - padding: zero padding on each side; `kernelSize / 2` keeps the size ("same") for stride 1.
    ///   - pooling: the window of a max pooling after the activation (2 halves the size), or nil.
    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                activation: Activation = .identity, pooling: Int? = nil,
                initializer: WeightInitializer = .heNormal, rng: inout SeededGenerator) {
        precondition(inputChannels > 0 && outputChannels > 0 && kernelSize > 0, "bad Conv2d \(inputChannels)→\(outputChannels) k\(kernelSize)")
        precondition(pooling.map { $0 >= 1 } ?? true, "pooling window \(pooling!)")
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.activation = activation
        self.pooling = pooling
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

    /// The size of the convolution's own output plane, and of the layer's output plane.
    private func planes(_ g: ConvolutionGeometry) -> (convolution: (h: Int, w: Int), output: (h: Int, w: Int)) {
        let conv = (g.outputHeight, g.outputWidth)
        guard let p = pooling else { return (conv, conv) }
        precondition(conv.0 >= p && conv.1 >= p, "a \(p)×\(p) pooling does not fit the \(conv.0)×\(conv.1) convolution output")
        return (conv, (MaxPooling.outputSize(conv.0, kernel: p, stride: p), MaxPooling.outputSize(conv.1, kernel: p, stride: p)))
    }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        let out = planes(geometry(for: inputShape)).output
        return [inputShape[0], outputChannels, out.h, out.w]
    }

    /// Whether the patch matrix of an image is the image itself (1×1 kernel, stride 1, no padding).
    private var patchesAreInput: Bool { kernelSize == 1 && stride == 1 && padding == 0 }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let g = geometry(for: x.shape)
        let (convPlane, outPlane) = planes(g)
        let n = x.shape[0], k = g.patchSize, plane = g.outputPlane, cout = outputChannels
        let pooledPlane = outPlane.h * outPlane.w
        let inStride = inputChannels * g.height * g.width
        let direct = patchesAreInput, relu = activation == .relu, pool = pooling
        if training {
            input = x
            if pool != nil && argmax.count != n * cout * pooledPlane { argmax = [Int32](repeating: 0, count: n * cout * pooledPlane) }
        }
        if let y = directForward(x, training: training) {
            if training { output = y }
            return y
        }
        let y = Tensor(shape: [n, cout, outPlane.h, outPlane.w]) { out in
            x.withUnsafeBufferPointer { xp in
                weight.value.withUnsafeBufferPointer { w in
                    bias.value.withUnsafeBufferPointer { b in
                        argmax.withUnsafeMutableBufferPointer { am in
                            Parallel.forEachChunk(n) { images in
                                let cols = direct ? nil : UnsafeMutablePointer<Float>.allocate(capacity: k * plane)
                                let conv = pool == nil ? nil : UnsafeMutablePointer<Float>.allocate(capacity: cout * plane)
                                defer { cols?.deallocate(); conv?.deallocate() }
                                for i in images {
                                    let xi = xp.baseAddress! + i * inStride
                                    let yi = conv ?? out.baseAddress! + i * cout * plane
                                    if let cols { Im2col.im2col(g, image: xi, columns: cols) }
                                    // Start from the bias so the product accumulates onto it.
                                    for o in 0..<cout { (yi + o * plane).update(repeating: b[o], count: plane) }
                                    GEMM.multiply(.none, .none, m: cout, n: plane, k: k,
                                                  a: w.baseAddress!, b: UnsafePointer(cols ?? UnsafeMutablePointer(mutating: xi)),
                                                  beta: 1, c: yi)
                                    if relu { Activation.relu(yi, count: cout * plane) }
                                    if let pool {
                                        for o in 0..<cout {
                                            let at = (i * cout + o) * pooledPlane
                                            MaxPooling.forward(yi + o * plane, height: convPlane.h, width: convPlane.w,
                                                               kernel: pool, stride: pool, into: out.baseAddress! + at,
                                                               argmax: training ? am.baseAddress! + at : nil)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if training { output = y }
        return y
    }

    /// The fewest input channels for which the forward pass in training runs oneDNN's kernels (a
    /// layout block): with fewer, most of each block is padding, and on the reference network's
    /// first layer (one channel) they measured slower than the product per image, with the reorder
    /// back to NCHW before the layer's own pooling: 18 against 28 GFLOP/s (AVX2), 16 against 26
    /// (AVX-512). Inference passes, pooled inside oneDNN, always take them.
    static let directTrainingChannels = 8

    /// The fewest input channels for which the backward pass runs oneDNN's kernels: as the forward
    /// pass with AVX2 (on the first layer oneDNN's backward ran at 1–2 GFLOP/s against 15), and
    /// with AVX-512 for a layer that computes its input's gradient (oneDNN's backward-data kernel
    /// for one channel ran at 7.5 GFLOP/s in a C probe of the library, against 128 for conv2's shape); a layer that does not (a first layer) takes them at any count with AVX-512,
    /// where the reference network's first layer's backward took 1.5 ms a step against 3.3 for the
    /// product per image (AMD EPYC, 2026-12-06, `likeness-bench train --profile`).
    static func directBackwardChannels(inputGradient: Bool) -> Int {
        inputGradient || !DNNL.instructionSet.hasPrefix("avx512") ? directTrainingChannels : 1
    }

    /// Images per call of a oneDNN plan: few enough that their convolution output stays in a
    /// core's L2 cache until it is pooled.
    static let directBatch = 8

    /// A plan of the inference pass: one per thread part, images per call and input size.
    private struct PlanKey: Hashable {
        let part: Int, batch: Int, height: Int, width: Int
        /// Whether oneDNN pools too (inference), or the layer pools and keeps the argmax (training).
        let pools: Bool
        let precision: Precision
    }

    /// The oneDNN plans made so far; nil where oneDNN has no fast kernel for the shape.
    private var inferencePlans: [PlanKey: DirectConvolution?] = [:]
    /// A plan of the backward pass: one per thread part, images per call, input size, and
    /// whether it computes the input's gradient.
    private struct BackwardPlanKey: Hashable {
        let part: Int, batch: Int, height: Int, width: Int, inputGradient: Bool
        let precision: Precision
    }

    /// The backward plans made so far; nil where oneDNN has no fast kernel for the shape.
    private var backwardPlans: [BackwardPlanKey: DirectConvolutionGradient?] = [:]

    /// Thread part `part`'s plan for `batch` images of geometry `g`, made on first use; with
    /// `pools` false the plan stops after the activation.
    private func plan(part: Int, batch: Int, geometry g: ConvolutionGeometry, pools: Bool) -> DirectConvolution? {
        let key = PlanKey(part: part, batch: batch, height: g.height, width: g.width, pools: pools && pooling != nil, precision: precision)
        if let made = inferencePlans[key] { return made }
        let plan = DirectConvolution(batch: batch, geometry: g, outputChannels: outputChannels, relu: activation == .relu,
                                     pooling: key.pools ? pooling : nil, precision: precision)
        inferencePlans[key] = .some(plan)
        return plan
    }

    /// The oneDNN kernel that the forward pass (in training, or in inference) runs on an input of
    /// `inputShape` (`jit:avx2`, `jit:avx512_core`, `jit_bf16:avx512_core_bf16`), or nil where the
    /// layer's own product per image runs.
    public func directKernel(forInput inputShape: [Int], training: Bool = false) -> String? {
        if training && inputChannels < Self.directTrainingChannels { return nil }
        return plan(part: 0, batch: min(Self.directBatch, inputShape[0]), geometry: geometry(for: inputShape), pools: !training)?.implementation
    }

    /// The oneDNN kernel of the backward pass's weight gradient on an input of `inputShape`, for a
    /// layer that computes no input gradient (a first layer), or nil where the layer's own product
    /// per image runs.
    public func directGradientKernel(forInput inputShape: [Int]) -> String? {
        guard inputChannels >= Self.directBackwardChannels(inputGradient: false) else { return nil }
        return gradientPlan(part: 0, batch: min(Self.directBatch, inputShape[0]), geometry: geometry(for: inputShape), inputGradient: false)?
            .implementation
    }

    /// The forward pass by oneDNN's direct convolution, each thread taking its part of the batch
    /// `directBatch` images at a time; nil where oneDNN has no fast kernel for the shape. In
    /// training the layer pools the convolution's output itself, keeping each maximum's place
    /// for the backward pass.
    private func directForward(_ x: Tensor, training: Bool) -> Tensor? {
        guard !training || inputChannels >= Self.directTrainingChannels else { return nil }
        let g = geometry(for: x.shape)
        let n = x.shape[0], parts = min(Parallel.threadCount, n)
        let pools = !training
        guard let plans = Self.planTable(images: n, parts: parts, { plan(part: $0, batch: $1, geometry: g, pools: pools) }) else { return nil }
        let (convPlane, outPlane) = planes(g)
        let cout = outputChannels, plane = g.outputPlane, pooledPlane = outPlane.h * outPlane.w
        let inStride = inputChannels * g.height * g.width, outStride = cout * pooledPlane
        let ownPooling = training ? pooling : nil
        return Tensor(shape: [n, cout, outPlane.h, outPlane.w]) { out in
            x.withUnsafeBufferPointer { xp in
                weight.value.withUnsafeBufferPointer { w in
                    bias.value.withUnsafeBufferPointer { b in
                        argmax.withUnsafeMutableBufferPointer { am in
                            Parallel.forEachPart(n, parts: parts) { part, images in
                                let conv = ownPooling == nil ? nil : UnsafeMutablePointer<Float>.allocate(capacity: Self.directBatch * cout * plane)
                                defer { conv?.deallocate() }
                                var start = images.lowerBound
                                while start < images.upperBound {
                                    let batch = min(Self.directBatch, images.upperBound - start)
                                    plans[part][batch]!.forward(input: xp.baseAddress! + start * inStride, weight: w.baseAddress!,
                                                                bias: b.baseAddress!, output: conv ?? out.baseAddress! + start * outStride)
                                    if let conv, let p = ownPooling {
                                        for j in 0..<(batch * cout) {
                                            let at = start * cout * pooledPlane + j * pooledPlane
                                            MaxPooling.forward(conv + j * plane, height: convPlane.h, width: convPlane.w, kernel: p, stride: p,
                                                               into: out.baseAddress! + at, argmax: am.baseAddress! + at)
                                        }
                                    }
                                    start += batch
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// For each of `parts` thread parts of `n` images, its plan for each number of images a call
    /// takes (`directBatch`, and the part's remainder), made here on the calling thread so that
    /// each part then runs its own; nil when one of them has no plan.
    private static func planTable<Plan>(images n: Int, parts: Int, _ plan: (_ part: Int, _ batch: Int) -> Plan?) -> [[Int: Plan]]? {
        var table = [[Int: Plan]](repeating: [:], count: parts)
        for part in 0..<parts {
            let count = Parallel.chunk(part, of: parts, count: n).count
            for batch in Set([min(directBatch, count), count % directBatch]) where batch > 0 {
                guard let made = plan(part, batch) else { return nil }
                table[part][batch] = made
            }
        }
        return table
    }

    /// Thread part `part`'s backward plan for `batch` images of geometry `g`, made on first use.
    private func gradientPlan(part: Int, batch: Int, geometry g: ConvolutionGeometry, inputGradient: Bool) -> DirectConvolutionGradient? {
        let key = BackwardPlanKey(part: part, batch: batch, height: g.height, width: g.width, inputGradient: inputGradient, precision: precision)
        if let made = backwardPlans[key] { return made }
        let plan = DirectConvolutionGradient(batch: batch, geometry: g, outputChannels: outputChannels, inputGradient: inputGradient,
                                             precision: precision)
        backwardPlans[key] = .some(plan)
        return plan
    }

    /// oneDNN's backward plans for each thread part and images per call; empty where the product
    /// per image runs: where oneDNN has no kernel, and for inputs of fewer than
    /// `directBackwardChannels(inputGradient:)` channels.
    private func directGradientPlans(geometry g: ConvolutionGeometry, batch n: Int, parts: Int, inputGradient: Bool) -> [[Int: DirectConvolutionGradient]] {
        guard inputChannels >= Self.directBackwardChannels(inputGradient: inputGradient) else { return [] }
        return Self.planTable(images: n, parts: parts, { gradientPlan(part: $0, batch: $1, geometry: g, inputGradient: inputGradient) }) ?? []
    }

    /// `dz`: the gradient at one image's convolution output (`Cout × plane`), before the
    /// activation and the pooling, from the gradient `dy` of the layer's output `y`.
    private static func convolutionGradient(_ dz: UnsafeMutablePointer<Float>, output y: UnsafePointer<Float>, gradient dy: UnsafePointer<Float>,
                                            argmax: UnsafePointer<Int32>?, channels: Int, plane: Int, outputPlane: Int, relu: Bool) {
        guard let argmax else {
            for j in 0..<(channels * plane) { dz[j] = y[j] > 0 ? dy[j] : 0 }
            return
        }
        dz.update(repeating: 0, count: channels * plane)
        for o in 0..<channels {
            let target = dz + o * plane
            for j in 0..<outputPlane where !relu || y[o * outputPlane + j] > 0 {
                target[Int(argmax[o * outputPlane + j])] += dy[o * outputPlane + j]
            }
        }
    }

    public func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
        guard let x = input, let y = output else { preconditionFailure("Conv2d.backward before a training forward") }
        let g = geometry(for: x.shape)
        let n = x.shape[0], k = g.patchSize, plane = g.outputPlane, cout = outputChannels
        precondition(dy.shape == y.shape, "Conv2d gradient shape \(dy.shape), expected \(y.shape)")
        let outPlane = y.shape[2] * y.shape[3]
        let inStride = inputChannels * g.height * g.width
        let direct = patchesAreInput, relu = activation == .relu, pooled = pooling != nil
        let parts = min(Parallel.threadCount, n)
        // Each part sums its images' weight and bias gradients into its own slice; slices are added after.
        var partials = Tensor(shape: [parts, cout * k + cout])
        var dx = inputGradient ? Tensor(shape: x.shape) : nil
        let gradientPlans = directGradientPlans(geometry: g, batch: n, parts: parts, inputGradient: inputGradient)

        x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                dy.withUnsafeBufferPointer { dyp in
                    weight.value.withUnsafeBufferPointer { w in
                        argmax.withUnsafeBufferPointer { am in
                            partials.withUnsafeMutableBufferPointer { acc in
                                withOptionalMutableBuffer(&dx) { dxBase in
                                    Parallel.forEachPart(n, parts: parts) { part, images in
                                        let dw = acc.baseAddress! + part * (cout * k + cout)
                                        let db = dw + cout * k
                                        // oneDNN's plans take `directBatch` images a call; the product one at a time.
                                        let chunk = gradientPlans.isEmpty ? 1 : Self.directBatch
                                        let cols = (direct || !gradientPlans.isEmpty) ? nil : UnsafeMutablePointer<Float>.allocate(capacity: k * plane)
                                        let dcols = (inputGradient && !direct && gradientPlans.isEmpty) ? UnsafeMutablePointer<Float>.allocate(capacity: k * plane) : nil
                                        // The gradient at the convolution's output, before activation and pooling.
                                        let local = (relu || pooled) ? UnsafeMutablePointer<Float>.allocate(capacity: chunk * cout * plane) : nil
                                        // A oneDNN call's weight and bias gradients, before they are added to the part's.
                                        let batchGradients = gradientPlans.isEmpty ? nil : UnsafeMutablePointer<Float>.allocate(capacity: cout * k + cout)
                                        defer { cols?.deallocate(); dcols?.deallocate(); local?.deallocate(); batchGradients?.deallocate() }
                                        var start = images.lowerBound
                                        while start < images.upperBound {
                                            let batch = min(chunk, images.upperBound - start)
                                            if let local {
                                                for i in start..<(start + batch) {
                                                    Self.convolutionGradient(local + (i - start) * cout * plane, output: yp.baseAddress! + i * cout * outPlane,
                                                                             gradient: dyp.baseAddress! + i * cout * outPlane,
                                                                             argmax: pooled ? am.baseAddress! + i * cout * outPlane : nil,
                                                                             channels: cout, plane: plane, outputPlane: outPlane, relu: relu)
                                                }
                                            }
                                            let dz = UnsafePointer(local) ?? dyp.baseAddress! + start * cout * outPlane
                                            if let batchGradients {
                                                gradientPlans[part][batch]!.backward(input: xp.baseAddress! + start * inStride, outputGradient: dz, weight: w.baseAddress!,
                                                                                     inputGradient: dxBase.map { $0 + start * inStride },
                                                                                     weightGradient: batchGradients, biasGradient: batchGradients + cout * k)
                                                for j in 0..<(cout * k + cout) { dw[j] += batchGradients[j] }
                                                start += batch
                                                continue
                                            }
                                            let i = start
                                            let xi = xp.baseAddress! + i * inStride
                                            if let cols { Im2col.im2col(g, image: xi, columns: cols) }
                                            let patches = UnsafePointer(cols ?? UnsafeMutablePointer(mutating: xi))
                                            // dW += dZ · colsᵀ
                                            GEMM.multiply(.none, .transposed, m: cout, n: k, k: plane, a: dz, b: patches, beta: 1, c: dw)
                                            for o in 0..<cout {
                                                let row = dz + o * plane
                                                var s: Float = 0
                                                for p in 0..<plane { s += row[p] }
                                                db[o] += s
                                            }
                                            start += 1
                                            guard let dxBase else { continue }
                                            let dxi = dxBase + i * inStride
                                            if let dcols {
                                                // dcols = Wᵀ · dZ, then scattered back onto the image.
                                                GEMM.multiply(.transposed, .none, m: k, n: plane, k: cout, a: w.baseAddress!, b: dz, c: dcols)
                                                Im2col.col2im(g, columns: dcols, image: dxi)
                                            } else {
                                                GEMM.multiply(.transposed, .none, m: k, n: plane, k: cout, a: w.baseAddress!, b: dz, c: dxi)
                                            }
                                        }
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
