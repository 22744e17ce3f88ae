import Foundation
import Likeness
import Testing
import _LikenessTestSupport

/// `likeness train` on a user's own image folder: read at the folder's own size and channels, a
/// class of one image left out and its enrolment command printed, classes named in
/// `--exclude-classes`, a validation set with a class the training set lacks, and the classes
/// that get no validation image.
@Suite("likeness train on an image folder", .serialized,
       .enabled(if: CommandLine.runsSuites(of: CommandLine.likeness), "the likeness executable is not built"))
struct FolderTrainingCommandLineTests {
    let common = ["--epochs", "1", "--threads", "2", "--seed", "1"]

    /// Writes `count` images of each class under `folder/name/`, `i.jpg` (or `.png`), of
    /// `height × width × channels`: each class its own colour and bar, each image its own shift.
    func writeFolder(_ folder: String, _ classes: [(name: String, count: Int)], height: Int = 40, width: Int = 40,
                     channels: Int = 3, png: Bool = false) throws {
        for (c, (name, count)) in classes.enumerated() {
            try FileManager.default.createDirectory(atPath: "\(folder)/\(name)", withIntermediateDirectories: true)
            for i in 1...count {
                var pixels = [UInt8]()
                for y in 0..<height {
                    for x in 0..<width {
                        let bar = (x + i) % 10 < 3 + c
                        for k in 0..<channels { pixels.append(UInt8((bar ? 200 : 40) + (c * 37 + k * 50 + y) % 50)) }
                    }
                }
                let image = RasterImage(pixels: pixels, height: height, width: width, channels: channels)
                if png { try image.writePNG(to: "\(folder)/\(name)/\(i).png") } else { try image.writeJPEG(to: "\(folder)/\(name)/\(i).jpg") }
            }
        }
    }

    @discardableResult
    func likeness(_ arguments: [String], in folder: String, expectFailure: Bool = false,
                  sourceLocation: SourceLocation = #_sourceLocation) throws -> (out: String, err: String) {
        try runLikeness(arguments, in: folder, expectFailure: expectFailure, sourceLocation: sourceLocation)
    }

