import Foundation
import LikenessData
import LikenessFiles
import Testing

@Suite struct ProfileTests {
    let balanced = [Int](repeating: 1000, count: 10)

    @Test func fmnistLTCountsFollowTheFormula() throws {
        let counts = try FashionMNIST.longTailProfile.classCounts(available: [Int](repeating: 5500, count: 10))
        let formula = FashionMNIST.longTailProportions.map { Int((5500 * $0 / 0.36).rounded()) }
        #expect(counts == formula)
        #expect(counts == [2139, 3056, 871, 5500, 764, 15, 153, 31, 229, 2521])
    }

    @Test func exponentialProfileFallsByTheRatio() throws {
        let profile = ImbalanceProfile(name: "exp", shape: .exponential(ratio: 100))
        let counts = try profile.classCounts(available: balanced)
        #expect(counts.first == 1000 && counts.last == 10)
        for c in 0..<10 {
            #expect(counts[c] == Int((1000 * pow(100, -Double(c) / 9)).rounded()))
        }
        #expect(zip(counts, counts.dropFirst()).allSatisfy { $0 > $1 })
    }

    @Test func defaultMaxCountIsTheLargestEveryClassAllows() throws {
        // Fractions 1, 10^(-1/2), 1/10: class 2's 3 images allow n_max = 30 at most.
        let counts = try ImbalanceProfile(name: "exp", shape: .exponential(ratio: 10)).classCounts(available: [100, 100, 3])
        #expect(counts == [30, 9, 3])
        let scaled = try ImbalanceProfile(name: "c", shape: .counts([40, 10, 2]), maxCount: 20).classCounts(available: [50, 50, 50])
        #expect(scaled == [20, 5, 1])
    }

    @Test func stepProfileReducesTheLastHalf() throws {
        let counts = try ImbalanceProfile(name: "step", shape: .step(ratio: 10, minorityClasses: nil), maxCount: 800)
            .classCounts(available: balanced)
        #expect(counts == [800, 800, 800, 800, 800, 80, 80, 80, 80, 80])
        let chosen = try ImbalanceProfile(name: "step", shape: .step(ratio: 4, minorityClasses: [2]))
            .classCounts(available: [30, 50, 40])
        #expect(chosen == [30, 30, 8])
    }

    @Test func binaryProfileKeepsTwoClassesAtTheRatio() throws {
        let profile = ImbalanceProfile(name: "4:1", shape: .binary(ratio: 4, majorityClass: 7, minorityClass: 5))
        let counts = try profile.classCounts(available: balanced)
        #expect(counts[7] == 1000 && counts[5] == 250)
        #expect(counts.enumerated().allSatisfy { $0.offset == 5 || $0.offset == 7 || $0.element == 0 })
        // Limited by the minority's images: 100 × 4 = 400.
        let limited = try profile.classCounts(available: [1000, 1000, 1000, 1000, 1000, 100, 1000, 1000, 1000, 1000])
        #expect(limited[7] == 400 && limited[5] == 100)
    }

    @Test func applyingAProfileGivesIndicesWithTheCounts() throws {
        let labels = (0..<300).map { $0 % 3 }
        let profile = ImbalanceProfile(name: "c", shape: .counts([50, 10, 2]))
        let first = try profile.apply(labels: labels, classCount: 3)
        #expect((0..<3).map { c in first.filter { labels[$0] == c }.count } == [50, 10, 2])
        #expect(first.filter { labels[$0] == 2 } == [2, 5])
        let random = try profile.apply(labels: labels, classCount: 3, selection: .random(seed: 4))
        #expect((0..<3).map { c in random.filter { labels[$0] == c }.count } == [50, 10, 2])
        #expect(random != first)
        #expect(random == (try profile.apply(labels: labels, classCount: 3, selection: .random(seed: 4))))
        let pool = Array(150..<300)
        let pooled = try profile.apply(labels: labels, classCount: 3, pool: pool)
        #expect(pooled.allSatisfy { $0 >= 150 } && pooled.count == 62)
    }

