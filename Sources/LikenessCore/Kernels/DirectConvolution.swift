import CDNNL

/// `y = pool(act(b + w ⋆ x))` for one batch size by oneDNN's direct convolution.
///
/// Layouts: input `N × Cin × H × W`, output `N × Cout × Ho × Wo` (divided by `p` with pooling),
/// weight `Cout × Cin × kh × kw`, bias `Cout`: the toolkit's. Inside, oneDNN picks the layouts
/// its kernel for this processor wants (channels in blocks of 8 with AVX2, of 16 with AVX-512):
/// the input and the weights are reordered into them on each call, the ReLU is a post-operation
/// of the convolution, the max pooling runs on the blocked result, and only the result is
/// reordered back. Where oneDNN has no kernel of its own for the shape (only its reference
/// implementation, or its im2col path), there is no plan and `Conv2d` keeps its own product.
/// With `Precision.bfloat16` the input and weight reorders convert to bfloat16 and the kernel
/// (`jit_bf16:avx512_core_bf16`) accumulates in float32; the output stays float32.
///
/// A plan owns its intermediate buffers and stream: one thread runs it at a time.
final class DirectConvolution {
    private let program: DNNLProgram
    /// The memory objects bound to the caller's buffers on each call.
    private let input: dnnl_memory_t, weight: dnnl_memory_t, bias: dnnl_memory_t, output: dnnl_memory_t

    /// The implementation oneDNN chose for the convolution (`jit:avx2`, `brgconv:avx512_core`).
    let implementation: String

    /// - Parameters:
    ///   - batch: the images of each call.
    ///   - pooling: the window and stride of a max pooling after the activation, or nil.
    ///   - precision: the data type of the input and weights inside oneDNN.
    init?(batch: Int, geometry g: ConvolutionGeometry, outputChannels: Int, relu: Bool, pooling: Int?, precision: Precision = .float32) {
        guard let program = DNNLProgram() else { return nil }
        let n = Int64(batch), cout = Int64(outputChannels)
        let layouts = ConvolutionLayouts(batch: batch, geometry: g, outputChannels: outputChannels)
        let pooled = pooling.map { p in (Int64(g.outputHeight / p), Int64(g.outputWidth / p)) } ?? (layouts.outputHeight, layouts.outputWidth)
        guard let userOutput = DNNL.descriptor([n, cout, pooled.0, pooled.1], dnnl_nchw),
              var convInput = layouts.input(dnnl_format_tag_any, precision.operandType),
              var convWeight = layouts.weight(dnnl_format_tag_any, precision.operandType),
              var convOutput = layouts.output(dnnl_format_tag_any), var bias = layouts.bias
        else { return nil }

        // The convolution, with its ReLU as a post-operation.
        var description = dnnl_convolution_desc_t()
        guard dnnl_convolution_forward_desc_init(&description, dnnl_forward_inference, dnnl_convolution_direct, &convInput, &convWeight,
                                                 &bias, &convOutput, layouts.strides, layouts.padding, layouts.padding) == dnnl_success,
              let attributes = program.attributes(relu: relu),
              let convolution = program.primitiveDescriptor(&description, attributes: attributes)
        else { return nil }
        let chosen = DNNL.implementation(of: convolution)
        guard DNNL.isDirect(chosen),
              let chosenInput = dnnl_primitive_desc_query_md(convolution, dnnl_query_src_md, 0)?.pointee,
              let chosenWeight = dnnl_primitive_desc_query_md(convolution, dnnl_query_weights_md, 0)?.pointee,
              let chosenBias = dnnl_primitive_desc_query_md(convolution, dnnl_query_weights_md, 1),
              let chosenOutput = dnnl_primitive_desc_query_md(convolution, dnnl_query_dst_md, 0)?.pointee,
              dnnl_memory_desc_equal(chosenBias, &bias) != 0,
              let userInput = layouts.input(dnnl_nchw), let userWeight = layouts.weight(dnnl_oihw),
              let input = program.memory(userInput, allocate: false), let weight = program.memory(userWeight, allocate: false),
              let biasMemory = program.memory(bias, allocate: false), let output = program.memory(userOutput, allocate: false),
              let convInputMemory = program.reordered(input, userInput, into: chosenInput),
              let convWeightMemory = program.reordered(weight, userWeight, into: chosenWeight)
        else { return nil }
        var last = (memory: output, layout: chosenOutput)
        if !(pooling == nil && DNNL.equal(chosenOutput, userOutput)) {
            guard let memory = program.memory(chosenOutput, allocate: true) else { return nil }
            last.memory = memory
        }
        guard program.append(convolution, [(DNNL_ARG_SRC, convInputMemory), (DNNL_ARG_WEIGHTS, convWeightMemory),
                                           (DNNL_ARG_BIAS, biasMemory), (DNNL_ARG_DST, last.memory)])
        else { return nil }

        if let p = pooling {
            var poolInput = chosenOutput
            guard var poolOutput = DNNL.descriptor([n, cout, pooled.0, pooled.1], dnnl_format_tag_any) else { return nil }
            var poolDescription = dnnl_pooling_v2_desc_t()
            let window: [Int64] = [Int64(p), Int64(p)], none: [Int64] = [0, 0]
            guard dnnl_pooling_v2_forward_desc_init(&poolDescription, dnnl_forward_inference, dnnl_pooling_max, &poolInput, &poolOutput,
                                                    window, window, none, none, none) == dnnl_success,
                  let pool = program.primitiveDescriptor(&poolDescription),
                  !DNNL.implementation(of: pool).hasPrefix("ref"),
                  let chosenPoolOutput = dnnl_primitive_desc_query_md(pool, dnnl_query_dst_md, 0)?.pointee
            else { return nil }
            let direct = DNNL.equal(chosenPoolOutput, userOutput)
            guard let poolOutputMemory = direct ? output : program.memory(chosenPoolOutput, allocate: true),
                  program.append(pool, [(DNNL_ARG_SRC, last.memory), (DNNL_ARG_DST, poolOutputMemory)])
            else { return nil }
            last = (poolOutputMemory, chosenPoolOutput)
        }
        // Back into the caller's NCHW buffer.
        if last.memory != output {
            guard program.reorder(last.memory, last.layout, into: output, userOutput) else { return nil }
        }
        self.program = program
        self.implementation = chosen
        self.input = input; self.weight = weight; self.bias = biasMemory; self.output = output
    }

