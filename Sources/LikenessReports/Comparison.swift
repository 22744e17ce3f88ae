import LikenessMetrics

/// Two or more classifiers measured on the same labelled samples: what `likeness compare` reports.
///
/// Every approach answers every sample; `approaches[a]` holds approach `a`'s
/// ``ClassificationReport``, and each of `samples` holds, in the same approach order, its answer
/// (a class index, or nil for "unknown") and its `C` scores (higher = more likely the class),
/// `C = classNames.count`. Differences in the reports are "later approach − first approach".
///
/// Written as ``markdown``, ``html`` and ``jsonData()``, or all three by ``writeReports(toFolder:)``.
public struct Comparison: Sendable, Equatable, Codable {
    /// What the samples are.
    public struct DatasetDescription: Sendable, Equatable, Codable {
        /// A name for people, e.g. "Fashion-MNIST test (t10k)".
        public var name: String
        /// Where the samples came from (a path or a dataset specification), when known.
        public var source: String?

        public init(name: String, source: String? = nil) {
            self.name = name
            self.source = source
        }
    }

    public let dataset: DatasetDescription
    public let classNames: [String]
    public let approaches: [ComparedApproach]
    /// One entry per sample, in the order the reports were computed on.
    public let samples: [ComparedSample]
    /// The command that made the comparison (`likeness compare …`), when known.
    public let commandLine: String?

    /// The comparison of `approaches` (at least one; the renderers show differences from the
    /// first) on `samples`.
    ///
    /// Every report must have `classNames.count` classes of these names and `samples.count`
    /// samples; every sample an answer and a score row of `classNames.count` scores per approach.
    public init(dataset: DatasetDescription, classNames: [String], approaches: [ComparedApproach],
                samples: [ComparedSample], commandLine: String? = nil) {
        if let problem = Self.inconsistency(classNames: classNames, approaches: approaches, samples: samples) {
            preconditionFailure(problem)
        }
        self.dataset = dataset
        self.classNames = classNames
        self.approaches = approaches
        self.samples = samples
        self.commandLine = commandLine
    }

