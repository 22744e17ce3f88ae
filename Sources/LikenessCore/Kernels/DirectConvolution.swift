import CDNNL

/// `y = pool(act(b + w ⋆ x))` for one batch size by oneDNN's direct convolution, for inference.
///
/// Layouts: input `N × Cin × H × W`, output `N × Cout × Ho × Wo` (divided by `p` with pooling),
/// weight `Cout × Cin × kh × kw`, bias `Cout`: the toolkit's. Inside, oneDNN picks the layouts
/// its kernel for this processor wants (channels in blocks of 8 with AVX2, of 16 with AVX-512):
/// the input and the weights are reordered into them on each call, the ReLU is a post-operation
/// of the convolution, the max pooling runs on the blocked result, and only the pooled result is
/// reordered back. Where oneDNN has no kernel of its own for the shape (only its reference
/// implementation, or its im2col path), there is no plan and `Conv2d` keeps its own product.
///
/// A plan owns its intermediate buffers and stream: one thread runs it at a time.
final class DirectConvolution {
    private let resources: DNNLResources
    private let stream: dnnl_stream_t
    /// The steps in order: a primitive and its arguments.
    private let steps: [(primitive: dnnl_primitive_t, arguments: [dnnl_exec_arg_t])]
    /// The memory objects bound to the caller's buffers on each call.
    private let input: dnnl_memory_t, weight: dnnl_memory_t, bias: dnnl_memory_t, output: dnnl_memory_t

    /// The implementation oneDNN chose for the convolution (`jit:avx2`, `brgconv:avx512_core`).
    let implementation: String

