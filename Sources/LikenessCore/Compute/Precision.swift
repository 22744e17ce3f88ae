import CDNNL

/// The arithmetic of the convolutions oneDNN runs for `Conv2d`: float32 throughout, or
/// `y = Σ bf16(w) · bf16(x)` accumulated in float32, as PyTorch's bf16 autocast runs a
/// convolution. With bfloat16 the inputs, weights and output gradients are rounded to bfloat16
/// on their way into oneDNN's kernels; outputs, input and weight gradients come back in float32,
/// and the optimiser keeps float32 weights (master weights). What oneDNN does not serve stays
/// float32: dense layers, and in training the forward pass of a first convolution of fewer than
/// `Conv2d.directTrainingChannels` channels (its backward pass too with AVX2).
public enum Precision: String, Sendable, CaseIterable {
    case float32 = "f32"
    case bfloat16 = "bf16"

    /// Whether this processor runs it in oneDNN's own kernels: bfloat16 needs AVX-512 BF16 or AMX.
    public var isAvailable: Bool {
        switch self {
        case .float32: true
        case .bfloat16: Self.hasBFloat16Kernels
        }
    }

    /// Why this processor cannot run it, for a message naming the option; nil when it can.
    public var whyUnavailable: String? {
        isAvailable ? nil : "needs a processor with AVX-512 BF16 or AMX, and oneDNN runs \(Self.instructionSet) here"
    }

    /// oneDNN's name of the instruction set it runs on (`avx2`, `avx512_core`, `avx512_core_bf16`, `avx512_core_amx`).
    public static var instructionSet: String { DNNL.instructionSet }

    private static let hasBFloat16Kernels: Bool = {
        let bf16 = dnnl_cpu_isa_avx512_core_bf16.rawValue
        return DNNLEngine.cpu != nil && dnnl_get_effective_cpu_isa().rawValue & bf16 == bf16
    }()

    /// oneDNN's data type for the operands this precision rounds.
    var operandType: dnnl_data_type_t { self == .float32 ? dnnl_f32 : dnnl_bf16 }
}