    /// The comparison of the answers and scores of `approaches` on the samples `sampleIDs` with
    /// true classes `trueLabels` (each `N` long), the reports computed here.
    ///
    /// - Parameters:
    ///   - operatingTargets: thresholds to choose on every approach's scores, each for one class
    ///     against the rest; a target no threshold reaches is kept with no point.
    ///   - keepingCurves: whether the reports keep their ROC and precision-recall curves (needed
    ///     for the HTML page's ROC and precision-recall charts; about `3 N` numbers per class and approach).
    ///   - mistakeCount: the wrong answers kept per approach as its worst mistakes.
    ///   - commandLine: the command that made the comparison, for the reports.
    /// - Throws: `MetricsError.nonFiniteScore` for a NaN or infinite score.
    public init(dataset: DatasetDescription, classNames: [String], sampleIDs: [String], trueLabels: [Int],
                approaches: [ApproachOutputs], operatingTargets: [OperatingTarget] = [],
                keepingCurves: Bool = true, mistakeCount: Int = 8, commandLine: String? = nil) throws(MetricsError) {
        precondition(sampleIDs.count == trueLabels.count, "\(sampleIDs.count) sample ids for \(trueLabels.count) true labels")
        for outputs in approaches {
            precondition(outputs.predictedLabels.count == trueLabels.count && outputs.scores.count == trueLabels.count,
                         "\(outputs.name): \(outputs.predictedLabels.count) answers and \(outputs.scores.count) score rows for \(trueLabels.count) samples")
            precondition(outputs.novelClasses.allSatisfy(classNames.indices.contains),
                         "\(outputs.name): novel classes \(outputs.novelClasses.sorted()) outside 0..<\(classNames.count)")
        }
        for request in operatingTargets {
            precondition(classNames.indices.contains(request.classIndex), "operating point for class \(request.classIndex) of \(classNames.count)")
        }
        var compared: [ComparedApproach] = []
        for outputs in approaches {
            let report = try ClassificationReport(
                trueLabels: trueLabels, predictedLabels: outputs.predictedLabels, scores: outputs.scores,
                classNames: classNames, novelClasses: outputs.novelClasses, keepingCurves: keepingCurves)
            var points: [ComparedOperatingPoint] = []
            for request in operatingTargets {
                let point = try OperatingPoint(reaching: request.target, forClass: request.classIndex,
                                               trueLabels: trueLabels, scores: outputs.scores)
                points.append(ComparedOperatingPoint(classIndex: request.classIndex, target: request.target, point: point))
            }
            compared.append(ComparedApproach(
                name: outputs.name, modelFile: outputs.modelFile, scoreDescription: outputs.scoreDescription, report: report,
                operatingPoints: points, novelty: outputs.novelty, embedding: outputs.embedding,
                topProbability: outputs.scoresAreProbabilities
                    ? TopProbabilityHistograms(trueLabels: trueLabels, predictedLabels: outputs.predictedLabels, scores: outputs.scores)
                    : nil,
                worstMistakes: ComparedMistake.worst(mistakeCount, sampleIDs: sampleIDs, trueLabels: trueLabels,
                                                     predictedLabels: outputs.predictedLabels, scores: outputs.scores)))
        }
        let samples = trueLabels.indices.map { i in
            ComparedSample(id: sampleIDs[i], trueLabel: trueLabels[i],
                           predictedLabels: approaches.map { $0.predictedLabels[i] },
                           scores: approaches.map { $0.scores[i] })
        }
        self.init(dataset: dataset, classNames: classNames, approaches: compared, samples: samples, commandLine: commandLine)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        dataset = try container.decode(DatasetDescription.self, forKey: .dataset)
        classNames = try container.decode([String].self, forKey: .classNames)
        approaches = try container.decode([ComparedApproach].self, forKey: .approaches)
        samples = try container.decode([ComparedSample].self, forKey: .samples)
        commandLine = try container.decodeIfPresent(String.self, forKey: .commandLine)
        if let problem = Self.inconsistency(classNames: classNames, approaches: approaches, samples: samples) {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: problem))
        }
    }

    /// What makes the parts disagree with one another, in words; nil when they agree.
    static func inconsistency(classNames: [String], approaches: [ComparedApproach], samples: [ComparedSample]) -> String? {
        let classCount = classNames.count
        guard classCount > 0 else { return "a comparison needs at least one class" }
        guard !approaches.isEmpty else { return "a comparison needs at least one approach" }
        guard !samples.isEmpty else { return "a comparison needs at least one sample" }
        for approach in approaches {
            let names = approach.report.classes.map(\.name)
            guard names == classNames else {
                return "approach \"\(approach.name)\": report classes \(names), expected \(classNames)"
            }
            guard approach.report.sampleCount == samples.count else {
                return "approach \"\(approach.name)\": report on \(approach.report.sampleCount) samples, expected \(samples.count)"
            }
            if let bad = approach.operatingPoints.first(where: { !classNames.indices.contains($0.classIndex) }) {
                return "approach \"\(approach.name)\": operating point for class \(bad.classIndex), expected 0..<\(classCount)"
            }
            for mistake in approach.worstMistakes ?? [] {
                guard samples.indices.contains(mistake.sampleIndex), classNames.indices.contains(mistake.trueLabel),
                      classNames.indices.contains(mistake.predictedLabel) else {
                    return "approach \"\(approach.name)\": mistake on sample \(mistake.sampleIndex) (\(mistake.trueLabel) taken for \(mistake.predictedLabel)), expected a sample in 0..<\(samples.count) and classes in 0..<\(classCount)"
                }
            }
            if let top = approach.topProbability, top.right.binEdges != top.wrong.binEdges {
                return "approach \"\(approach.name)\": right and wrong top-probability histograms of different bins"
            }
            if let distances = approach.embedding?.distances, distances.genuine.binEdges != distances.impostor.binEdges {
                return "approach \"\(approach.name)\": genuine and impostor distance histograms of different bins"
            }
            if let retrieval = approach.embedding?.retrieval, retrieval.classes.map(\.name) != classNames {
                return "approach \"\(approach.name)\": retrieval classes \(retrieval.classes.map(\.name)), expected \(classNames)"
            }
        }
        for (i, sample) in samples.enumerated() {
            let place = "sample \(i) (\(sample.id))"
            guard classNames.indices.contains(sample.trueLabel) else {
                return "\(place): true label \(sample.trueLabel), expected 0..<\(classCount)"
            }
            guard sample.predictedLabels.count == approaches.count, sample.scores.count == approaches.count else {
                return "\(place): \(sample.predictedLabels.count) answers and \(sample.scores.count) score rows, expected \(approaches.count) (one per approach)"
            }
            if let bad = sample.predictedLabels.compactMap({ $0 }).first(where: { !classNames.indices.contains($0) }) {
                return "\(place): answer \(bad), expected 0..<\(classCount) or unknown"
            }
            if let bad = sample.scores.first(where: { $0.count != classCount }) {
                return "\(place): \(bad.count) scores, expected \(classCount) (one per class)"
            }
        }
        return nil
    }
}