    /// - Parameters:
    ///   - batch: the images of each call.
    ///   - pooling: the window and stride of a max pooling after the activation, or nil.
    init?(batch: Int, geometry g: ConvolutionGeometry, outputChannels: Int, relu: Bool, pooling: Int?) {
        guard let engine = DNNLEngine.cpu?.handle, g.kernelHeight == g.kernelWidth else { return nil }
        let resources = DNNLResources()
        var steps: [(primitive: dnnl_primitive_t, arguments: [dnnl_exec_arg_t])] = []
        let n = Int64(batch), cin = Int64(g.channels), cout = Int64(outputChannels)
        let ho = Int64(g.outputHeight), wo = Int64(g.outputWidth)
        let pooled = pooling.map { p in (Int64(g.outputHeight / p), Int64(g.outputWidth / p)) } ?? (ho, wo)

        guard let userInput = Self.descriptor([n, cin, Int64(g.height), Int64(g.width)], dnnl_nchw),
              let userWeight = Self.descriptor([cout, cin, Int64(g.kernelHeight), Int64(g.kernelWidth)], dnnl_oihw),
              let biasDescriptor = Self.descriptor([cout], dnnl_x),
              let userOutput = Self.descriptor([n, cout, pooled.0, pooled.1], dnnl_nchw),
              var convInput = Self.descriptor([n, cin, Int64(g.height), Int64(g.width)], dnnl_format_tag_any),
              var convWeight = Self.descriptor([cout, cin, Int64(g.kernelHeight), Int64(g.kernelWidth)], dnnl_format_tag_any),
              var convOutput = Self.descriptor([n, cout, ho, wo], dnnl_format_tag_any)
        else { return nil }

        // The convolution, with its ReLU as a post-operation.
        var bias = biasDescriptor
        var description = dnnl_convolution_desc_t()
        let strides: [Int64] = [Int64(g.stride), Int64(g.stride)], padding: [Int64] = [Int64(g.padding), Int64(g.padding)]
        guard dnnl_convolution_forward_desc_init(&description, dnnl_forward_inference, dnnl_convolution_direct,
                                                 &convInput, &convWeight, &bias, &convOutput, strides, padding, padding) == dnnl_success,
              let attributes = resources.attributes(relu: relu),
              let convolution = resources.primitiveDescriptor(&description, attributes: attributes, engine: engine)
        else { return nil }
        let chosen = Self.implementation(of: convolution)
        // The reference kernels are far slower than im2col + sgemm, and the "gemm" ones are it.
        guard !chosen.hasPrefix("ref"), !chosen.contains("gemm") else { return nil }
        guard let convInputChosen = dnnl_primitive_desc_query_md(convolution, dnnl_query_src_md, 0),
              let convWeightChosen = dnnl_primitive_desc_query_md(convolution, dnnl_query_weights_md, 0),
              let convBiasChosen = dnnl_primitive_desc_query_md(convolution, dnnl_query_weights_md, 1),
              let convOutputChosen = dnnl_primitive_desc_query_md(convolution, dnnl_query_dst_md, 0),
              dnnl_memory_desc_equal(convBiasChosen, &bias) != 0
        else { return nil }

        guard let input = resources.memory(userInput, engine: engine, allocate: false),
              let weight = resources.memory(userWeight, engine: engine, allocate: false),
              let biasMemory = resources.memory(bias, engine: engine, allocate: false),
              let output = resources.memory(userOutput, engine: engine, allocate: false),
              let stream = resources.stream(engine: engine)
        else { return nil }

        /// The memory `from` reordered into `layout`: `from` itself when the layouts agree.
        func reordered(_ from: dnnl_memory_t, _ layout: dnnl_memory_desc_t, into target: UnsafePointer<dnnl_memory_desc_t>) -> dnnl_memory_t? {
            var source = layout
            if dnnl_memory_desc_equal(&source, target) != 0 { return from }
            guard let reorder = resources.reorder(from: &source, to: target, engine: engine),
                  let primitive = resources.primitive(reorder),
                  let result = resources.memory(target.pointee, engine: engine, allocate: true)
            else { return nil }
            steps.append((primitive, [dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: from), dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: result)]))
            return result
        }
        guard let convInputMemory = reordered(input, userInput, into: convInputChosen),
              let convWeightMemory = reordered(weight, userWeight, into: convWeightChosen),
              let convPrimitive = resources.primitive(convolution),
              let convOutputMemory = resources.memory(convOutputChosen.pointee, engine: engine, allocate: true)
        else { return nil }
        steps.append((convPrimitive, [dnnl_exec_arg_t(arg: DNNL_ARG_SRC, memory: convInputMemory),
                                      dnnl_exec_arg_t(arg: DNNL_ARG_WEIGHTS, memory: convWeightMemory),
                                      dnnl_exec_arg_t(arg: DNNL_ARG_BIAS, memory: biasMemory),
                                      dnnl_exec_arg_t(arg: DNNL_ARG_DST, memory: convOutputMemory)]))

        var last = (memory: convOutputMemory, layout: convOutputChosen.pointee)
        if let p = pooling {
            var poolInput = convOutputChosen.pointee
            guard var poolOutput = Self.descriptor([n, cout, pooled.0, pooled.1], dnnl_format_tag_any) else { return nil }
            var poolDescription = dnnl_pooling_v2_desc_t()
            let window: [Int64] = [Int64(p), Int64(p)], none: [Int64] = [0, 0]
            guard dnnl_pooling_v2_forward_desc_init(&poolDescription, dnnl_forward_inference, dnnl_pooling_max, &poolInput, &poolOutput,
                                                    window, window, none, none, none) == dnnl_success,
                  let pool = resources.primitiveDescriptor(&poolDescription, attributes: nil, engine: engine),
                  !Self.implementation(of: pool).hasPrefix("ref"),
                  let poolOutputChosen = dnnl_primitive_desc_query_md(pool, dnnl_query_dst_md, 0),
                  let poolPrimitive = resources.primitive(pool),
                  let poolOutputMemory = resources.memory(poolOutputChosen.pointee, engine: engine, allocate: true)
            else { return nil }
            steps.append((poolPrimitive, [dnnl_exec_arg_t(arg: DNNL_ARG_SRC, memory: convOutputMemory),
                                          dnnl_exec_arg_t(arg: DNNL_ARG_DST, memory: poolOutputMemory)]))
            last = (poolOutputMemory, poolOutputChosen.pointee)
        }
        // Back into the caller's NCHW buffer.
        var target = userOutput
        var source = last.layout
        if dnnl_memory_desc_equal(&source, &target) != 0 {
            guard let step = steps.popLast(), let at = step.arguments.firstIndex(where: { $0.arg == DNNL_ARG_DST }) else { return nil }
            var arguments = step.arguments
            arguments[at].memory = output
            steps.append((step.primitive, arguments))
        } else {
            guard let reorder = resources.reorder(from: &source, to: &target, engine: engine),
                  let primitive = resources.primitive(reorder)
            else { return nil }
            steps.append((primitive, [dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: last.memory), dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: output)]))
        }
        self.resources = resources
        self.steps = steps
        self.implementation = chosen
        self.input = input; self.weight = weight; self.bias = biasMemory; self.output = output; self.stream = stream
    }

    /// Runs the plan on the caller's buffers (sizes as the plan's batch and geometry), on the
    /// calling thread alone.
    func forward(input x: UnsafePointer<Float>, weight w: UnsafePointer<Float>, bias b: UnsafePointer<Float>,
                 output y: UnsafeMutablePointer<Float>) {
        // oneDNN reads but never writes the input, weights and bias.
        check(dnnl_memory_set_data_handle(input, UnsafeMutableRawPointer(mutating: x)), "binding the input")
        check(dnnl_memory_set_data_handle(weight, UnsafeMutableRawPointer(mutating: w)), "binding the weights")
        check(dnnl_memory_set_data_handle(bias, UnsafeMutableRawPointer(mutating: b)), "binding the bias")
        check(dnnl_memory_set_data_handle(output, UnsafeMutableRawPointer(y)), "binding the output")
        omp_set_num_threads(1)
        for step in steps {
            step.arguments.withUnsafeBufferPointer { arguments in
                check(dnnl_primitive_execute(step.primitive, stream, Int32(arguments.count), arguments.baseAddress), "executing \(implementation)")
            }
        }
        check(dnnl_stream_wait(stream), "waiting for the stream")
    }

    private func check(_ status: dnnl_status_t, _ what: String) {
        precondition(status == dnnl_success, "oneDNN failed \(what) (status \(status.rawValue))")
    }

    private static func descriptor(_ dimensions: [Int64], _ tag: dnnl_format_tag_t) -> dnnl_memory_desc_t? {
        var descriptor = dnnl_memory_desc_t()
        guard dnnl_memory_desc_init_by_tag(&descriptor, Int32(dimensions.count), dimensions, dnnl_f32, tag) == dnnl_success else { return nil }
        return descriptor
    }

    private static func implementation(of descriptor: dnnl_primitive_desc_t) -> String {
        var name: UnsafePointer<CChar>?
        guard dnnl_primitive_desc_query(descriptor, dnnl_query_impl_info_str, 0, &name) == dnnl_success, let name else { return "ref" }
        return String(cString: name)
    }
}

