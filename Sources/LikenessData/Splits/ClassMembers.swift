/// The indices of each class's images in `labels`, in file order: `members[c]` lists the
/// positions `i` with `labels[i] == c`.
///
/// - Precondition: every label is in `0..<classCount`.
func classMembers(of labels: [Int], classCount: Int) -> [[Int]] {
    var members = [[Int]](repeating: [], count: classCount)
    for (i, label) in labels.enumerated() {
        precondition(label >= 0 && label < classCount, "label \(label) of image \(i) outside 0..<\(classCount)")
        members[label].append(i)
    }
    return members
}
