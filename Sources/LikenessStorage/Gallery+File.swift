import Foundation
import LikenessCore
import LikenessData
import LikenessFiles
import LikenessHDF5
import LikenessRecognition

/// The gallery file.
///
///     /classes                            variable-length UTF-8 strings C
///     /prototypes                         float32 C×D (unit rows: the normalised sum, or the refined prototype)
///     /sums                               float64 C×D (Σ of the enrolled unit embeddings, views included)
///     /shot_counts                        int64 C (images enrolled)
///     /view_counts                        int64 C (embeddings in /sums: each image and its augmented views)
///     /thresholds                         float32 C (NaN: none, the global one applies)
///     /threshold_sources                  variable-length UTF-8 strings C ("calibrated", "shots"; "" for none)
///     /threshold_false_acceptance_rates   float64 C (NaN: not recorded)
///     /threshold_false_rejection_rates    float64 C (NaN: not recorded)
///     /refinement_pool_sizes              int64 C (pool images the prototype was refined from; 0: not refined)
///     /refinement_pool_weights            float64 C (Σ of the pool's soft assignments to the class; 0: not refined)
///     /shot_digests                       variable-length UTF-8 strings S (a shot's content digest)
///     /shot_digest_classes                int64 S (the row in /classes of the shot's class)
///     attributes: format = "likeness-gallery", format_version = 3, model_digest, dimension,
///                 distance = "euclidean", score = "raw" | "shot-adjusted"; threshold,
///                 threshold_false_acceptance_rate, threshold_false_rejection_rate (float64, each
///                 only when set)
///
/// Version 1 files have no shot digests; they are read as galleries whose shots have none.
/// Version 1 and 2 files have no views, threshold sources, refinements or score: they are read
/// with one view per shot, calibrated thresholds, no refinement and the raw score (the one
/// their thresholds were calibrated on).
extension Gallery {
    /// The `format` attribute of gallery files.
    public static let formatName = "likeness-gallery"
    /// The `format_version` written; files of this version or older are read.
    public static let formatVersion = 3

    static let format = FileFormat(name: formatName, version: formatVersion)

    /// Writes the gallery to `path` as a whole (a temporary file renamed into place): if
    /// anything fails, a gallery already at `path` is left as it was.
    public func save(to path: String) throws {
        let rows = classes.count
        try HDF5File.writeAtomically(to: path) { file in
            try file.createDataset(at: "/classes", strings: classNames)
            try file.createDataset(at: "/prototypes", values: classes.flatMap(\.prototype), shape: [rows, dimension])
            try file.createDataset(at: "/sums", values: classes.flatMap(\.sum), shape: [rows, dimension])
            try file.createDataset(at: "/shot_counts", values: classes.map { Int64($0.shotCount) }, shape: [rows])
            try file.createDataset(at: "/view_counts", values: classes.map { Int64($0.viewCount) }, shape: [rows])
            try file.createDataset(at: "/thresholds", values: classes.map { $0.threshold?.distance ?? .nan }, shape: [rows])
            try file.createDataset(at: "/threshold_sources", strings: classes.map { $0.threshold?.source.rawValue ?? "" })
            try file.createDataset(at: "/refinement_pool_sizes", values: classes.map { Int64($0.refinement?.poolSize ?? 0) }, shape: [rows])
            try file.createDataset(at: "/refinement_pool_weights", values: classes.map { $0.refinement?.poolWeight ?? 0 }, shape: [rows])
            try file.createDataset(at: "/threshold_false_acceptance_rates",
                                   values: classes.map { $0.threshold?.falseAcceptanceRate ?? .nan }, shape: [rows])
            try file.createDataset(at: "/threshold_false_rejection_rates",
                                   values: classes.map { $0.threshold?.falseRejectionRate ?? .nan }, shape: [rows])
            let digestClasses = classes.indices.flatMap { row in classes[row].shotDigests.map { _ in Int64(row) } }
            try file.createDataset(at: "/shot_digests", strings: classes.flatMap(\.shotDigests))
            try file.createDataset(at: "/shot_digest_classes", values: digestClasses, shape: [digestClasses.count])
            try Self.format.write(to: file)
            try file.attributes.write(modelDigest, named: "model_digest")
            try file.attributes.write(dimension, named: "dimension")
            try file.attributes.write(EmbeddingStore.distance, named: "distance")
            try file.attributes.write(score.rawValue, named: "score")
            if let globalThreshold {
                try file.attributes.write(Double(globalThreshold.distance), named: "threshold")
                if let rate = globalThreshold.falseAcceptanceRate {
                    try file.attributes.write(rate, named: "threshold_false_acceptance_rate")
                }
                if let rate = globalThreshold.falseRejectionRate {
                    try file.attributes.write(rate, named: "threshold_false_rejection_rate")
                }
            }
        }
    }