/// oneDNN's CPU engine, made once for the process: every plan's primitives are made for it.
final class DNNLEngine: @unchecked Sendable {
    let handle: dnnl_engine_t
    /// Nil when oneDNN cannot make a CPU engine: the toolkit's own kernels run instead.
    static let cpu = DNNLEngine()

    private init?() {
        var engine: dnnl_engine_t?
        guard dnnl_engine_create(&engine, dnnl_cpu, 0) == dnnl_success, let engine else { return nil }
        handle = engine
    }

    deinit { dnnl_engine_destroy(handle) }
}

/// The oneDNN objects a plan made, destroyed with it (or when making it fails half-way).
private final class DNNLResources {
    private var descriptors: [dnnl_primitive_desc_t] = []
    private var primitives: [dnnl_primitive_t] = []
    private var memories: [dnnl_memory_t] = []
    private var attributeSets: [dnnl_primitive_attr_t] = []
    private var postOperations: [dnnl_post_ops_t] = []
    private var streams: [dnnl_stream_t] = []

    deinit {
        for p in primitives { dnnl_primitive_destroy(p) }
        for d in descriptors { dnnl_primitive_desc_destroy(d) }
        for m in memories { dnnl_memory_destroy(m) }
        for a in attributeSets { dnnl_primitive_attr_destroy(a) }
        for o in postOperations { dnnl_post_ops_destroy(o) }
        for s in streams { dnnl_stream_destroy(s) }
    }

