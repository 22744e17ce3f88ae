import Likeness
import Testing

/// Label-free pre-training (SimCLR) and relational distillation during supervised training.
@Suite("Pre-training and distillation")
struct LabelFreeTrainingTests {
    let data = stripes(count: 192, seed: 11)

    /// NT-Xent falls over the epochs and each view finds its pair more surely, labels unread.
    @Test func pretrainingLearnsToPairTheViews() throws {
        let network = Network.make(backbone: .reference, head: .projection(hidden: 16, dimension: 8), channels: 1, height: 8, width: 8, seed: 1)
        let history = try PretrainingRecipe(epochs: 6, batchSize: 32, learningRate: 3e-3, seed: 2)
            .train(network, on: data, indices: Array(0..<192))
        let first = history.epochs.first!, last = history.epochs.last!
        #expect(last.meanLoss < first.meanLoss - 0.2, "loss \(first.meanLoss) → \(last.meanLoss)")
        let mass = history.epochs.map { $0.statistics[ContrastiveStep.Statistic.positiveMass]! }
        #expect(mass.last! > mass.first!, "positive mass \(mass)")
        #expect(history.keptEpoch == 6, "no validation: the last epoch")
    }

    /// `KL(teacher ‖ student)` of the similarity softmaxes on held-out images, after training
    /// with or without distillation to a fixed random teacher: distillation keeps its structure.
    @Test func distillationKeepsTheTeachersSimilarities() throws {
        let teacher = Network.make(backbone: .small, head: .projection(hidden: 16, dimension: 8), channels: 1, height: 8, width: 8, seed: 7)
        func divergenceAfterTraining(weight: Float?) throws -> Float {
            let student = Network.make(backbone: .small, head: .embedding(dimension: 8), channels: 1, height: 8, width: 8, seed: 3)
            let distillation = weight.map {
                Distillation(teacher: teacher, weight: $0, pool: ValidationImages(dataset: data, indices: Array(128..<160)),
                             poolImagesPerStep: 16, seed: 1)
            }
            try EmbeddingRecipe(epochs: 4, classesPerBatch: 2, imagesPerClass: 16, loss: SupervisedContrastiveLoss(), distillation: distillation,
                                learningRate: 3e-3, seed: 5)
                .train(student, on: data, trainingIndices: Array(0..<128))
            let held = Array(160..<192)
            return RelationalDistillationLoss().lossAndGradient(student: student.outputs(for: data, indices: held),
                                                                teacher: teacher.outputs(for: data, indices: held)).loss
        }
        let without = try divergenceAfterTraining(weight: nil), with = try divergenceAfterTraining(weight: 5)
        #expect(with < 0.7 * without, "KL to the teacher: \(with) with distillation, \(without) without")
    }
}
