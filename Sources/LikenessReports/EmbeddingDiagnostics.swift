import LikenessCore
import LikenessMetrics
import LikenessRecognition
import LikenessSearch

/// What the reports show of an embedding approach besides its answers: how well the embeddings
/// retrieve their own class among themselves, how far the samples lie from their own class's
/// prototype and from the others', the gallery's thresholds and shots, and how its one-shot
/// classes fare over other draws of their image.
public struct EmbeddingDiagnostics: Sendable, Equatable, Codable {
    /// The embeddings searched against themselves, each query left out, with the true labels.
    public let retrieval: RetrievalMetrics
    /// The distances of the samples to the gallery's prototypes.
    public let distances: DistanceHistograms
    /// The gallery's thresholds and shots.
    public let gallery: GallerySummary
    /// Its one-shot classes over other draws of their image; nil when not measured.
    public var oneShotRedraws: OneShotRedraws?

    public init(retrieval: RetrievalMetrics, distances: DistanceHistograms, gallery: GallerySummary) {
        self.retrieval = retrieval
        self.distances = distances
        self.gallery = gallery
    }

    /// The diagnostics of `embeddings` (`N × D`, one row per sample) of samples of classes
    /// `trueLabels` (`N`, indexing `classNames`), classified against `gallery` (classes matched
    /// by name).
    ///
    /// - Parameter binCount: the bins of the distance histograms, from 0 to the largest distance
    ///   or threshold rounded up to a fifth.
    /// - Throws: `NearestNeighbourError.nonFiniteValue` for a NaN or an infinity in `embeddings`.
    public init(embeddings: Tensor, trueLabels: [Int], classNames: [String], gallery: Gallery,
                binCount: Int = 40) throws(NearestNeighbourError) {
        precondition(embeddings.rank == 2 && embeddings.shape[0] == trueLabels.count,
                     "embeddings of shape \(embeddings.shape) for \(trueLabels.count) samples")
        retrieval = try RetrievalMetrics(embeddings: embeddings, labels: trueLabels, classNames: classNames)
        // What the thresholds are on: the distance, or the shot-adjusted distance (the gallery's score).
        let classifier = PrototypeClassifier(gallery: gallery)
        let distances = classifier.scores(distances: classifier.distances(embeddings))
        let rows = trueLabels.map { gallery.classNames.firstIndex(of: classNames[$0]) }
        let sets = ThresholdCalibration.distances(distances, labels: rows)
        self.gallery = GallerySummary(gallery)
        self.distances = DistanceHistograms(genuine: sets.genuine.map(Double.init), impostor: sets.impostor.map(Double.init),
                                            threshold: self.gallery.globalThreshold, binCount: binCount)
    }
}

/// Genuine distances (a sample to its own class's prototype) and impostor distances (a sample to
/// the prototype of another class, or of any class when its own is not enrolled), as
/// `ThresholdCalibration` splits them, counted in the same bins; every sample–prototype pair once.
public struct DistanceHistograms: Sendable, Equatable, Codable {
    public let genuine: Histogram
    public let impostor: Histogram
    /// The gallery's global threshold, drawn on the chart; nil when the gallery has none.
    public let threshold: Double?

    public init(genuine: Histogram, impostor: Histogram, threshold: Double?) {
        precondition(genuine.binEdges == impostor.binEdges, "genuine and impostor histograms of different bins")
        self.genuine = genuine
        self.impostor = impostor
        self.threshold = threshold
    }

    /// The histograms of `genuine` and `impostor` in `binCount` even bins from 0 to the largest
    /// distance or `threshold`, rounded up to a fifth (at least 0.2).
    public init(genuine: [Double], impostor: [Double], threshold: Double?, binCount: Int) {
        let largest = (genuine + impostor + [threshold ?? 0]).max() ?? 0
        let upper = max((largest * 5).rounded(.up) / 5, 0.2)
        let edges = Histogram.evenEdges(from: 0, to: upper, count: binCount)
        self.init(genuine: Histogram(values: genuine, binEdges: edges), impostor: Histogram(values: impostor, binEdges: edges),
                  threshold: threshold)
    }
}

/// The thresholds and shots of a gallery, as the reports list them.
public struct GallerySummary: Sendable, Equatable, Codable {
    /// One enrolled class.
    public struct EnrolledClass: Sendable, Equatable, Codable {
        public let name: String
        /// The images enrolled.
        public let shotCount: Int
        /// The class's own threshold distance; nil when it uses the global one.
        public let threshold: Double?
        /// The threshold distance in force: its own, else the global one; nil when there is none
        /// (the class answers whenever it is the nearest).
        public let thresholdInForce: Double?

        public init(name: String, shotCount: Int, threshold: Double?, thresholdInForce: Double?) {
            self.name = name
            self.shotCount = shotCount
            self.threshold = threshold
            self.thresholdInForce = thresholdInForce
        }
    }

    /// The global threshold distance; nil when the gallery has none.
    public let globalThreshold: Double?
    /// The enrolled classes, in enrolment order.
    public let classes: [EnrolledClass]

    public init(globalThreshold: Double?, classes: [EnrolledClass]) {
        self.globalThreshold = globalThreshold
        self.classes = classes
    }

    /// The summary of `gallery`.
    public init(_ gallery: Gallery) {
        self.init(globalThreshold: gallery.globalThreshold.map { Double($0.distance) },
                  classes: gallery.classes.map { enrolled in
                      EnrolledClass(name: enrolled.name, shotCount: enrolled.shotCount,
                                    threshold: enrolled.threshold.map { Double($0.distance) },
                                    thresholdInForce: gallery.threshold(forClass: enrolled.name).map { Double($0.distance) })
                  })
    }
}
