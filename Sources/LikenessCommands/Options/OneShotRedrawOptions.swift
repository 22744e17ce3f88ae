import ArgumentParser

/// `compare`'s one-shot redraws: the classes the embedding model never saw and the gallery enrols,
/// each enrolled afresh from one image of `--shots` in each of `--one-shot-draws` draws
/// (`OneShotRedraws`), so that the report says how much of their recall is the luck of the shot.
struct OneShotRedrawOptions: ParsableArguments {
    @Option(name: .customLong("one-shot-draws"), parsing: .unconditional,
            help: ArgumentHelp("Measure the one-shot classes (novel for the embedding model, enrolled in the gallery) over this many draws of their one image from --shots: recall and false-accept rate with the gallery's thresholds, beside the softmax head's.",
                               valueName: "n"))
    var draws: Int?

    @Option(help: ArgumentHelp("The labelled images each one-shot class's image is drawn from (not the compared images), e.g. fashion-mnist:validation.",
                               valueName: "dataset"))
    var shots: String?

    /// The largest number of draws: each classifies every compared image once.
    static let maximumDraws = 1000

    func validate() throws {
        switch (draws, shots) {
        case (nil, nil): return
        case (nil, _?): throw ValidationError("--shots needs --one-shot-draws: say how many draws of the one-shot classes' image to measure.")
        case (_?, nil): throw ValidationError("--one-shot-draws needs --shots: the labelled images to draw the one-shot classes' image from (e.g. fashion-mnist:validation).")
        case (let draws?, _?):
            guard (1...Self.maximumDraws).contains(draws) else {
                throw ValidationError("--one-shot-draws must lie in 1…\(Self.maximumDraws), not \(draws).")
            }
        }
    }
}