    /// 40×40 RGB JPEG shapes, with a class of two images and one of a single image, no size or
    /// channel options: the model is 40×40×3; the one-image class is trained on by neither head
    /// (0 in the record), and the message names it with the command that enrols it, which works.
    @Test(arguments: [["--head", "embedding", "-P", "3", "-K", "2"], ["--head", "softmax", "--batch-size", "4"]])
    func aOneImageClassIsLeftOutAndNamed(head: [String]) throws {
        let dir = try TemporaryFolder()
        try writeFolder(dir.file("shapes"), [("circle", 6), ("ring", 1), ("square", 6), ("triangle", 2)])
        let err = try likeness(["train", "shapes", "-o", "model.h5"] + head + common, in: dir.path).err
        #expect(err.contains("images read at 40x40 (height x width), RGB: the folder's most common size; RGB as some images are in colour"), "\(err)")
        #expect(err.contains("train: class 1 (ring) has one training image: it is left out of training and validation"), "\(err)")
        #expect(err.contains("no validation image of class 3 (triangle) (the 10% split gives none to a class of fewer than 5 images): "
                             + "its recall is not in the validation score"), "\(err)")
        let archive = try ModelArchive.load(dir.file("model.h5"))
        #expect((archive.architecture.height, archive.architecture.width, archive.architecture.channels) == (40, 40, 3))
        #expect(archive.training?.trainingClassCounts == [5, 0, 5, 2])

        let image = "shapes/ring/1.jpg"
        guard head[1] == "embedding" else {
            #expect(err.contains("(the softmax head cannot learn it, and will not predict it); an embedding model can enrol it one-shot:\n"
                                 + "  likeness enroll --model EMBEDDER.h5 --gallery GALLERY.h5 --class ring \(image)"), "\(err)")
            return
        }
        let command = "likeness enroll --model model.h5 --gallery GALLERY.h5 --class ring \(image)"
        #expect(err.contains("(triplets need two images of a class); enrol it one-shot once the model is written:\n  " + command), "\(err)")
        let enroll = command.split(separator: " ").dropFirst().map { $0 == "GALLERY.h5" ? "gallery.h5" : String($0) }
        #expect(try likeness(enroll, in: dir.path).out.contains("enrolled ring from 1 image"))
    }

    /// 50×100 gray PNGs (and one of 20×40): read at 32×64, gray, saying so and warning of the
    /// image scaled up; --rgb and --image-size choose others.
    @Test func aLargerGrayFolderIsScaledDownAndSaysSo() throws {
        let dir = try TemporaryFolder()
        try writeFolder(dir.file("wide"), [("a", 2), ("b", 2)], height: 50, width: 100, channels: 1, png: true)
        try RasterImage(pixels: [UInt8](repeating: 90, count: 20 * 40), height: 20, width: 40, channels: 1).writePNG(to: dir.file("wide/b/small.png"))
        let train = ["train", "wide", "--head", "softmax", "--batch-size", "4"] + common
        let err = try likeness(train + ["-o", "model.h5"], in: dir.path).err
        #expect(err.contains("images read at 32x64 (height x width), grayscale: the folder's images are mostly 50x100, "
                             + "scaled down to at most 64 on the longer side; grayscale as every image is gray"), "\(err)")
        #expect(err.contains("warning: 1 of 5 images is smaller than 32x64: it is scaled up"), "\(err)")
        #expect(err.contains("train: no validation image of a trained class (the 10% split gives none to a class of fewer than 5 images)"), "\(err)")
        let archive = try ModelArchive.load(dir.file("model.h5"))
        #expect((archive.architecture.height, archive.architecture.width, archive.architecture.channels) == (32, 64, 1))

        let asked = try likeness(train + ["--rgb", "--image-size", "20x40", "-o", "rgb.h5"], in: dir.path).err
        #expect(asked.contains("images read at 20x40 (height x width), RGB: as --image-size asks; RGB as --rgb asks"), "\(asked)")
        #expect(!asked.contains("scaled up"), "\(asked)")
        let rgb = try ModelArchive.load(dir.file("rgb.h5")).architecture
        #expect((rgb.height, rgb.width, rgb.channels) == (20, 40, 3))
    }

    /// Classes named in --exclude-classes; a token that is a name and another class's index is
    /// refused, asking which; an unknown name lists the classes and the closest. A folder of
    /// one-image classes only leaves nothing to train on, and says why.
    @Test func excludedClassesByName() throws {
        let dir = try TemporaryFolder()
        try writeFolder(dir.file("digits"), [("0", 3), ("2", 3), ("square", 3)], height: 8, width: 8, channels: 1, png: true)
        let train = ["train", "digits", "--head", "softmax", "--batch-size", "4"] + common
        func counts(_ exclude: String) throws -> [Int]? {
            try likeness(train + ["--exclude-classes", exclude, "-o", "model.h5"], in: dir.path)
            return try ModelArchive.load(dir.file("model.h5")).training?.trainingClassCounts
        }
        #expect(try counts("square") == [3, 3, 0])
        #expect(try counts("name:2") == [3, 0, 3])
        #expect(try counts("index:2") == [3, 3, 0])
        #expect(try counts("0") == [0, 3, 3])

        let ambiguous = try likeness(train + ["--exclude-classes", "0,2", "-o", "x.h5"], in: dir.path, expectFailure: true).err
        #expect(ambiguous.contains("--exclude-classes 2: ambiguous: class 2 is 'square', and class 1 is named '2'. "
                                   + "Write index:2 for the first or name:2 for the second."), "\(ambiguous)")
        let unknown = try likeness(train + ["--exclude-classes", "sqare", "-o", "x.h5"], in: dir.path, expectFailure: true).err
        #expect(unknown.contains("--exclude-classes sqare: no class is named 'sqare'; did you mean 'square'? "
                                 + "The dataset's classes: 0 0, 1 2, 2 square."), "\(unknown)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("x.h5")))

        try writeFolder(dir.file("ones"), [("a", 1), ("b", 1)], height: 8, width: 8, channels: 1, png: true)
        let ones = try likeness(["train", "ones", "-o", "x.h5"] + common, in: dir.path, expectFailure: true).err
        #expect(ones.contains("No training images left: the other classes have one image each, and training needs classes of 2 or more."), "\(ones)")
    }

    /// A validation folder (of another size, read at the training images') with a class the
    /// training folder lacks: the embedding head reports that class's recall@1 apart each epoch,
    /// and the record keeps it; the softmax head leaves its images out, saying so.
    @Test func aValidationClassTheTrainingSetLacks() throws {
        let dir = try TemporaryFolder()
        try writeFolder(dir.file("train"), [("a", 4), ("b", 4)], height: 16, width: 16)
        try writeFolder(dir.file("val"), [("a", 2), ("b", 2), ("c", 2)], height: 20, width: 20)
        let err = try likeness(["train", "train", "--validation", "val", "-P", "2", "-K", "2", "-o", "model.h5"] + common, in: dir.path).err
        #expect(err.contains("train: 2 validation images are of classes the training set lacks (c): their recall@1 is reported apart "
                             + "each epoch (untrained classes) and does not choose the epoch kept"), "\(err)")
        #expect(err.contains("untrained classes 0."), "\(err)")
        let epochs = try #require(try ModelArchive.load(dir.file("model.h5")).training?.epochs)
        #expect(epochs.allSatisfy { $0.statistics[ValidationScore.Statistic.untrainedClassRecall] != nil && $0.validationScore != nil })

        let softmax = try likeness(["train", "train", "--validation", "val", "--head", "softmax", "--batch-size", "4", "-o", "softmax.h5"] + common,
                                   in: dir.path).err
        #expect(softmax.contains("train: 2 validation images are of classes the training set lacks (c): left out of validation, "
                                 + "as the softmax head cannot predict them"), "\(softmax)")
        #expect(softmax.contains("train: reference backbone, softmax head, 8 training and 4 validation images"), "\(softmax)")
    }
}
