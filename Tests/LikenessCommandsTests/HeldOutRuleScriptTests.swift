import Foundation
import Testing
import _LikenessTestSupport

/// Benchmarks/heldout_rule.py applies PROTOCOL.md's held-out rule to `likeness-bench one-shot
/// --held-out` lines: the highest held-out mean recall among the weights whose known classes keep
/// the triplet reference's macro recall − 0.01, ties to the smaller, seeds joined across files.
@Suite struct HeldOutRuleScriptTests {
    static let script = repositoryRoot + "/Benchmarks/heldout_rule.py"

    /// The two figures the rule reads of one run, as the bench writes them (seeds and runs in the same order).
    func lines(weight: Float?, setting: String = "pool", seeds: [Int], novel: [Double], known: [Double]) throws -> String {
        let recipe = weight.map { "_supcon_init_distill\($0)" } ?? ""
        return try [("heldout_novel_recall", novel), ("heldout_known_macro_recall", known)].map { measure, runs in
            var line: [String: Any] = ["name": "oneshot\(recipe)_\(measure)", "seeds": seeds, "runs": runs,
                                       "value": runs.reduce(0, +) / Double(runs.count), "setting": setting,
                                       "loss": weight == nil ? "triplet" : "supcon"]
            if let weight { line["distill"] = "pool32.h5, weight \(weight), temperature 0.1, 128 pool images per step" }
            return String(decoding: try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]), as: UTF8.self)
        }.joined(separator: "\n") + "\n"
    }

    func choose(_ files: [String]) throws -> ProcessResult {
        let folder = try TemporaryFolder()
        let paths = try files.enumerated().map { index, text in
            let path = folder.file("run\(index).jsonl")
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        return try runProcess("python3", [Self.script] + paths)
    }

    @Test func theFloorExcludesAndATieGoesToTheSmallerWeight() throws {
        // Reference known 0.90 over seeds 0-2 and 3-5 in two files: floor 0.89.
        let first = try lines(weight: nil, seeds: [0, 1, 2], novel: [0.1, 0.1, 0.1], known: [0.90, 0.91, 0.89])
            + lines(weight: 0.3, seeds: [0, 1, 2], novel: [0.30, 0.31, 0.29], known: [0.92, 0.92, 0.92])
            + lines(weight: 0.5, seeds: [0, 1, 2], novel: [0.50, 0.50, 0.50], known: [0.88, 0.88, 0.88])
            + lines(weight: 0.7, seeds: [0, 1, 2], novel: [0.40, 0.40, 0.40], known: [0.90, 0.90, 0.90])
            + lines(weight: 1.0, seeds: [0, 1, 2], novel: [0.40, 0.40, 0.40], known: [0.89, 0.89, 0.89])
        let second = try lines(weight: nil, seeds: [3, 4, 5], novel: [0.1, 0.1, 0.1], known: [0.90, 0.90, 0.90])
            + lines(weight: 0.3, seeds: [3, 4, 5], novel: [0.30, 0.30, 0.30], known: [0.92, 0.92, 0.92])
            + lines(weight: 0.5, seeds: [3, 4, 5], novel: [0.50, 0.50, 0.50], known: [0.88, 0.88, 0.88])
            + lines(weight: 0.7, seeds: [3, 4, 5], novel: [0.40, 0.40, 0.40], known: [0.90, 0.90, 0.90])
            + lines(weight: 1.0, seeds: [3, 4, 5], novel: [0.40, 0.40, 0.40], known: [0.89, 0.89, 0.89])
        let result = try choose([first, second])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("known-6 0.9000 over seeds [0, 1, 2, 3, 4, 5] -> floor 0.8900"))
        #expect(result.standardOutput.contains("pool 0.5: held-out mean 0.5000"))
        #expect(result.standardOutput.contains("known-6 0.8800 (under the floor)"))
        #expect(result.standardOutput.contains("pool: the rule chooses 0.7\n"), "\(result.standardOutput)")
    }

    @Test func theSixSeedMeanDecides() throws {
        // On seeds 0-2 alone 0.7 leads; seeds 3-5 turn it to 0.3.
        let first = try lines(weight: nil, seeds: [0, 1, 2], novel: [0.1, 0.1, 0.1], known: [0.90, 0.90, 0.90])
            + lines(weight: 0.3, seeds: [0, 1, 2], novel: [0.38, 0.38, 0.38], known: [0.92, 0.92, 0.92])
            + lines(weight: 0.7, seeds: [0, 1, 2], novel: [0.39, 0.39, 0.39], known: [0.92, 0.92, 0.92])
        let onlyFirst = try choose([first])
        #expect(onlyFirst.standardOutput.contains("pool: the rule chooses 0.7\n"))
        let second = try lines(weight: nil, seeds: [3, 4, 5], novel: [0.1, 0.1, 0.1], known: [0.90, 0.90, 0.90])
            + lines(weight: 0.3, seeds: [3, 4, 5], novel: [0.40, 0.40, 0.40], known: [0.92, 0.92, 0.92])
            + lines(weight: 0.7, seeds: [3, 4, 5], novel: [0.37, 0.37, 0.37], known: [0.92, 0.92, 0.92])
        let both = try choose([first, second])
        #expect(both.status == 0)
        #expect(both.standardOutput.contains("pool 0.3: held-out mean 0.3900"))
        #expect(both.standardOutput.contains("pool: the rule chooses 0.3\n"), "\(both.standardOutput)")
    }

    @Test func aSeedMeasuredTwiceDifferentlyOrMissingIsRefused() throws {
        let reference = try lines(weight: nil, seeds: [0, 1], novel: [0.1, 0.1], known: [0.90, 0.90])
        let twice = try choose([reference + lines(weight: 0.3, seeds: [0, 1], novel: [0.3, 0.3], known: [0.92, 0.92]),
                                lines(weight: 0.3, seeds: [1], novel: [0.4], known: [0.92])])
        #expect(twice.status != 0)
        #expect(twice.standardError.contains("seed 1 of oneshot_supcon_init_distill0.3_heldout_novel_recall measured twice, differently"))
        let missing = try choose([reference + lines(weight: 0.3, seeds: [0], novel: [0.3], known: [0.92])])
        #expect(missing.status == 1)
        #expect(missing.standardOutput.contains("seeds differ from the reference's [0, 1]: not a candidate"))
        #expect(missing.standardOutput.contains("pool: the rule chooses nothing"))
    }
}