/// One classifier of a ``Comparison``.
public struct ComparedApproach: Sendable, Equatable, Codable {
    /// A name for people, e.g. "softmax · focal loss" or "embedding · nearest prototype".
    public let name: String
    /// The model file the answers came from.
    public let modelFile: String
    /// What the scores are, e.g. "softmax probability" or "minus the distance to the class prototype".
    public let scoreDescription: String?
    /// The approach's measures; classes it never saw in training are flagged `isNovel`.
    public let report: ClassificationReport
    /// Thresholds chosen on the approach's scores, each for one class against the rest.
    public let operatingPoints: [ComparedOperatingPoint]
    /// Why its novel classes are novel to it, in the reports' words.
    public let novelty: Novelty
    /// For an embedding approach: retrieval measures, distance histograms, the gallery's thresholds and shots.
    public let embedding: EmbeddingDiagnostics?
    /// For an approach whose scores are probabilities: the top probability of right and wrong answers.
    public let topProbability: TopProbabilityHistograms?
    /// Its wrong answers of highest score, highest first; nil in reports written before they were kept.
    public let worstMistakes: [ComparedMistake]?

    public init(name: String, modelFile: String, scoreDescription: String? = nil, report: ClassificationReport,
                operatingPoints: [ComparedOperatingPoint] = [], novelty: Novelty = .enrolledOneShot,
                embedding: EmbeddingDiagnostics? = nil, topProbability: TopProbabilityHistograms? = nil,
                worstMistakes: [ComparedMistake]? = nil) {
        self.name = name
        self.modelFile = modelFile
        self.scoreDescription = scoreDescription
        self.report = report
        self.operatingPoints = operatingPoints
        self.novelty = novelty
        self.embedding = embedding
        self.topProbability = topProbability
        self.worstMistakes = worstMistakes
    }

    /// The classes the approach never saw in training (enrolled one-shot, say), increasing.
    public var novelClasses: [Int] { report.classes.indices.filter { report.classes[$0].isNovel } }
}

extension ComparedApproach {
    /// Decodes an approach of report.json; one written before `novelty` existed reads as
    /// `.enrolledOneShot`, the only words those reports had, and one written before the
    /// diagnostics and mistakes existed without them.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try container.decode(String.self, forKey: .name),
                  modelFile: try container.decode(String.self, forKey: .modelFile),
                  scoreDescription: try container.decodeIfPresent(String.self, forKey: .scoreDescription),
                  report: try container.decode(ClassificationReport.self, forKey: .report),
                  operatingPoints: try container.decode([ComparedOperatingPoint].self, forKey: .operatingPoints),
                  novelty: try container.decodeIfPresent(Novelty.self, forKey: .novelty) ?? .enrolledOneShot,
                  embedding: try container.decodeIfPresent(EmbeddingDiagnostics.self, forKey: .embedding),
                  topProbability: try container.decodeIfPresent(TopProbabilityHistograms.self, forKey: .topProbability),
                  worstMistakes: try container.decodeIfPresent([ComparedMistake].self, forKey: .worstMistakes))
    }
}

/// What one approach answered on a labelled set: the input of ``Comparison``'s initialiser.
public struct ApproachOutputs: Sendable {
    public var name: String
    public var modelFile: String
    public var scoreDescription: String?
    /// `N` answers in `0..<C`, or nil for "unknown".
    public var predictedLabels: [Int?]
    /// `N` rows of `C` scores, higher = more likely the class.
    public var scores: [[Double]]
    /// Classes the approach never saw in training.
    public var novelClasses: Set<Int>
    /// Why they are novel to it.
    public var novelty: Novelty
    /// Whether the scores are probabilities (a softmax): the reports then show the top probability
    /// of right and wrong answers.
    public var scoresAreProbabilities: Bool
    /// For an embedding approach, what the reports show of its embeddings and gallery.
    public var embedding: EmbeddingDiagnostics?

