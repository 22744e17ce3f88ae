import LikenessCore
import Testing

/// Central finite differences against a layer's analytic gradients.
///
/// The scalar checked is `f = Σ layer(x) ⊙ R` for a fixed random projection `R`, so that
/// `∂f/∂y = R` is what `backward` receives. Each evaluation builds the layer afresh from
/// `make` (same seed, same weights, same dropout mask); parameters are perturbed by name.
struct GradientCheck {
    var step: Float = 1e-2
    var relativeTolerance: Float = 2e-2
    var absoluteTolerance: Float = 2e-3
    /// How many coordinates of each input and parameter to probe (all when smaller).
    var probes = 24

    func check(_ name: String, input: Tensor, training: Bool = true, make: () -> any Layer,
               sourceLocation: SourceLocation = #_sourceLocation) {
        var rng = SeededGenerator(seed: 99)
        let reference = make()
        let y = reference.forward(input, training: training)
        let projection = Tensor.randomNormal(shape: y.shape, using: &rng)
        let inputGradient = reference.backward(projection, inputGradient: true)
        let parameterGradients = Dictionary(uniqueKeysWithValues: reference.parameters.map { ($0.name, $0.parameter.gradient) })

        func objective(x: Tensor, perturbing parameter: String? = nil, at index: Int = 0, by delta: Float = 0) -> Double {
            let layer = make()
            if let parameter, let p = layer.parameters.first(where: { $0.name == parameter })?.parameter {
                p.value[flat: index] += delta
            }
            let out = layer.forward(x, training: training)
            return out.withUnsafeBufferPointer { o in
                projection.withUnsafeBufferPointer { r in
                    zip(o, r).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                }
            }
        }

        func compare(_ what: String, analytic: Float, numeric: Float) {
            let tolerance = absoluteTolerance + relativeTolerance * max(abs(analytic), abs(numeric))
            #expect(abs(analytic - numeric) <= tolerance,
                    "\(name) \(what): analytic \(analytic), finite difference \(numeric)", sourceLocation: sourceLocation)
        }

        if let dx = inputGradient {
            #expect(dx.shape == input.shape, sourceLocation: sourceLocation)
            for i in probeIndices(input.count, using: &rng) {
                var plus = input, minus = input
                plus[flat: i] += step
                minus[flat: i] -= step
                let numeric = Float((objective(x: plus) - objective(x: minus)) / Double(2 * step))
                compare("∂/∂input[\(i)]", analytic: dx[flat: i], numeric: numeric)
            }
        } else {
            Issue.record("\(name) returned no input gradient", sourceLocation: sourceLocation)
        }
        for (pname, parameter) in reference.parameters {
            let g = parameterGradients[pname]!
            for i in probeIndices(parameter.value.count, using: &rng) {
                let numeric = Float((objective(x: input, perturbing: pname, at: i, by: step)
                                     - objective(x: input, perturbing: pname, at: i, by: -step)) / Double(2 * step))
                compare("∂/∂\(pname)[\(i)]", analytic: g[flat: i], numeric: numeric)
            }
        }
    }

    private func probeIndices(_ count: Int, using rng: inout SeededGenerator) -> [Int] {
        count <= probes ? Array(0..<count) : (0..<probes).map { _ in Int(rng.next() % UInt64(count)) }
    }
}
