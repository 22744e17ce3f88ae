import LikenessCore
import Testing

@Suite("Backbones")
struct BackboneTests {
    @Test(arguments: Backbone.allCases)
    func theSmallestInputIsThatOfThePoolings(backbone: Backbone) {
        let side = backbone.minimumInputSide
        #expect(side == (backbone == .reference ? 4 : 8))
        var rng = SeededGenerator(seed: 1)
        let built = backbone.layers(channels: 2, height: side, width: side, rng: &rng)
        #expect(built.layers.map(\.name) == backbone.spec.map(\.name))
        let x = Tensor.randomUniform(shape: [1, 2, side, side], using: &rng)
        #expect(Sequential(built.layers).forward(x, training: false).shape == [1, built.featureCount])
    }

    @Test(arguments: [(Backbone.reference, 1, 28, 28), (.cifar, 3, 32, 32), (.small, 3, 40, 36), (.reference, 3, 20, 24)])
    func buildsTrainsAndNamesParameters(backbone: Backbone, channels: Int, height: Int, width: Int) throws {
        for head in [Head.softmax(classCount: 5), .embedding(dimension: 16), .projection(hidden: 12, dimension: 8)] {
            let model = Network.make(backbone: backbone, head: head, channels: channels, height: height, width: width, seed: 3)
            var rng = SeededGenerator(seed: 1)
            let x = Tensor.randomUniform(shape: [4, channels, height, width], using: &rng)
            let y = model.forward(x, training: true)
            switch head {
            case .softmax(let c): #expect(y.shape == [4, c])
            case .embedding(let d), .projection(_, let d):
                #expect(y.shape == [4, d])
                for i in 0..<4 {
                    let norm = (0..<d).map { y[i, $0] * y[i, $0] }.reduce(0, +).squareRoot()
                    #expect(abs(norm - 1) < 1e-4)
                }
            }
            #expect(model.outputShape(for: x.shape) == y.shape)
            model.zeroGradients()
            _ = model.backward(Tensor(shape: y.shape, repeating: 0.1), inputGradient: false)
            // Every parameter receives a gradient.
            for (name, p) in model.parameters {
                #expect(p.gradient.scalars.contains { $0 != 0 }, "\(backbone) \(name) got no gradient")
            }
            let names = model.parameters.map(\.name)
            #expect(Set(names).count == names.count)
            #expect(names.first == "conv1.weight")
        }
    }

    @Test func sameSeedSameWeights() {
        let a = Network.make(backbone: .cifar, head: .softmax(classCount: 10), channels: 3, height: 32, width: 32, seed: 9)
        let b = Network.make(backbone: .cifar, head: .softmax(classCount: 10), channels: 3, height: 32, width: 32, seed: 9)
        let c = Network.make(backbone: .cifar, head: .softmax(classCount: 10), channels: 3, height: 32, width: 32, seed: 10)
        #expect(zip(a.parameters, b.parameters).allSatisfy { $0.parameter.value == $1.parameter.value })
        #expect(a.parameters[0].parameter.value != c.parameters[0].parameter.value)
    }

    /// `Sequential.copyWeights`: the backbone's weights and batch-norm statistics come over, the
    /// head stays as drawn; a source of another shape is refused naming the weight, changing nothing.
    @Test func copiesTheBackboneAlone() throws {
        let source = Network.make(backbone: .small, head: .projection(hidden: 12, dimension: 8), channels: 3, height: 16, width: 16, seed: 1)
        source.setBuffer("bn1.running_mean", to: Tensor(shape: [8], repeating: 0.5))
        let target = Network.make(backbone: .small, head: .embedding(dimension: 4), channels: 3, height: 16, width: 16, seed: 2)
        let headBefore = target.parameters.filter { $0.name.hasPrefix("embedding") }.map(\.parameter.value)
        try target.copyWeights(from: source, layers: Backbone.small.layerNames)
        let theirs = Dictionary(uniqueKeysWithValues: source.weightEntries.map { ($0.name, $0.tensor) })
        for (name, tensor) in target.weightEntries where Backbone.small.layerNames.contains(String(name.split(separator: ".")[0])) {
            #expect(theirs[name] == tensor, "\(name) not copied")
        }
        #expect(target.parameters.filter { $0.name.hasPrefix("embedding") }.map(\.parameter.value) == headBefore)

        let other = Network.make(backbone: .small, head: .embedding(dimension: 4), channels: 1, height: 16, width: 16, seed: 3)
        let before = other.weightEntries.map(\.tensor)
        #expect(throws: WeightTransferError(name: "conv1.weight", expected: [8, 1, 3, 3], found: [8, 3, 3, 3])) {
            try other.copyWeights(from: source, layers: Backbone.small.layerNames)
        }
        #expect(other.weightEntries.map(\.tensor) == before)
    }
}