    /// Attributes with a ReLU post-operation, or none.
    func attributes(relu: Bool) -> dnnl_primitive_attr_t? {
        var attributes: dnnl_primitive_attr_t?
        guard dnnl_primitive_attr_create(&attributes) == dnnl_success, let attributes else { return nil }
        attributeSets.append(attributes)
        guard relu else { return attributes }
        var operations: dnnl_post_ops_t?
        guard dnnl_post_ops_create(&operations) == dnnl_success, let operations else { return nil }
        postOperations.append(operations)
        guard dnnl_post_ops_append_eltwise(operations, 1, dnnl_eltwise_relu, 0, 0) == dnnl_success,
              dnnl_primitive_attr_set_post_ops(attributes, operations) == dnnl_success
        else { return nil }
        return attributes
    }

    func primitiveDescriptor<Description>(_ description: inout Description, attributes: dnnl_primitive_attr_t?,
                                          engine: dnnl_engine_t) -> dnnl_primitive_desc_t? {
        var descriptor: dnnl_primitive_desc_t?
        let status = withUnsafeMutablePointer(to: &description) {
            dnnl_primitive_desc_create(&descriptor, UnsafeRawPointer($0), attributes, engine, nil)
        }
        guard status == dnnl_success, let descriptor else { return nil }
        descriptors.append(descriptor)
        return descriptor
    }

    func reorder(from source: UnsafePointer<dnnl_memory_desc_t>, to target: UnsafePointer<dnnl_memory_desc_t>,
                 engine: dnnl_engine_t) -> dnnl_primitive_desc_t? {
        var descriptor: dnnl_primitive_desc_t?
        guard dnnl_reorder_primitive_desc_create(&descriptor, source, engine, target, engine, nil) == dnnl_success,
              let descriptor else { return nil }
        descriptors.append(descriptor)
        return descriptor
    }

    func primitive(_ descriptor: dnnl_primitive_desc_t) -> dnnl_primitive_t? {
        var primitive: dnnl_primitive_t?
        guard dnnl_primitive_create(&primitive, descriptor) == dnnl_success, let primitive else { return nil }
        primitives.append(primitive)
        return primitive
    }

    /// A memory object of `layout`: with a buffer of oneDNN's own, or bound to the caller's
    /// buffer on each call.
    func memory(_ layout: dnnl_memory_desc_t, engine: dnnl_engine_t, allocate: Bool) -> dnnl_memory_t? {
        var layout = layout
        var memory: dnnl_memory_t?
        // DNNL_MEMORY_ALLOCATE is `(void *)(size_t)-1`; DNNL_MEMORY_NONE is NULL.
        let handle = allocate ? UnsafeMutableRawPointer(bitPattern: UInt.max) : nil
        guard dnnl_memory_create(&memory, &layout, engine, handle) == dnnl_success, let memory else { return nil }
        memories.append(memory)
        return memory
    }

    func stream(engine: dnnl_engine_t) -> dnnl_stream_t? {
        var stream: dnnl_stream_t?
        guard dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue) == dnnl_success, let stream else { return nil }
        streams.append(stream)
        return stream
    }
}
