import LikenessCore

/// Where a training step met a NaN or an infinity: the first place, in the order the values are
/// computed, that holds one (the input, then each layer's weights and output, the loss, the
/// gradients from the loss back), or the weights the optimizer's update made.
public struct NonFiniteValue: Error, Sendable, CustomStringConvertible {
    public enum Source: Sendable, Equatable {
        /// The batch's images.
        case input
        /// A parameter's or buffer's value, by name (`conv1.weight`, `bn1.running_var`).
        case weights(String)
        /// The output of the layer named, from finite weights and a finite input.
        case layerOutput(String)
        /// The loss, from finite network outputs.
        case loss
        /// The gradient of the parameter named (`dense.weight`), the loss being finite: the
        /// first parameter from the loss's end whose gradient is not.
        case gradient(String)
        /// The parameter named, after the optimizer's update from finite gradients (a step too
        /// large for float32); the network keeps that update.
        case updatedWeights(String)
    }

    /// The batch's loss: NaN or infinite, or finite when only a gradient is not.
    public var loss: Float
    public var source: Source

    public init(loss: Float, source: Source) {
        self.loss = loss
        self.source = source
    }

    public var description: String {
        let place = switch source {
        case .input: "the batch's images hold NaN or infinite values"
        case .weights(let name): "\(name) holds NaN or infinite values"
        case .layerOutput(let layer): "the output of layer \(layer) is the first to hold NaN or infinite values (its input and weights are finite)"
        case .loss: "the network's outputs are finite, the loss is not"
        case .gradient(let parameter): "the gradient of \(parameter) holds NaN or infinite values"
        case .updatedWeights(let parameter): "the optimizer's update made \(parameter) NaN or infinite (is the learning rate too large?)"
        }
        return "loss \(loss); \(place)"
    }

    /// Finds where the training step that just ran forward and backward through `model` on
    /// `images`, with loss `loss`, met a NaN or an infinity; nil if it met none.
    ///
    /// What runs on every step is one pass over the gradients. Only when it finds something is
    /// the forward pass run again, layer by layer, to say where the value began; that pass
    /// moves the batch-norm running statistics and the dropout generators (the caller gives the
    /// buffers back).
    static func locate(loss: Float, images: Tensor, model: Sequential) -> NonFiniteValue? {
        let firstBadGradient = model.firstParameter(fromTheEnd: true) { !$0.gradient.isFinite }
        guard firstBadGradient != nil || !loss.isFinite else { return nil }
        guard images.isFinite else { return NonFiniteValue(loss: loss, source: .input) }
        var x = images
        for (name, layer) in model.layers {
            if let weights = layer.parameters.first(where: { !$0.parameter.value.isFinite })?.name
                ?? layer.buffers.first(where: { !$0.tensor.isFinite })?.name {
                return NonFiniteValue(loss: loss, source: .weights("\(name).\(weights)"))
            }
            x = layer.forward(x, training: true)
            if !x.isFinite { return NonFiniteValue(loss: loss, source: .layerOutput(name)) }
        }
        guard loss.isFinite, let firstBadGradient else { return NonFiniteValue(loss: loss, source: .loss) }
        return NonFiniteValue(loss: loss, source: .gradient(firstBadGradient))
    }
}

extension Sequential {
    /// Throws `NonFiniteValue` (`updatedWeights`) if the optimizer's last step, on a batch of
    /// loss `loss`, left a trainable parameter NaN or infinite.
    func requireFiniteParameters(afterStepWithLoss loss: Float) throws(NonFiniteValue) {
        if let name = firstParameter(where: { $0.isTrainable && !$0.value.isFinite }) {
            throw NonFiniteValue(loss: loss, source: .updatedWeights(name))
        }
    }

    /// The name (`conv1.weight`) of the first parameter, in network order or from the end, for
    /// which `matches` holds. Only that name is built, so the checks that run on every step build no strings.
    func firstParameter(fromTheEnd: Bool = false, where matches: (Parameter) -> Bool) -> String? {
        for (layerName, layer) in fromTheEnd ? layers.reversed() : layers {
            let parameters = layer.parameters
            for (name, parameter) in fromTheEnd ? parameters.reversed() : parameters where matches(parameter) {
                return "\(layerName).\(name)"
            }
        }
        return nil
    }

    /// Runs one training step's forward and backward pass on `images` (`body`, which returns the
    /// loss with what the step needs from the pass), and throws `NonFiniteValue` instead of
    /// returning if the loss or a gradient is NaN or infinite, with the buffers (batch-norm
    /// running statistics) given back as they were before.
    func checkedPass<Pass>(images: Tensor, _ body: () -> (loss: Float, pass: Pass)) throws(NonFiniteValue) -> Pass {
        // Copy-on-write: keeping the buffers costs a copy of the (small) running statistics.
        let buffersBefore = buffers
        let (loss, pass) = body()
        guard let fault = NonFiniteValue.locate(loss: loss, images: images, model: self) else { return pass }
        for (name, tensor) in buffersBefore { setBuffer(name, to: tensor) }
        throw fault
    }
}
