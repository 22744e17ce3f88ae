import LikenessCore
import Foundation

/// Shows training on standard error: a `ProgressBar` per epoch with the running loss and the
/// ETA of the epoch and of the whole run, then the epoch's summary (loss, statistics,
/// validation score), warnings and early stops.
public final class ConsoleTrainingObserver: TrainingObserver {
    private var progress: ProgressBar?
    private let output: FileHandle
    /// When the first epoch this process trains started, and its number.
    private var runStart: (date: Date, epoch: Int)?

    /// - Parameter output: where progress is shown (standard error).
    public init(output: FileHandle = .standardError) {
        self.output = output
    }

    public func observe(_ event: TrainingEvent) {
        switch event {
        case let .epochStarted(epoch, epochs, images):
            let start = runStart ?? (Date(), epoch)
            runStart = start
            let run = ProgressBar.RunStage(start: start.date, done: epoch - start.epoch, remaining: max(epochs - epoch + 1, 1))
            progress = ProgressBar("epoch \(epoch)/\(epochs)", total: images, unit: "images", run: run, output: output)
        case let .batchEnded(_, _, images, meanLoss):
            progress?.advance(by: images, note: "loss \(Self.format(meanLoss, 4))")
        case let .epochEnded(report, _, isBest, scoreName):
            progress?.finish(note: Self.summary(report, isBest: isBest, scoreName: scoreName))
            progress = nil
        case let .warning(epoch, message):
            say("warning: epoch \(epoch): \(message)")
        case let .stoppedEarly(afterEpoch, bestEpoch, patience):
            say("early stop after epoch \(afterEpoch): no better validation score in the \(patience) epochs since epoch \(bestEpoch)")
        case .keptEpoch:
            break  // the caller reports the epoch its whole run kept
        case .stopped:
            progress?.finish(note: "stopped")
            progress = nil
        }
    }

    private func say(_ line: String) {
        output.write(Data((line + "\n").utf8))
    }

    /// `loss 0.1234 · active 12.5% · … · validation recall@1 0.9100 (best)` (the bar shows the rate).
    static func summary(_ report: EpochReport, isBest: Bool, scoreName: String?) -> String {
        var parts = ["loss \(format(report.meanLoss, 4))"]
        let s = report.statistics
        if let active = s[TripletLoss.Statistic.activeFraction] { parts.append("active \(format(100 * active, 1))%") }
        if let p = s[TripletLoss.Statistic.positiveDistance], let n = s[TripletLoss.Statistic.negativeDistance] {
            parts.append("d(a,p) \(format(p, 3)) d(a,n) \(format(n, 3))")
        }
        if let mass = s[ContrastiveStep.Statistic.positiveMass] { parts.append("positive mass \(format(mass, 3))") }
        if let distillation = s[EmbeddingStep.Statistic.distillation] { parts.append("distillation \(format(distillation, 4))") }
        if let spread = s[EmbeddingStep.Statistic.spread] { parts.append("spread \(format(spread, 3))") }
        if let score = report.validationScore {
            parts.append("validation \(scoreName ?? "score") \(format(score, 4))\(isBest ? " (best)" : "")")
        }
        if let untrained = s[ValidationScore.Statistic.untrainedClassRecall] {
            parts.append("untrained classes \(format(untrained, 4))")
        }
        return parts.joined(separator: " · ")
    }

    static func format(_ value: some BinaryFloatingPoint, _ digits: Int) -> String {
        String(format: "%.\(digits)f", Double(value))
    }
}
