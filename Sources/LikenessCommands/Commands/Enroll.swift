import ArgumentParser
import Likeness

extension LikenessCommand {
    /// `likeness enroll --model M --gallery G.h5 --class NAME IMAGE…`: adds a class to a gallery from
    /// one or a few images (or more shots to a class already there), without retraining;
    /// with `--dataset`, every class of a labelled set at once.
    struct Enroll: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "enroll",
            abstract: "Enrol a class from one or a few images (or every class of a labelled dataset) into a gallery.",
            discussion: """
            A class's prototype is the re-normalised mean of its images' embeddings; enrolling more \
            images of a class already in the gallery adds them as shots; an image whose pixels (decoded \
            and resized to the model's input) the class holds already is skipped, so one image enrolled \
            twice counts once. The gallery is written to a \
            temporary file and renamed into place: a failed enrolment leaves it as it was. Enrolments \
            into one gallery at once take turns, under the lock file GALLERY.lock beside it.

            With --augment-shots N each image is enrolled with N mild augmented views of it, all \
            averaged into the prototype; the gallery keeps the number of images (shots) and of \
            embeddings (views) of each class. With --refine-with DATASET the class's prototype is then \
            refined from that dataset's images, unlabelled (soft k-means: each image is shared among \
            every prototype by its score; the other classes' prototypes stay), and the gallery records \
            the refinement and the pool's size; new shots of the class later undo it. --refine-with \
            never takes a test set.

            Examples:
              likeness enroll --model embedder.h5 --gallery gallery.h5 --class Sandal sandal.png
              likeness enroll --model embedder.h5 --gallery gallery.h5 --class Sandal --augment-shots 16 \\
                --refine-with fashion-mnist:pool sandal.png
              likeness enroll --model embedder.h5 --gallery gallery.h5 --dataset fmnist-lt --classes 0,1,2,3,4,6,8,9
            """
        )

        @OptionGroup var input: ModelInputOptions
        @OptionGroup var galleryOptions: GalleryOptions
        @OptionGroup var shots: ShotEnrolmentOptions
        @OptionGroup var runtime: RuntimeOptions

        @Option(name: .customLong("class"), help: ArgumentHelp("The class the image files show.", valueName: "name"))
        var className: String?

        @Option(help: ArgumentHelp("With --dataset: only these classes, comma-separated names or indices (index:N or name:X where one could be both; default: all).", valueName: "classes"))
        var classes: ClassList?

        func validate() throws {
            try requireSeparateFiles()
            if input.dataset == nil && className == nil { throw ValidationError("Name the class of the image files with --class.") }
            if input.dataset != nil && className != nil { throw ValidationError("--class names the class of image files; with --dataset the classes come from its labels.") }
            if classes != nil && input.dataset == nil { throw ValidationError("--classes selects classes of --dataset.") }
            if shots.refineWith != nil && className == nil {
                throw ValidationError("--refine-with refines the class of the image files (--class NAME IMAGE…), not every class of --dataset.")
            }
            try shots.validatePool(directory: input.source.dataDirectory)
            try validateOutputFolder(of: galleryOptions.gallery, option: "--gallery")
        }

        func run() throws {
            runtime.apply()
            let (model, loaded, source) = try input.load()
            let dataset = loaded.dataset
            let chosen = Set(try classes?.resolved(in: dataset.classNames, option: "--classes") ?? Array(dataset.classNames.indices))
            let indices = loaded.selection.filter { chosen.contains(dataset.labels[$0]) }
            let counts = dataset.classCounts(of: indices)
            let enrolled = chosen.sorted().filter { counts[$0] > 0 }
            guard !enrolled.isEmpty else {
                throw CommandError("\(source) has no image of the classes to enrol (\(chosen.sorted().map { dataset.classNames[$0] }.joined(separator: ", "))): nothing to enrol.")
            }
            if className == nil {
                let missing = chosen.sorted().filter { counts[$0] == 0 }.map { "\($0) (\(dataset.classNames[$0]))" }
                if classes != nil && !missing.isEmpty {
                    throw CommandError("--classes: \(source) has no image of class\(missing.count == 1 ? "" : "es") \(missing.joined(separator: ", ")).")
                }
                if !missing.isEmpty {
                    printDiagnostic("enroll: \(source) has no image of \(missing.joined(separator: ", ")): not enrolled")
                }
            }
            let embeddings = model.shotOutputs(for: dataset, indices: indices, augmentedViews: shots.augmentShots,
                                               showProgress: indices.count > 1000)
            let digests = dataset.contentDigests(of: indices)
            let pool = try shots.poolEmbeddings(model: model, directory: input.source.dataDirectory, command: "enroll")
            var skipped: [Int] = []
            let gallery = try galleryOptions.update(for: model, modelPath: input.model, creating: true, command: "enroll") { gallery in
                if let className {
                    skipped = try gallery.enroll(embeddings: embeddings, labels: indices.map { _ in 0 }, classNames: [className],
                                                 digests: digests, viewsPerShot: 1 + shots.augmentShots)
                    if let pool { try gallery.refine(classes: [className], pool: pool, using: shots.refinement) }
                } else {
                    skipped = try gallery.enroll(embeddings: embeddings, labels: dataset.labels(indices),
                                                 classNames: dataset.classNames, digests: digests, viewsPerShot: 1 + shots.augmentShots)
                }
            }
            let views = shots.augmentShots > 0 ? " with \(shots.augmentShots) augmented view\(shots.augmentShots == 1 ? "" : "s") each" : ""
            let added = indices.count - skipped.count
            if let className {
                for row in skipped {
                    printDiagnostic("enroll: \(dataset.ids[indices[row]]) is already enrolled in \(className) (same content); skipped")
                }
                let enrolled = gallery[className]!
                print("enrolled \(className) from \(added) image\(added == 1 ? "" : "s") (\(enrolled.shotCount) in all)\(views) into \(galleryOptions.gallery)")
                if let refinement = enrolled.refinement, let pool = shots.refineWith {
                    print(String(format: "refined \(className) from \(refinement.poolSize) unlabelled images of \(pool) "
                                 + "(soft assignment %.1f images, %d iterations at temperature %g)",
                                 refinement.poolWeight, shots.refineIterations, Double(shots.refineTemperature)))
                }
            } else {
                if !skipped.isEmpty {
                    printDiagnostic("enroll: \(skipped.count) image\(skipped.count == 1 ? "" : "s") of \(source) \(skipped.count == 1 ? "is" : "are") already enrolled in \(skipped.count == 1 ? "its" : "their") class (same content); skipped")
                }
                let names = enrolled.map { dataset.classNames[$0] }
                print("enrolled \(names.count) classes from \(added) images of \(source)\(views) into \(galleryOptions.gallery): \(names.joined(separator: ", "))")
            }
        }
    }
}

extension LikenessCommand.Enroll: FileRoles {
    var inputFiles: [NamedFile] {
        [NamedFile(option: "--model", path: input.model)] + NamedFile.dataset("--dataset", input.source.dataset)
            + NamedFile.dataset("--refine-with", shots.refineWith) + input.source.images.map { NamedFile(option: "IMAGE", path: $0) }
    }

    var outputFiles: [NamedFile] {
        [NamedFile(option: "--gallery", path: galleryOptions.gallery)]
    }
}