    /// Reads the gallery at `path`, lets `change` change it and writes it back, holding the
    /// gallery's `FileLock` (`PATH.lock`) from the read to the write: processes updating one
    /// gallery at once take turns, and each sees the changes of those before it.
    ///
    /// - Parameters:
    ///   - empty: the gallery to start from when no file is at `path` (nil: that is an error).
    ///   - waiting: called with the lock file's path when another process holds the lock,
    ///     before waiting for it.
    ///   - change: changes the gallery; when it throws, nothing is written.
    /// - Returns: the gallery as written.
    /// - Throws: `FileLockError`, `load`'s and `save`'s errors, what `change` throws.
    @discardableResult
    public static func update(at path: String, creatingIfMissing empty: Gallery? = nil, waiting: (String) -> Void = { _ in },
                              _ change: (inout Gallery) throws -> Void) throws -> Gallery {
        let lock = try FileLock(locking: path, waiting: waiting)
        return try withExtendedLifetime(lock) {
            var gallery: Gallery
            if let empty, !FileManager.default.fileExists(atPath: path) {
                gallery = empty
            } else {
                gallery = try load(path)
            }
            try change(&gallery)
            try gallery.save(to: path)
            return gallery
        }
    }

    /// Reads the gallery at `path`.
    ///
    /// - Throws: `HDF5Error` if the file is missing, not HDF5 or damaged; `StorageError` naming
    ///   the file and field if it is not a gallery of a version this build reads, a dataset or
    ///   attribute is missing or of another shape, or a value is invalid (a shot count below 1,
    ///   a repeated name, a prototype that is not the normalised sum, a negative threshold).
    public static func load(_ path: String) throws -> Gallery {
        let file = try HDF5File(openingAt: path)
        let version = try format.check(file)
        let (modelDigest, dimension) = try file.embeddingSpace()
        let names = try file.requiredDataset(at: "/classes", shape: [nil]).readStrings()
        let rows = names.count
        let prototypes = try file.requiredDataset(at: "/prototypes", shape: [rows, dimension]).read(as: Float.self)
        let sums = try file.requiredDataset(at: "/sums", shape: [rows, dimension]).read(as: Double.self)
        let shotCounts = try file.requiredDataset(at: "/shot_counts", shape: [rows]).read(as: Int64.self)
        let thresholds = try file.requiredDataset(at: "/thresholds", shape: [rows]).read(as: Float.self)
        let acceptance = try file.requiredDataset(at: "/threshold_false_acceptance_rates", shape: [rows]).read(as: Double.self)
        let rejection = try file.requiredDataset(at: "/threshold_false_rejection_rates", shape: [rows]).read(as: Double.self)
        let shotDigests = try readShotDigests(file, path: path, version: version, rows: rows)
        let v3 = try version >= 3 ? readVersion3Fields(file, rows: rows) : nil

        func invalid(_ field: String, _ row: Int, expected: String, found: String) -> StorageError {
            StorageError(.invalidValue, filePath: path, field: field, expected: expected, found: "\(found) in row \(row)")
        }
        var classes: [EnrolledClass] = []
        var seen: Set<String> = []
        for row in 0..<rows {
            let name = names[row]
            guard !name.isEmpty, seen.insert(name).inserted else {
                throw invalid("/classes", row, expected: "distinct non-empty names", found: "\"\(name)\"")
            }
            guard shotCounts[row] >= 1 else {
                throw invalid("/shot_counts", row, expected: "at least 1 shot", found: "\(shotCounts[row])")
            }
            let sum = Array(sums[(row * dimension)..<((row + 1) * dimension)])
            let prototype = Array(prototypes[(row * dimension)..<((row + 1) * dimension)])
            let viewCount = v3.map { Int($0.viewCounts[row]) } ?? Int(shotCounts[row])
            guard viewCount >= shotCounts[row] else {
                throw invalid("/view_counts", row, expected: "at least the shot count (/shot_counts, \(shotCounts[row]))", found: "\(viewCount)")
            }
            var refinement: Refinement?
            if let v3, v3.poolSizes[row] != 0 {
                let (size, weight) = (v3.poolSizes[row], v3.poolWeights[row])
                guard size > 0 else { throw invalid("/refinement_pool_sizes", row, expected: "0 or more images", found: "\(size)") }
                guard weight >= 0 && weight.isFinite else {
                    throw invalid("/refinement_pool_weights", row, expected: "a finite weight of 0 or more", found: "\(weight)")
                }
                refinement = Refinement(poolSize: Int(size), poolWeight: weight)
            }
            let normalizedSum: [Float]
            do {
                normalizedSum = try PrototypeAccumulator.prototype(fromSum: sum, className: name)
            } catch {
                throw invalid("/sums", row, expected: "a sum of non-zero length", found: "a zero or non-finite sum")
            }
            if refinement == nil {
                guard zip(prototype, normalizedSum).allSatisfy({ abs($0 - $1) <= unitLengthTolerance }) else {
                    throw invalid("/prototypes", row, expected: "the normalised sum of the class's shots (/sums)", found: "another vector")
                }
            } else {
                let length = prototype.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
                guard abs(length - 1) <= Double(unitLengthTolerance) else {
                    throw invalid("/prototypes", row, expected: "a unit-length refined prototype", found: "length \(length)")
                }
            }
            var threshold = try readThreshold(
                distance: thresholds[row], falseAcceptanceRate: acceptance[row], falseRejectionRate: rejection[row],
                fields: ("/thresholds", "/threshold_false_acceptance_rates", "/threshold_false_rejection_rates")
            ) { field, expected, found in invalid(field, row, expected: expected, found: found) }
            if let v3, threshold != nil {
                guard let source = Threshold.Source(rawValue: v3.thresholdSources[row]) else {
                    throw invalid("/threshold_sources", row,
                                  expected: "\(Threshold.Source.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or ")) for a threshold",
                                  found: "\"\(v3.thresholdSources[row])\"")
                }
                threshold?.source = source
            }
            guard shotDigests[row].count <= shotCounts[row] else {
                throw invalid("/shot_digests", row, expected: "at most \(shotCounts[row]) digests (/shot_counts)",
                              found: "\(shotDigests[row].count)")
            }
            classes.append(EnrolledClass(name: name, sum: sum, shotCount: Int(shotCounts[row]), viewCount: viewCount, prototype: prototype,
                                         threshold: threshold, shotDigests: shotDigests[row], refinement: refinement))
        }
        var globalThreshold: Threshold?
        if let distance = try file.optionalDouble("threshold") {
            globalThreshold = try readThreshold(
                distance: Float(distance), falseAcceptanceRate: try file.optionalDouble("threshold_false_acceptance_rate") ?? .nan,
                falseRejectionRate: try file.optionalDouble("threshold_false_rejection_rate") ?? .nan,
                fields: ("threshold", "threshold_false_acceptance_rate", "threshold_false_rejection_rate")
            ) { attribute, expected, found in file.invalidAttribute(attribute, expected: expected, found: found) }
        }
        var score = Score.raw
        if version >= 3 {
            let stored = try file.requiredString("score")
            guard let read = Score(rawValue: stored) else {
                throw file.invalidAttribute("score", expected: Score.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or "),
                                            found: "\"\(stored)\"")
            }
            score = read
        }
        return Gallery(modelDigest: modelDigest, dimension: dimension, classes: classes, globalThreshold: globalThreshold, score: score)
    }

    /// The per-class fields version 3 added, each of `rows` entries.
    private static func readVersion3Fields(_ file: HDF5File, rows: Int) throws
        -> (viewCounts: [Int64], thresholdSources: [String], poolSizes: [Int64], poolWeights: [Double]) {
        (try file.requiredDataset(at: "/view_counts", shape: [rows]).read(as: Int64.self),
         try file.requiredDataset(at: "/threshold_sources", shape: [rows]).readStrings(),
         try file.requiredDataset(at: "/refinement_pool_sizes", shape: [rows]).read(as: Int64.self),
         try file.requiredDataset(at: "/refinement_pool_weights", shape: [rows]).read(as: Double.self))
    }

    /// The shot digests of each of the `rows` classes, in file order: none in a version 1 file.
    private static func readShotDigests(_ file: HDF5File, path: String, version: Int, rows: Int) throws -> [[String]] {
        var digests = [[String]](repeating: [], count: rows)
        guard version >= 2 else { return digests }
        var seen = [Set<String>](repeating: [], count: rows)
        let strings = try file.requiredDataset(at: "/shot_digests", shape: [nil]).readStrings()
        let owners = try file.requiredDataset(at: "/shot_digest_classes", shape: [strings.count]).read(as: Int64.self)
        for (index, (digest, owner)) in zip(strings, owners).enumerated() {
            guard (0..<Int64(rows)).contains(owner) else {
                throw StorageError(.invalidValue, filePath: path, field: "/shot_digest_classes",
                                   expected: "rows of /classes, 0..<\(rows)", found: "\(owner) in row \(index)")
            }
            guard !digest.isEmpty, seen[Int(owner)].insert(digest).inserted else {
                throw StorageError(.invalidValue, filePath: path, field: "/shot_digests",
                                   expected: "distinct non-empty digests per class", found: "\"\(digest)\" in row \(index)")
            }
            digests[Int(owner)].append(digest)
        }
        return digests
    }

    /// The threshold stored as a distance and two rates, NaN meaning none (for the distance)
    /// or not recorded (for a rate); `invalid(field, expected, found)` makes the error for a
    /// value out of range, given the name of the field (of `fields`) it comes from.
    private static func readThreshold(
        distance: Float, falseAcceptanceRate: Double, falseRejectionRate: Double,
        fields: (distance: String, falseAcceptanceRate: String, falseRejectionRate: String),
        invalid: (_ field: String, _ expected: String, _ found: String) -> StorageError
    ) throws -> Threshold? {
        guard !distance.isNaN else { return nil }
        guard distance.isFinite && distance >= 0 else {
            throw invalid(fields.distance, "a distance of 0 or more, or NaN for none", "\(distance)")
        }
        func rate(_ value: Double, _ field: String) throws -> Double? {
            guard !value.isNaN else { return nil }
            guard (0...1).contains(value) else { throw invalid(field, "a rate in [0, 1], or NaN for none", "\(value)") }
            return value
        }
        return Threshold(distance: distance,
                         falseAcceptanceRate: try rate(falseAcceptanceRate, fields.falseAcceptanceRate),
                         falseRejectionRate: try rate(falseRejectionRate, fields.falseRejectionRate))
    }
}
