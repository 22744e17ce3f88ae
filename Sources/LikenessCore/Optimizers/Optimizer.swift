/// Updates parameters in place from their gradients, and saves and restores its state between
/// steps (`OptimizerState`), so that training resumes with the updates it would have made.
public protocol Optimizer: AnyObject {
    /// The step size in force; learning-rate schedules set it between steps.
    var learningRate: Float { get set }
    /// The parameters it updates, in the order its state lists them.
    var parameters: [Parameter] { get }
    /// Applies one update to every trainable parameter.
    func step()
    /// Its settings and its state from step to step, the state of `parameters[i]` under `names[i]`.
    func state(parameterNames names: [String]) -> OptimizerState
    /// An optimizer over `parameters` continuing from `state`, which must be of this kind of
    /// optimizer (`OptimizerState.makeOptimizer(for:)` picks it) and name only `parameters`.
    init(restoring state: OptimizerState, parameters: [(name: String, parameter: Parameter)])
}
