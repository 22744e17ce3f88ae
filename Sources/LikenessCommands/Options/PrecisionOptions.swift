import ArgumentParser
import Likeness

/// The arithmetic training runs its convolutions in (train, pretrain).
struct PrecisionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The convolutions' arithmetic: f32, or bf16 (their inputs, weights and gradients rounded to bfloat16, summed in float32, the weights kept and updated in float32: about twice those layers' speed on a processor with AVX-512 BF16 or AMX, refused on others). Dense layers and the forward pass of a first convolution of fewer than 8 channels stay f32.",
                               valueName: "precision"))
    var precision: Precision = .float32

    func validate() throws {
        if let why = precision.whyUnavailable {
            throw ValidationError("--precision \(precision.rawValue) \(why): train with --precision f32.")
        }
    }

    /// Puts the precision in force on `network`'s convolutions.
    func apply(to network: Sequential) {
        network.setPrecision(precision)
    }

    /// The training record's `precision`: nil for float32, as records before the option say.
    var recorded: String? { precision == .float32 ? nil : precision.rawValue }
}

extension Precision: ExpressibleByArgument {}
