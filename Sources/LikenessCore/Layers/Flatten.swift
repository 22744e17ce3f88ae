/// Reshapes `N × d1 × d2 × …` to `N × (d1·d2·…)`, keeping the row-major order.
public final class Flatten: Layer {
    private var inputShape: [Int] = []

    public init() {}

    public func outputShape(for s: [Int]) -> [Int] { [s[0], s.dropFirst().reduce(1, *)] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        if training { inputShape = x.shape }
        return x.reshaped(outputShape(for: x.shape))
    }

    public func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
        inputGradient ? dy.reshaped(inputShape) : nil
    }
}
