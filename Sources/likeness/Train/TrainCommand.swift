import ArgumentParser
import Foundation
import Likeness

/// `likeness train DATASET --output model.h5`: trains an embedding network (triplet loss) or a
/// softmax classifier (cross-entropy or focal loss) with the imbalance remedies, and saves it.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an embedding network (triplet loss) or a softmax classifier (cross-entropy, focal) and save it as an HDF5 model.",
        discussion: """
        Examples:
          likeness train fmnist-lt --head embedding --exclude-classes 5,7 -o embedder.h5
          likeness train fmnist-lt --head softmax --loss focal --class-weights balanced -o focal.h5
        """
    )

    @OptionGroup(title: "Data") var data: TrainingDataOptions
    @OptionGroup(title: "Model") var model: ModelOptions
    @OptionGroup(title: "Optimisation") var optimisation: OptimisationOptions
    @OptionGroup(title: "Softmax head") var softmax: SoftmaxLossOptions
    @OptionGroup(title: "Imbalance remedies (softmax head)") var imbalance: ImbalanceOptions
    @OptionGroup(title: "Runtime") var runtime: RuntimeOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("The model file to write (.h5).", valueName: "file"))
    var output: String

    func validate() throws {
        guard [".h5", ".hdf5"].contains(where: output.lowercased().hasSuffix) else {
            throw ValidationError("--output must name an HDF5 file ending in .h5 or .hdf5, not '\(output)'.")
        }
    }

    func run() throws {
        runtime.apply()
        let selection = try data.load(seed: runtime.seed)
        let dataset = selection.dataset
        let architecture = ModelDescription(backbone: model.backbone, head: model.head(classCount: dataset.classNames.count),
                                            channels: dataset.channels, height: dataset.height, width: dataset.width)
        let network = architecture.makeNetwork(seed: runtime.seed)
        printDiagnostic("train: \(model.backbone) backbone, \(model.headName) head, \(selection.train.count) training and \(selection.validation.count) validation images, \(Parallel.threadCount) threads")

        var recipe = SoftmaxRecipe()
        recipe.backbone = model.backbone
        recipe.epochs = optimisation.epochs
        recipe.batchSize = optimisation.batchSize
        recipe.learningRate = optimisation.learningRate
        recipe.patience = optimisation.patience
        recipe.seed = runtime.seed
        recipe.loss = softmax.loss == .focal ? .focal(gamma: softmax.gamma) : .crossEntropy
        imbalance.apply(to: &recipe)
        let validation = selection.validation.isEmpty ? nil : ValidationImages(dataset: selection.validationSet, indices: selection.validation)
        let reports = try recipe.train(network, on: dataset, indices: selection.train, validation: validation)

        let settings = TrainingSettings(command: CommandLine.arguments.dropFirst().joined(separator: " "), epochs: reports)
        try ModelArchive(network: network, architecture: architecture, classNames: dataset.classNames, trainingSettings: settings)
            .save(to: output)
        print("wrote \(output)")
    }
}

/// What a model file records of how it was trained.
struct TrainingSettings: Codable {
    var command: String
    var epochs: [EpochReport]
}
