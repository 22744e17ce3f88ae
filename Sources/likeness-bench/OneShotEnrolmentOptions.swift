import ArgumentParser
import Likeness

/// How `one-shot` enrols the novel classes' shots, as `likeness one-shot` takes it.
struct OneShotEnrolmentOptions: ParsableArguments {
    @Option(help: ArgumentHelp("One-shot: enrol each shot with N mild augmented views of it averaged into the prototype.", valueName: "N"))
    var augmentShots = 0

    @Option(help: ArgumentHelp("One-shot: the score nearest-prototype decisions use, raw or shot-adjusted.", valueName: "score"))
    var score = Gallery.defaultScore

    @Option(help: ArgumentHelp("One-shot: also measure the draws with the novel prototypes refined from the protocol's unlabelled pool, fashion-mnist:pool (the 55,000 non-validation training images), reported apart (oneshot_refined_*).",
                               valueName: "dataset"))
    var refineWith: String?

    /// The one pool the protocol has.
    static let pool = "fashion-mnist:pool"

    func validate() throws {
        guard (0...1000).contains(augmentShots) else { throw ValidationError("--augment-shots takes 0 to 1000 views per image, not \(augmentShots).") }
        if let refineWith, refineWith != Self.pool {
            throw ValidationError("--refine-with: likeness-bench refines from the protocol's unlabelled pool, \(Self.pool), never the test set; "
                                  + "for '\(refineWith)' run likeness one-shot --refine-with.")
        }
    }

    var enrolment: ShotEnrolment { ShotEnrolment(augmentedViews: augmentShots, score: score) }

    var arguments: [String] {
        ["--augment-shots", "\(augmentShots)", "--score", score.rawValue] + (refineWith.map { ["--refine-with", $0] } ?? [])
    }

    var details: [String: Any] { ["augment_shots": augmentShots, "score": score.rawValue] }
}
