/// The splits of the project's benchmark protocol (PROTOCOL.md), as index lists into the
/// Fashion-MNIST training file.
extension FashionMNIST {
    /// The number of images of each class kept aside for validation.
    public static let validationImagesPerClass = 500

    /// The validation split: the last 500 images of each class in the training file, in
    /// file order (5,000 images, balanced). Never trained on.
    ///
    /// - Parameter labels: the training file's labels (`load(split: .train).labels`).
    public static func validationIndices(labels: [Int]) -> [Int] {
        classMembers(labels: labels, classCount: classNames.count)
            .flatMap { $0.suffix(validationImagesPerClass) }
            .sorted()
    }

    /// The training pool: every training-file image outside the validation split (55,000).
    public static func trainingPoolIndices(labels: [Int]) -> [Int] {
        classMembers(labels: labels, classCount: classNames.count)
            .flatMap { $0.dropLast(validationImagesPerClass) }
            .sorted()
    }

    /// The FMNIST-LT proportions of PROTOCOL.md (those of the classic "imbalanced MNIST" tutorial).
    public static let longTailProportions = [0.14, 0.2, 0.057, 0.36, 0.05, 0.001, 0.01, 0.002, 0.015, 0.165]

    /// The FMNIST-LT profile: n_c = round(5500 · p_c / 0.36).
    public static let longTailProfile = ImbalanceProfile(
        name: "fmnist-lt", shape: .proportions(longTailProportions), maxCount: 5500)

    /// FMNIST-LT, the long-tailed training set: the first n_c images of each class in file
    /// order, taken from the training pool (never from validation), 15,279 images.
    ///
    /// - Parameter labels: the training file's labels.
    /// - Throws: `ImbalanceProfileError.notEnoughImages` when a class of `labels` has fewer
    ///   images than FMNIST-LT takes (a training file other than Fashion-MNIST's).
    public static func longTailIndices(labels: [Int]) throws -> [Int] {
        try longTailProfile.apply(labels: labels, classCount: classNames.count,
                                  pool: trainingPoolIndices(labels: labels))
    }

    /// The protocol's training, validation and test parts of the training file: training is
    /// FMNIST-LT when `longTail`, else the whole pool; test is empty (the protocol's test
    /// set is the t10k file, `load(split: .test)`).
    public static func protocolSplit(labels: [Int], longTail: Bool) throws -> DatasetSplit {
        DatasetSplit(train: try longTail ? longTailIndices(labels: labels) : trainingPoolIndices(labels: labels),
                     validation: validationIndices(labels: labels), test: [])
    }
}
