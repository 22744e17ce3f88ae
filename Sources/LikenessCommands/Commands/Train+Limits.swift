import ArgumentParser
import Foundation
import Likeness

extension LikenessCommand.Train {
    /// For `validate()`: refuses a `-K` past `TripletOptions.maximumImagesPerClass` (a usage
    /// error, exit 64, as the argument alone decides it).
    func checkImagesPerClass() throws {
        let limit = TripletOptions.maximumImagesPerClass
        guard model.headName == .embedding, triplet.imagesPerClass > limit else { return }
        throw ValidationError("-K \(triplet.imagesPerClass): a batch takes at most \(limit) images of a class.")
    }

    /// The classes per batch (`-P`) of the embedding head: the one given, which must not exceed
    /// the classes of two or more training images, or 8 (fewer when fewer classes have them).
    func classesPerBatch(for selection: TrainingDataOptions.Selection) throws -> Int {
        let trainable = selection.dataset.classCounts(of: selection.train).filter { $0 >= 2 }.count
        guard let given = triplet.classesPerBatch else { return TripletOptions.defaultClassesPerBatch }
        guard given <= max(trainable, 2) else {
            throw CommandError("-P \(given): the training set has \(trainable) classes of 2 or more images, "
                               + "so a batch holds at most \(trainable) classes; give -P \(trainable) or fewer.")
        }
        return given
    }

    /// Refuses the run, with both figures, when the memory its batches and resampled images
    /// need is more than the process may use (`MemoryBudget`); the dataset is loaded already.
    func requireMemory(architecture: ModelDescription, selection: TrainingDataOptions.Selection, classesPerBatch: Int) throws {
        let perImage = architecture.backbone.activationCountPerImage(
            channels: architecture.channels, height: architecture.height, width: architecture.width, head: architecture.head)
        let float = MemoryLayout<Float>.size
        var parts: [Int] = []
        let batch: Int
        let work: String
        if model.headName == .embedding {
            batch = checkedProduct([classesPerBatch, triplet.imagesPerClass]) ?? .max
            work = "training on batches of \(classesPerBatch) × \(triplet.imagesPerClass) images"
            // The triplet loss's distance matrix, its masks and its gradient: 4 batch × batch matrices.
            parts.append(checkedProduct([batch, batch, 4, float]) ?? .max)
        } else {
            batch = optimisation.batchSize
            let resampled = try resampledSize(selection, pixels: architecture.channels * architecture.height * architecture.width)
            work = "training on batches of \(batch) images" + (resampled > 0 ? " with the resampled training set" : "")
            parts.append(resampled)
        }
        parts.append(checkedProduct([batch, perImage, float]) ?? .max)
        let total = parts.reduce(0) { $0.addingReportingOverflow($1).overflow ? .max : $0 + $1 }
        do {
            try MemoryBudget.require(total, for: "train: " + work)
        } catch {
            throw CommandError("\(error): " + (model.headName == .embedding ? "give a smaller -P or -K." : "give a smaller --batch-size or resampling target."))
        }
    }

    /// The bytes of the resampled training set: SMOTE's grown copy of the images, or
    /// over-sampling's list of indices (and its shuffled copy); 0 for neither.
    ///
    /// - Throws: `CommandError` naming the option when its strategy does not fit the training
    ///   set (a target past `SamplingStrategy.maximumGrowth` times the largest class, say).
    private func resampledSize(_ selection: TrainingDataOptions.Selection, pixels: Int) throws -> Int {
        let counts = selection.dataset.classCounts(of: selection.train)
        let given = [("--oversample", imbalance.oversample), ("--smote", imbalance.smote)].first { $0.1 != nil }
        guard let (option, strategy) = given, let strategy else { return 0 }
        let targets: [Int]
        do {
            targets = try strategy.targetCounts(classCounts: counts, direction: .over)
        } catch {
            throw CommandError("\(option): \(error).")
        }
        let total = targets.reduce(0) { $0.addingReportingOverflow($1).overflow ? .max : $0 + $1 }
        return option == "--smote" ? checkedProduct([total, pixels, MemoryLayout<Float>.size]) ?? .max
                                   : checkedProduct([total, 2, MemoryLayout<Int>.size]) ?? .max
    }
}

extension LikenessCommand.Train {
    /// For `validate()`: refuses an `--image-size` the backbone cannot take (smaller than its
    /// poolings, or larger than a model may be), before any image is read.
    func validateImageSize() throws {
        guard let size = data.data.imageSize else { return }
        do {
            _ = try ModelDescription.checked(backbone: model.backbone, head: model.head(classCount: 2),
                                             channels: data.data.colour?.channels ?? 1, height: size.height, width: size.width)
        } catch let error as StorageError {
            throw ValidationError("--image-size \(size.text) does not fit the \(model.backbone.rawValue) backbone: expected "
                                  + "\(error.expected ?? "another size"), found \(error.found ?? size.text).")
        }
    }
}