    public init(name: String, modelFile: String, scoreDescription: String? = nil, predictedLabels: [Int?],
                scores: [[Double]], novelClasses: Set<Int> = [], novelty: Novelty = .enrolledOneShot,
                scoresAreProbabilities: Bool = false, embedding: EmbeddingDiagnostics? = nil) {
        self.name = name
        self.modelFile = modelFile
        self.scoreDescription = scoreDescription
        self.predictedLabels = predictedLabels
        self.scores = scores
        self.novelClasses = novelClasses
        self.novelty = novelty
        self.scoresAreProbabilities = scoresAreProbabilities
        self.embedding = embedding
    }
}

/// Why an approach's novel classes are novel to it: the words the reports use (`novelty` in JSON).
public enum Novelty: String, Sendable, Equatable, Codable {
    /// A classifier with no training image of the class, or no output for it: it cannot answer it.
    case notTrainedOn = "not trained on"
    /// An embedding model with no training image of the class, which its gallery enrols from a few shots.
    case enrolledOneShot = "enrolled one-shot"

    /// The sentence that heads the novel classes of the approach lettered `letter`.
    func heading(letter: String) -> String {
        switch self {
        case .notTrainedOn: "\(letter) was not trained on these classes: it cannot answer them."
        case .enrolledOneShot: "Never seen by \(letter) in training: enrolled one-shot."
        }
    }
}

/// A threshold to choose on each approach's scores of one class against the rest.
public struct OperatingTarget: Sendable, Equatable {
    public var classIndex: Int
    public var target: OperatingPoint.Target

    public init(classIndex: Int, target: OperatingPoint.Target) {
        self.classIndex = classIndex
        self.target = target
    }
}

/// A threshold chosen on one approach's scores for class `classIndex` against the rest.
///
/// In JSON the target is two plain fields, `target_measure` ("recall" or "precision") and
/// `target_value`; `point` is null when no threshold reaches the target.
public struct ComparedOperatingPoint: Sendable, Equatable, Codable {
    public let classIndex: Int
    public let target: OperatingPoint.Target
    /// The chosen point; nil when no observed score reaches the target.
    public let point: OperatingPoint?

    public init(classIndex: Int, target: OperatingPoint.Target, point: OperatingPoint?) {
        self.classIndex = classIndex
        self.target = target
        self.point = point
    }

    enum CodingKeys: String, CodingKey {
        case classIndex, targetMeasure, targetValue, point
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(classIndex, forKey: .classIndex)
        switch target {
        case .recall(let value):
            try container.encode("recall", forKey: .targetMeasure)
            try container.encode(value, forKey: .targetValue)
        case .precision(let value):
            try container.encode("precision", forKey: .targetMeasure)
            try container.encode(value, forKey: .targetValue)
        }
        try container.encode(point, forKey: .point)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        classIndex = try container.decode(Int.self, forKey: .classIndex)
        let value = try container.decode(Double.self, forKey: .targetValue)
        switch try container.decode(String.self, forKey: .targetMeasure) {
        case "recall": target = .recall(value)
        case "precision": target = .precision(value)
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .targetMeasure, in: container,
                                                   debugDescription: "expected \"recall\" or \"precision\", found \"\(other)\"")
        }
        point = try container.decodeIfPresent(OperatingPoint.self, forKey: .point)
    }
}

/// One sample of a ``Comparison`` and every approach's answer to it.
public struct ComparedSample: Sendable, Equatable, Codable {
    /// The sample's id in its dataset (a file path or an index).
    public let id: String
    public let trueLabel: Int
    /// One answer per approach, in the comparison's approach order: a class index, or nil for "unknown".
    public let predictedLabels: [Int?]
    /// One row of `C` scores per approach, in the comparison's approach order.
    public let scores: [[Double]]

    public init(id: String, trueLabel: Int, predictedLabels: [Int?], scores: [[Double]]) {
        self.id = id
        self.trueLabel = trueLabel
        self.predictedLabels = predictedLabels
        self.scores = scores
    }
}