    @Test func profileErrorsNameTheProblem() {
        #expect(throws: ImbalanceProfileError.classCountMismatch(profile: "c", expected: 10, found: 3)) {
            try ImbalanceProfile(name: "c", shape: .counts([1, 2, 3])).classCounts(available: balanced)
        }
        #expect(throws: ImbalanceProfileError.notEnoughImages(profile: "c", classIndex: 1, requested: 2000, available: 1000)) {
            try ImbalanceProfile(name: "c", shape: .counts([1, 2000, 3, 0, 0, 0, 0, 0, 0, 0])).classCounts(available: balanced)
        }
        #expect(throws: ImbalanceProfileError.unknownClass(profile: "b", classIndex: 12, classCount: 10)) {
            try ImbalanceProfile(name: "b", shape: .binary(ratio: 2, majorityClass: 0, minorityClass: 12)).classCounts(available: balanced)
        }
    }

    @Test func shippedFMNISTLTProfileIsTheBuiltInOne() throws {
        let profile = try ImbalanceProfile(contentsOf: repositoryRoot + "/Datasets/profiles/fmnist-lt.json")
        #expect(profile == FashionMNIST.longTailProfile)
    }

    @Test func everyShippedProfileLoads() throws {
        let folder = repositoryRoot + "/Datasets/profiles"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json") }
        #expect(files.count >= 3)
        for file in files {
            let profile = try ImbalanceProfile(contentsOf: "\(folder)/\(file)")
            #expect(profile.name + ".json" == file)
        }
    }

    @Test func profileJSONKinds() throws {
        func parse(_ text: String) throws -> ImbalanceProfile {
            try ImbalanceProfile(json: Data(text.utf8), file: "p.json", defaultName: "p")
        }
        #expect(try parse(#"{"kind": "counts", "counts": [3, 2, 1]}"#) == ImbalanceProfile(name: "p", shape: .counts([3, 2, 1])))
        #expect(try parse(#"{"kind": "exponential", "ratio": 50, "max_count": 400}"#)
                == ImbalanceProfile(name: "p", shape: .exponential(ratio: 50), maxCount: 400))
        #expect(try parse(#"{"kind": "step", "ratio": 10, "minority_classes": [1, 2]}"#)
                == ImbalanceProfile(name: "p", shape: .step(ratio: 10, minorityClasses: [1, 2])))
        #expect(try parse(#"{"name": "bin", "kind": "binary", "ratio": 4}"#)
                == ImbalanceProfile(name: "bin", shape: .binary(ratio: 4, majorityClass: 0, minorityClass: 1)))
        #expect(try parse(#"{"kind": "proportions", "proportions": [0.5, 0.25]}"#)
                == ImbalanceProfile(name: "p", shape: .proportions([0.5, 0.25])))
    }

    @Test func profileJSONErrorsNameTheField() throws {
        func error(_ text: String) -> DatasetFileError? {
            datasetFileError { _ = try ImbalanceProfile(json: Data(text.utf8), file: "bad.json") }
        }
        #expect(error(#"{"kind": "exponential"}"#) == .invalidField(
            file: "bad.json", field: "ratio", expected: "a number of at least 1 (majority : minority)",
            found: "nothing (the field is absent)"))
        #expect(error(#"{"kind": "exponential", "ratio": 0.5}"#)?.file == "bad.json")
        guard case .invalidField(_, "kind", _, "\"zipf\"") = error(#"{"kind": "zipf"}"#) else {
            Issue.record("unknown kind not reported")
            return
        }
        guard case .invalidField(_, "proportions.1", _, _) = error(#"{"kind": "proportions", "proportions": [0.5, "x"]}"#) else {
            Issue.record("bad proportion not reported")
            return
        }
        guard case .invalidField(_, "proportions.3", _, _) = error(#"{"kind": "proportions", "proportions": {"0": 1, "3": 2}}"#) else {
            Issue.record("gap in the keyed proportions not reported")
            return
        }
        guard case .invalidField(_, "ratoi", _, "an unknown field") = error(#"{"kind": "step", "ratio": 2, "ratoi": 3}"#) else {
            Issue.record("unknown field not reported")
            return
        }
        guard case .invalidField(_, "ratio", _, _) = error(#"{"kind": "step", "ratio": true}"#) else {
            Issue.record("boolean ratio not refused")
            return
        }
        guard case .invalidField(_, "JSON text", _, _) = error("{kind") else {
            Issue.record("malformed JSON not reported")
            return
        }
        let missing = datasetFileError { _ = try ImbalanceProfile(contentsOf: "/nonexistent/p.json") }
        #expect(missing == .missing(file: "/nonexistent/p.json"))
    }
}