    /// Runs the plan on the caller's buffers (sizes as the plan's batch and geometry), on the
    /// calling thread alone.
    func forward(input x: UnsafePointer<Float>, weight w: UnsafePointer<Float>, bias b: UnsafePointer<Float>,
                 output y: UnsafeMutablePointer<Float>) {
        program.bind(input, to: x)
        program.bind(weight, to: w)
        program.bind(bias, to: b)
        program.bind(output, to: y)
        program.run(implementation)
    }
}

/// The shapes of a convolution for oneDNN: its memory descriptors in a given layout, strides and padding.
struct ConvolutionLayouts {
    let batch: Int64, inputChannels: Int64, height: Int64, width: Int64
    let outputChannels: Int64, kernel: Int64, outputHeight: Int64, outputWidth: Int64
    let strides: [Int64], padding: [Int64]

    init(batch: Int, geometry g: ConvolutionGeometry, outputChannels: Int) {
        precondition(g.kernelHeight == g.kernelWidth, "square kernels only")
        self.batch = Int64(batch)
        inputChannels = Int64(g.channels); height = Int64(g.height); width = Int64(g.width)
        self.outputChannels = Int64(outputChannels); kernel = Int64(g.kernelHeight)
        outputHeight = Int64(g.outputHeight); outputWidth = Int64(g.outputWidth)
        strides = [Int64(g.stride), Int64(g.stride)]
        padding = [Int64(g.padding), Int64(g.padding)]
    }

    func input(_ tag: dnnl_format_tag_t, _ type: dnnl_data_type_t = dnnl_f32) -> dnnl_memory_desc_t? {
        DNNL.descriptor([batch, inputChannels, height, width], tag, type)
    }
    func weight(_ tag: dnnl_format_tag_t, _ type: dnnl_data_type_t = dnnl_f32) -> dnnl_memory_desc_t? {
        DNNL.descriptor([outputChannels, inputChannels, kernel, kernel], tag, type)
    }
    func output(_ tag: dnnl_format_tag_t, _ type: dnnl_data_type_t = dnnl_f32) -> dnnl_memory_desc_t? {
        DNNL.descriptor([batch, outputChannels, outputHeight, outputWidth], tag, type)
    }
    var bias: dnnl_memory_desc_t? { DNNL.descriptor([outputChannels], dnnl_x) }
}
