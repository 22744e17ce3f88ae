import Foundation
import Likeness

/// What the demo writes to `imbalance.json`: FMNIST-LT's class counts, and the counts each
/// resampling remedy makes of them with imbalanced-learn's `auto` strategy (every class but the
/// largest grown to it, or every class but the smallest cut to it).
struct ImbalanceSummary: Encodable {
    struct Resampled: Encodable {
        var randomOver: [Int]
        var randomUnder: [Int]
        var smote: [Int]
    }

    var dataset = "fmnist-lt"
    var classNames: [String]
    var before: [Int]
    var after: Resampled

    /// Builds FMNIST-LT from the training file in `directory` and resamples it three ways.
    init(directory: String, seed: UInt64) throws {
        let train = try FashionMNIST.load(split: .train, directory: directory)
        let longTail = try FashionMNIST.longTailIndices(labels: train.labels)
        let classCount = train.classNames.count
        classNames = train.classNames
        before = train.classCounts(of: longTail)
        let over = try RandomOverSampler(strategy: .auto, seed: seed).resample(labels: train.labels, classCount: classCount, indices: longTail)
        let under = try RandomUnderSampler(strategy: .auto, seed: seed).resample(labels: train.labels, classCount: classCount, indices: longTail)
        let smote = try SMOTE(strategy: .auto, seed: seed).resample(train.subset(longTail))
        after = Resampled(randomOver: train.classCounts(of: over), randomUnder: train.classCounts(of: under), smote: smote.classCounts)
    }

    /// The counts as a table, one class per row.
    var table: String {
        let columns = [("FMNIST-LT", before), ("random over", after.randomOver), ("random under", after.randomUnder), ("SMOTE", after.smote)]
        func cell(_ s: String) -> String { String(repeating: " ", count: max(0, 13 - s.count)) + s }
        var lines = ["class       " + columns.map { cell($0.0) }.joined()]
        for (c, name) in classNames.enumerated() {
            lines.append(name.padding(toLength: 12, withPad: " ", startingAt: 0) + columns.map { cell(String($0.1[c])) }.joined())
        }
        lines.append("total       " + columns.map { cell(String($0.1.reduce(0, +))) }.joined())
        let ratio = Double(before.max() ?? 0) / Double(max(before.min() ?? 1, 1))
        lines.append(String(format: "imbalance ratio (largest / smallest class) %.0f", ratio))
        return lines.joined(separator: "\n")
    }
}
