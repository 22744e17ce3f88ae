/// The images of each class among `indices` (all images when nil), in the order given:
/// `members[c]` lists the positions `i` with `labels[i] == c`.
///
/// - Precondition: every index is one of `labels`, every label is in `0..<classCount`.
func classMembers(labels: [Int], classCount: Int, indices: [Int]? = nil) -> [[Int]] {
    var members = [[Int]](repeating: [], count: classCount)
    for i in indices ?? Array(labels.indices) {
        precondition(labels.indices.contains(i), "image index \(i) outside 0..<\(labels.count)")
        let c = labels[i]
        precondition(c >= 0 && c < classCount, "label \(c) of image \(i) outside 0..<\(classCount)")
        members[c].append(i)
    }
    return members
}
