import CDNNL

/// `∂L/∂w = Σ_n ∂L/∂z ⋆ x`, `∂L/∂b = Σ_{n,y,x} ∂L/∂z` and `∂L/∂x = wᵀ ⋆ ∂L/∂z` for one batch size
/// by oneDNN's backward convolution kernels, where `z = b + w ⋆ x` is the convolution before its
/// activation and pooling (`Conv2d` turns the gradient of its output into `∂L/∂z`).
///
/// Layouts as `DirectConvolution`'s: the toolkit's NCHW and OIHW outside, oneDNN's blocked
/// layouts inside, reordered on each call. With `Precision.bfloat16` the input, the weights and
/// the output's gradient go in as bfloat16; the gradients come out in float32. A plan owns its
/// buffers: one thread runs it at a time.
final class DirectConvolutionGradient {
    private let program: DNNLProgram
    private let input: dnnl_memory_t, outputGradient: dnnl_memory_t, weight: dnnl_memory_t?
    private let inputGradient: dnnl_memory_t?, weightGradient: dnnl_memory_t, biasGradient: dnnl_memory_t

    /// The implementation oneDNN chose for the weights' gradient (`jit:avx2`).
    let implementation: String

    /// - Parameter inputGradient: whether the plan also computes `∂L/∂x`.
    ///   - precision: the data type of the input, the weights and the output's gradient inside oneDNN.
    init?(batch: Int, geometry g: ConvolutionGeometry, outputChannels: Int, inputGradient: Bool, precision: Precision = .float32) {
        guard let program = DNNLProgram() else { return nil }
        let layouts = ConvolutionLayouts(batch: batch, geometry: g, outputChannels: outputChannels)
        let operand = precision.operandType
        guard var anyInput = layouts.input(dnnl_format_tag_any, operand), var anyWeight = layouts.weight(dnnl_format_tag_any, operand),
              var anyOutputGradient = layouts.output(dnnl_format_tag_any, operand), var anyOutput = layouts.output(dnnl_format_tag_any),
              var anyInputGradient = layouts.input(dnnl_format_tag_any), var anyWeightGradient = layouts.weight(dnnl_format_tag_any),
              var bias = layouts.bias,
              let userInput = layouts.input(dnnl_nchw), let userWeight = layouts.weight(dnnl_oihw), let userOutput = layouts.output(dnnl_nchw)
        else { return nil }

        // The forward pass's descriptor: the backward ones are made to match it.
        var forward = dnnl_convolution_desc_t(), weights = dnnl_convolution_desc_t()
        guard dnnl_convolution_forward_desc_init(&forward, dnnl_forward_training, dnnl_convolution_direct, &anyInput, &anyWeight, &bias,
                                                 &anyOutput, layouts.strides, layouts.padding, layouts.padding) == dnnl_success,
              let hint = program.primitiveDescriptor(&forward),
              dnnl_convolution_backward_weights_desc_init(&weights, dnnl_convolution_direct, &anyInput, &anyWeightGradient, &bias,
                                                          &anyOutputGradient, layouts.strides, layouts.padding, layouts.padding) == dnnl_success,
              let weightPass = program.primitiveDescriptor(&weights, hint: hint)
        else { return nil }
        let chosen = DNNL.implementation(of: weightPass)
        guard DNNL.isDirect(chosen),
              let weightPassInput = dnnl_primitive_desc_query_md(weightPass, dnnl_query_src_md, 0)?.pointee,
              let weightPassOutputGradient = dnnl_primitive_desc_query_md(weightPass, dnnl_query_diff_dst_md, 0)?.pointee,
              let weightPassWeightGradient = dnnl_primitive_desc_query_md(weightPass, dnnl_query_diff_weights_md, 0)?.pointee,
              let weightPassBiasGradient = dnnl_primitive_desc_query_md(weightPass, dnnl_query_diff_weights_md, 1)?.pointee,
              DNNL.equal(weightPassBiasGradient, bias),
              let input = program.memory(userInput, allocate: false), let outputGradient = program.memory(userOutput, allocate: false),
              let weightGradient = program.memory(userWeight, allocate: false), let biasGradient = program.memory(bias, allocate: false),
              let passInput = program.reordered(input, userInput, into: weightPassInput),
              let passOutputGradient = program.reordered(outputGradient, userOutput, into: weightPassOutputGradient)
        else { return nil }
        let ownWeightGradient = DNNL.equal(weightPassWeightGradient, userWeight)
        guard let passWeightGradient = ownWeightGradient ? weightGradient : program.memory(weightPassWeightGradient, allocate: true),
              program.append(weightPass, [(DNNL_ARG_SRC, passInput), (DNNL_ARG_DIFF_DST, passOutputGradient),
                                          (DNNL_ARG_DIFF_WEIGHTS, passWeightGradient), (DNNL_ARG_DIFF_BIAS, biasGradient)]),
              ownWeightGradient || program.reorder(passWeightGradient, weightPassWeightGradient, into: weightGradient, userWeight)
        else { return nil }

        var weight: dnnl_memory_t?, inputGradientMemory: dnnl_memory_t?
        if inputGradient {
            var data = dnnl_convolution_desc_t()
            guard dnnl_convolution_backward_data_desc_init(&data, dnnl_convolution_direct, &anyInputGradient, &anyWeight, &anyOutputGradient,
                                                           layouts.strides, layouts.padding, layouts.padding) == dnnl_success,
                  let dataPass = program.primitiveDescriptor(&data, hint: hint),
                  DNNL.isDirect(DNNL.implementation(of: dataPass)),
                  let dataPassWeight = dnnl_primitive_desc_query_md(dataPass, dnnl_query_weights_md, 0)?.pointee,
                  let dataPassOutputGradient = dnnl_primitive_desc_query_md(dataPass, dnnl_query_diff_dst_md, 0)?.pointee,
                  let dataPassInputGradient = dnnl_primitive_desc_query_md(dataPass, dnnl_query_diff_src_md, 0)?.pointee,
                  let userWeightMemory = program.memory(userWeight, allocate: false),
                  let inputGradient = program.memory(userInput, allocate: false),
                  let passWeight = program.reordered(userWeightMemory, userWeight, into: dataPassWeight),
                  // The output's gradient in this pass's layout: the weight pass's copy when the layouts agree.
                  let dataOutputGradient = DNNL.equal(dataPassOutputGradient, weightPassOutputGradient)
                      ? passOutputGradient : program.reordered(outputGradient, userOutput, into: dataPassOutputGradient)
            else { return nil }
            let ownInputGradient = DNNL.equal(dataPassInputGradient, userInput)
            guard let passInputGradient = ownInputGradient ? inputGradient : program.memory(dataPassInputGradient, allocate: true),
                  program.append(dataPass, [(DNNL_ARG_DIFF_DST, dataOutputGradient), (DNNL_ARG_WEIGHTS, passWeight),
                                            (DNNL_ARG_DIFF_SRC, passInputGradient)]),
                  ownInputGradient || program.reorder(passInputGradient, dataPassInputGradient, into: inputGradient, userInput)
            else { return nil }
            weight = userWeightMemory
            inputGradientMemory = inputGradient
        }
        self.program = program
        self.implementation = chosen
        self.input = input; self.outputGradient = outputGradient; self.weight = weight
        self.inputGradient = inputGradientMemory; self.weightGradient = weightGradient; self.biasGradient = biasGradient
    }

    /// Runs the plan on the caller's buffers: `dw` and `db` are overwritten with this batch's
    /// gradients, `dx` too when the plan computes it (nil otherwise).
    func backward(input x: UnsafePointer<Float>, outputGradient dz: UnsafePointer<Float>, weight w: UnsafePointer<Float>,
                  inputGradient dx: UnsafeMutablePointer<Float>?, weightGradient dw: UnsafeMutablePointer<Float>,
                  biasGradient db: UnsafeMutablePointer<Float>) {
        precondition((dx != nil) == (inputGradient != nil), "the plan was made \(inputGradient == nil ? "without" : "with") the input's gradient")
        program.bind(input, to: x)
        program.bind(outputGradient, to: dz)
        program.bind(weightGradient, to: dw)
        program.bind(biasGradient, to: db)
        if let weight, let inputGradient, let dx {
            program.bind(weight, to: w)
            program.bind(inputGradient, to: dx)
        }
        program.run(implementation)
    }
}
