import Foundation
import LikenessData
import LikenessFiles

/// The repository's root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

/// A small dataset with varied pixels: image `i` of `count` has label `i % classes`.
func makeDataset(count: Int, classes: Int, height: Int, width: Int, channels: Int, seed: UInt64 = 1) -> Dataset {
    var state = seed
    var pixels = [UInt8]()
    for _ in 0..<(count * height * width * channels) {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        pixels.append(UInt8(truncatingIfNeeded: state >> 56))
    }
    return Dataset(pixels: pixels, labels: (0..<count).map { $0 % classes },
                   classNames: (0..<classes).map { "class \($0)" }, ids: (0..<count).map { "made#\($0)" },
                   height: height, width: width, channels: channels)
}

/// The error `body` throws, as a `DatasetFileError`, or nil when it throws none or another kind.
func datasetFileError(_ body: () throws -> Void) -> DatasetFileError? {
    do {
        try body()
        return nil
    } catch let error as DatasetFileError {
        return error
    } catch {
        return nil
    }
}
