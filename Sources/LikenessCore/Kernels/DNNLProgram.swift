import CDNNL

/// Small helpers over oneDNN's C API for the programs (`DirectConvolution`, `DirectConvolutionGradient`).
enum DNNL {
    /// A plain layout (`dnnl_nchw`, `dnnl_oihw`, `dnnl_x`) or `dnnl_format_tag_any`, of float32 unless `type` says otherwise.
    static func descriptor(_ dimensions: [Int64], _ tag: dnnl_format_tag_t, _ type: dnnl_data_type_t = dnnl_f32) -> dnnl_memory_desc_t? {
        var descriptor = dnnl_memory_desc_t()
        guard dnnl_memory_desc_init_by_tag(&descriptor, Int32(dimensions.count), dimensions, type, tag) == dnnl_success else { return nil }
        return descriptor
    }

    static func implementation(of descriptor: dnnl_primitive_desc_t) -> String {
        var name: UnsafePointer<CChar>?
        guard dnnl_primitive_desc_query(descriptor, dnnl_query_impl_info_str, 0, &name) == dnnl_success, let name else { return "ref" }
        return String(cString: name)
    }

    /// oneDNN's name of the instruction set it runs on (`avx2`, `avx512_core`, `avx512_core_bf16`, `avx512_core_amx`).
    static let instructionSet: String = {
        let isa = dnnl_get_effective_cpu_isa()
        let names: [(dnnl_cpu_isa_t, String)] = [(dnnl_cpu_isa_avx512_core_amx, "avx512_core_amx"), (dnnl_cpu_isa_avx512_core_bf16, "avx512_core_bf16"),
                                                 (dnnl_cpu_isa_avx512_core_vnni, "avx512_core_vnni"), (dnnl_cpu_isa_avx512_core, "avx512_core"),
                                                 (dnnl_cpu_isa_avx2, "avx2")]
        return names.first { isa.rawValue & $0.0.rawValue == $0.0.rawValue }?.1 ?? "older than avx2"
    }()

    /// Whether two memory descriptors describe the same layout.
    static func equal(_ a: dnnl_memory_desc_t, _ b: dnnl_memory_desc_t) -> Bool {
        var (a, b) = (a, b)
        return dnnl_memory_desc_equal(&a, &b) != 0
    }

