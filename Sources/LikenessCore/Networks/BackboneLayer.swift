/// One layer of a backbone as a shape without weights (`Backbone.spec`): enough to build it
/// (`Backbone.layers`) and to compute the sizes of a network from its input's alone.
package enum BackboneLayer: Sendable, Equatable {
    /// A 3×3 convolution with `filters` outputs, same padding and ReLU, then a max pooling of
    /// `pooling` when given (fused into the convolution's pass).
    case convolution(filters: Int, pooling: Int?)
    /// Batch normalisation over the channels (or features) it is given.
    case batchNorm
    /// A max pooling of `size` × `size` with stride `size`.
    case maxPool(Int)
    /// Dropout with probability `p`.
    case dropout(Float)
    /// Feature maps to one row of features.
    case flatten
    /// A dense layer with `outputCount` outputs and ReLU (He-normal weights).
    case dense(outputCount: Int)
    /// The mean of each feature map.
    case globalAveragePool

    /// The shape of one example after the layer, for `shape` (`C × H × W`, or `F` features) before it.
    func outputShape(for shape: [Int]) -> [Int] {
        switch self {
        case .convolution(let filters, let pooling):
            let size = pooling ?? 1
            return [filters, shape[1] / size, shape[2] / size]
        case .maxPool(let size):
            return [shape[0], shape[1] / size, shape[2] / size]
        case .batchNorm, .dropout:
            return shape
        case .flatten:
            return [shape.reduce(1, *)]
        case .dense(let outputCount):
            return [outputCount]
        case .globalAveragePool:
            return [shape[0]]
        }
    }

    /// How many times the layer divides the input's height and width.
    var reduction: Int {
        switch self {
        case .convolution(_, let pooling): pooling ?? 1
        case .maxPool(let size): size
        case .batchNorm, .dropout, .flatten, .dense, .globalAveragePool: 1
        }
    }
}

extension Backbone {
    /// The smallest input height and width the backbone takes: the product of its poolings.
    package var minimumInputSide: Int {
        spec.reduce(1) { $0 * $1.layer.reduction }
    }

    /// The number of weights of the first dense layer of a network of this backbone and `head`
    /// for `channels × height × width` input (the head's own when the backbone has none),
    /// computed from the sizes without building anything: the one layer that grows with the input.
    package func firstDenseLayerWeightCount(channels: Int, height: Int, width: Int, head: Head) -> Int {
        var shape = [channels, height, width]
        for (_, layer) in spec {
            if case .dense(let outputCount) = layer { return shape.reduce(1, *) * outputCount }
            shape = layer.outputShape(for: shape)
        }
        return shape.reduce(1, *) * head.firstLayerWidth
    }}

extension Backbone {
    /// `2 · Σ (im2col + outputs)`: about the floats that one image of a training batch holds
    /// in a network of this backbone and `head`, for `channels × height × width` input: each
    /// layer's output (and a convolution's unfolded input, `9·C_in·H·W`, and output before its
    /// pooling) kept by the forward pass, and a gradient of each in the backward pass. An
    /// estimate for memory checks, computed from the sizes without building anything.
    public func activationCountPerImage(channels: Int, height: Int, width: Int, head: Head) -> Int {
        var shape = [channels, height, width]
        var count = shape.reduce(1, *)
        for (_, layer) in spec {
            if case .convolution(let filters, _) = layer {
                count += 9 * shape[0] * shape[1] * shape[2] + filters * shape[1] * shape[2]
            }
            shape = layer.outputShape(for: shape)
            count += shape.reduce(1, *)
        }
        return 2 * (count + head.outputCount)
    }
}
