import Foundation
import LikenessCore
import Testing

@Suite("Optimizers and schedules")
struct OptimizerTests {
    /// One scalar parameter with a fixed sequence of gradients, against the update rule written out.
    func run(_ make: ([Parameter]) -> any Optimizer, gradients: [Float], start: Float = 1) -> [Float] {
        let p = Parameter(Tensor(shape: [1], scalars: [start]))
        let opt = make([p])
        return gradients.map { g in
            p.gradient = Tensor(shape: [1], scalars: [g])
            opt.step()
            return p.value[0]
        }
    }

    let gradients: [Float] = [0.5, -1, 2, 0.25]

    /// An optimizer made from the state of another goes on as the first would have.
    @Test(arguments: ["adam", "sgd"])
    func theStateOfAnOptimizerMakesOneThatContinuesIt(kind: String) {
        let network = Network.make(backbone: .reference, head: .softmax(classCount: 3), channels: 1, height: 8, width: 8, seed: 1)
        let parameters = network.parameters.map(\.parameter)
        func make() -> any Optimizer {
            kind == "adam" ? Adam.adamW(parameters: parameters, learningRate: 0.01)
                : SGD(parameters: parameters, learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.001)
        }
        func step(_ optimizer: any Optimizer, _ g: Float) {
            for p in parameters { p.gradient = Tensor(shape: p.value.shape, repeating: g) }
            optimizer.step()
        }
        let first = make()
        step(first, 0.5)
        let state = OptimizerState(capturing: first, of: network)
        let restored = state.makeOptimizer(for: network)
        #expect(type(of: restored) == type(of: first))
        #expect(OptimizerState(capturing: restored, of: network) == state)
        let saved = parameters.map(\.value)
        step(first, -1)
        let continued = parameters.map(\.value)
        for (p, value) in zip(parameters, saved) { p.value = value }
        step(restored, -1)
        #expect(parameters.map(\.value) == continued)
    }

    @Test func sgdWithMomentumAndDecay() {
        let got = run({ SGD(parameters: $0, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01) }, gradients: gradients)
        var theta: Float = 1, b: Float = 0
        for (t, g0) in gradients.enumerated() {
            let g = g0 + 0.01 * theta
            b = t == 0 ? g : 0.9 * b + g
            theta -= 0.1 * b
            #expect(abs(got[t] - theta) < 1e-6)
        }
    }

    @Test func sgdNesterov() {
        let got = run({ SGD(parameters: $0, learningRate: 0.1, momentum: 0.9, nesterov: true) }, gradients: gradients)
        var theta: Float = 1, b: Float = 0
        for (t, g) in gradients.enumerated() {
            b = t == 0 ? g : 0.9 * b + g
            theta -= 0.1 * (g + 0.9 * b)
            #expect(abs(got[t] - theta) < 1e-6)
        }
    }

    @Test(arguments: [false, true])
    func adam(decoupled: Bool) {
        let got = run({ Adam(parameters: $0, learningRate: 0.01, weightDecay: 0.1, decoupledWeightDecay: decoupled) }, gradients: gradients)
        var theta = 1.0, m = 0.0, v = 0.0
        for (t, g0) in gradients.enumerated() {
            var g = Double(g0)
            if decoupled { theta *= 1 - 0.01 * 0.1 } else { g += 0.1 * theta }
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            let mh = m / (1 - pow(0.9, Double(t + 1))), vh = v / (1 - pow(0.999, Double(t + 1)))
            theta -= 0.01 * mh / (vh.squareRoot() + 1e-8)
            #expect(abs(Double(got[t]) - theta) < 1e-5)
        }
    }

    @Test func adamMinimisesAQuadratic() {
        let p = Parameter(Tensor(shape: [3], scalars: [3, -2, 5]))
        let opt = Adam(parameters: [p], learningRate: 0.1)
        for _ in 0..<500 {
            p.gradient = Tensor(shape: [3], scalars: p.value.scalars.map { 2 * ($0 - 1) })
            opt.step()
        }
        #expect(p.value.scalars.allSatisfy { abs($0 - 1) < 1e-2 })
    }

    @Test func frozenParametersStay() {
        let p = Parameter(Tensor(shape: [1], scalars: [1]))
        p.isTrainable = false
        p.gradient = Tensor(shape: [1], scalars: [1])
        SGD(parameters: [p], learningRate: 1).step()
        #expect(p.value[0] == 1)
    }

    @Test func schedules() {
        #expect(LearningRateSchedule.constant.rate(base: 0.1, at: 7) == 0.1)
        let step = LearningRateSchedule.step(stepSize: 3, gamma: 0.5)
        #expect([0, 2, 3, 6, 7].map { step.rate(base: 1, at: $0) } == [1, 1, 0.5, 0.25, 0.25])
        let cosine = LearningRateSchedule.cosine(period: 10, minimum: 0.1)
        #expect(abs(cosine.rate(base: 1, at: 0) - 1) < 1e-6)
        #expect(abs(cosine.rate(base: 1, at: 5) - 0.55) < 1e-6)
        #expect(abs(cosine.rate(base: 1, at: 10) - 0.1) < 1e-6)
        #expect(abs(cosine.rate(base: 1, at: 20) - 0.1) < 1e-6)
    }
}