    /// Whether a convolution implementation is one of oneDNN's own kernels: not its reference
    /// code (far slower than im2col + sgemm) nor its im2col + sgemm path (the layer's own).
    static func isDirect(_ implementation: String) -> Bool {
        !implementation.hasPrefix("ref") && !implementation.contains("gemm")
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

/// A sequence of oneDNN primitives run in order on one stream, with every oneDNN object made
/// for it, destroyed with it (or when making it fails half-way). One thread runs it at a time.
final class DNNLProgram {
    let engine: dnnl_engine_t
    private let stream: dnnl_stream_t
    private var steps: [(primitive: dnnl_primitive_t, arguments: [dnnl_exec_arg_t])] = []
    private var descriptors: [dnnl_primitive_desc_t] = []
    private var primitives: [dnnl_primitive_t] = []
    private var memories: [dnnl_memory_t] = []
    private var attributeSets: [dnnl_primitive_attr_t] = []
    private var postOperations: [dnnl_post_ops_t] = []

    init?() {
        guard let engine = DNNLEngine.cpu?.handle else { return nil }
        var stream: dnnl_stream_t?
        guard dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue) == dnnl_success, let stream else { return nil }
        self.engine = engine
        self.stream = stream
    }

    deinit {
        for p in primitives { dnnl_primitive_destroy(p) }
        for d in descriptors { dnnl_primitive_desc_destroy(d) }
        for m in memories { dnnl_memory_destroy(m) }
        for a in attributeSets { dnnl_primitive_attr_destroy(a) }
        for o in postOperations { dnnl_post_ops_destroy(o) }
        dnnl_stream_destroy(stream)
    }

    /// Runs the steps in order on the calling thread alone, and waits for them.
    func run(_ name: String) {
        omp_set_num_threads(1)
        for step in steps {
            step.arguments.withUnsafeBufferPointer { arguments in
                check(dnnl_primitive_execute(step.primitive, stream, Int32(arguments.count), arguments.baseAddress), "running \(name)")
            }
        }
        check(dnnl_stream_wait(stream), "waiting for \(name)")
    }

    /// Binds `memory` (made with `allocate: false`) to the caller's buffer for the next run;
    /// oneDNN writes only to the outputs'.
    func bind(_ memory: dnnl_memory_t, to buffer: UnsafeRawPointer) {
        check(dnnl_memory_set_data_handle(memory, UnsafeMutableRawPointer(mutating: buffer)), "binding a buffer")
    }

    private func check(_ status: dnnl_status_t, _ what: String) {
        precondition(status == dnnl_success, "oneDNN failed \(what) (status \(status.rawValue))")
    }

    /// Appends a step: `descriptor`'s primitive with these arguments.
    func append(_ descriptor: dnnl_primitive_desc_t, _ arguments: [(Int32, dnnl_memory_t)]) -> Bool {
        var primitive: dnnl_primitive_t?
        guard dnnl_primitive_create(&primitive, descriptor) == dnnl_success, let primitive else { return false }
        primitives.append(primitive)
        steps.append((primitive, arguments.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1) }))
        return true
    }

    /// `memory` (of `layout`) in `target`'s layout and data type: `memory` itself when they agree,
    /// else a buffer of oneDNN's own that a reorder step appended here fills (converting to bfloat16
    /// on the way where `target` is of bfloat16).
    func reordered(_ memory: dnnl_memory_t, _ layout: dnnl_memory_desc_t, into target: dnnl_memory_desc_t) -> dnnl_memory_t? {
        var (source, target) = (layout, target)
        if dnnl_memory_desc_equal(&source, &target) != 0 { return memory }
        guard let result = self.memory(target, allocate: true), reorder(memory, source, into: result, target) else { return nil }
        return result
    }

    /// Appends a step that reorders `source` (of `sourceLayout`) into `target` (of `targetLayout`).
    func reorder(_ source: dnnl_memory_t, _ sourceLayout: dnnl_memory_desc_t, into target: dnnl_memory_t, _ targetLayout: dnnl_memory_desc_t) -> Bool {
        var (from, to) = (sourceLayout, targetLayout)
        var descriptor: dnnl_primitive_desc_t?
        guard dnnl_reorder_primitive_desc_create(&descriptor, &from, engine, &to, engine, nil) == dnnl_success, let descriptor else { return false }
        descriptors.append(descriptor)
        return append(descriptor, [(DNNL_ARG_FROM, source), (DNNL_ARG_TO, target)])
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

    /// The primitive descriptor of an operation description (`dnnl_convolution_desc_t`, …);
    /// backward passes take their forward pass's as `hint`.
    func primitiveDescriptor<Description>(_ description: inout Description, attributes: dnnl_primitive_attr_t? = nil,
                                          hint: dnnl_primitive_desc_t? = nil) -> dnnl_primitive_desc_t? {
        var descriptor: dnnl_primitive_desc_t?
        let status = withUnsafeMutablePointer(to: &description) {
            dnnl_primitive_desc_create(&descriptor, UnsafeRawPointer($0), attributes, engine, hint)
        }
        guard status == dnnl_success, let descriptor else { return nil }
        descriptors.append(descriptor)
        return descriptor
    }

    /// A memory object of `layout`: with a buffer of oneDNN's own, or bound to the caller's
    /// buffer before each run (`bind`).
    func memory(_ layout: dnnl_memory_desc_t, allocate: Bool) -> dnnl_memory_t? {
        var layout = layout
        var memory: dnnl_memory_t?
        // DNNL_MEMORY_ALLOCATE is `(void *)(size_t)-1`; DNNL_MEMORY_NONE is NULL.
        let handle = allocate ? UnsafeMutableRawPointer(bitPattern: UInt.max) : nil
        guard dnnl_memory_create(&memory, &layout, engine, handle) == dnnl_success, let memory else { return nil }
        memories.append(memory)
        return memory
    }
}
