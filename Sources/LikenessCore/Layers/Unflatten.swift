/// Reshapes `N × (d1·d2·…)` to `N × d1 × d2 × …`, keeping the row-major order: the inverse of
/// `Flatten` (a generator's dense output becoming `N × C × H × W` feature maps).
public final class Unflatten: Layer {
    /// The shape of each example, without the batch dimension.
    public let exampleShape: [Int]

    public init(exampleShape: [Int]) {
        precondition(!exampleShape.isEmpty && exampleShape.allSatisfy { $0 > 0 }, "Unflatten to \(exampleShape)")
        self.exampleShape = exampleShape
    }

    public func outputShape(for s: [Int]) -> [Int] {
        precondition(s.count == 2 && s[1] == exampleShape.reduce(1, *), "Unflatten to \(exampleShape) expects N×\(exampleShape.reduce(1, *)) input, got \(s)")
        return [s[0]] + exampleShape
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        x.reshaped(outputShape(for: x.shape))
    }

    public func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
        inputGradient ? dy.reshaped([dy.shape[0], exampleShape.reduce(1, *)]) : nil
    }
}
