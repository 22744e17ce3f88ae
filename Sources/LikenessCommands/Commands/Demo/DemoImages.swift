import Foundation
import Likeness

/// The PNG files the demo enrols and queries with, so that its steps are the commands a user
/// would run on their own images.
enum DemoImages {
    /// Writes one validation image of each class to `folder/NAME.png`: the image draw `draw` of
    /// the one-shot protocol enrols (`OneShotEvaluation.candidatesDrawn`).
    static func writeEnrolmentImages(directory: String, classes: [Int], draw: UInt64,
                                     into folder: String) throws -> [(name: String, file: String)] {
        let train = try FashionMNIST.load(split: .train, directory: directory)
        let validation = FashionMNIST.validationIndices(labels: train.labels)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let candidates = classes.map { c in validation.filter { train.labels[$0] == c } }
        let picks = OneShotEvaluation.candidatesDrawn(draw: draw, counts: candidates.map(\.count))
        return try classes.indices.map { k in
            let c = classes[k], chosen = candidates[k][picks[k]]
            let file = (folder as NSString).appendingPathComponent(train.classNames[c] + ".png")
            try train.image(chosen).writePNG(to: file)
            return (train.classNames[c], file)
        }
    }

    /// Writes the first test image of each class to `folder/test-INDEX-NAME.png`.
    static func writeQueryImages(directory: String, classes: [Int], into folder: String) throws -> [String] {
        let test = try FashionMNIST.load(split: .test, directory: directory)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return try classes.compactMap { c in
            guard let i = test.labels.firstIndex(of: c) else { return nil }
            let file = (folder as NSString).appendingPathComponent("test-\(i)-\(test.classNames[c]).png")
            try test.image(i).writePNG(to: file)
            return file
        }
    }
}
