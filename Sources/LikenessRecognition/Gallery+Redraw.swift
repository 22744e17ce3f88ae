import LikenessCore

extension Gallery {
    /// The gallery with the class `name` enrolled afresh from the rows of `shots` (`N × D`, unit
    /// length) alone, its earlier shots dropped: how it would stand had it been enrolled from other
    /// images. A calibrated threshold of its own stays; a threshold from its shot count follows
    /// the new count (`shotThreshold`); the class moves to the end of the enrolment order.
    ///
    /// - Throws: `EnrollmentError.unknownClass` if `name` is not enrolled; what `enroll(name:embeddings:)` throws.
    public func reenrolling(_ name: String, from shots: Tensor) throws -> Gallery {
        var gallery = self
        try gallery.remove(className: name)
        try gallery.enroll(name: name, embeddings: shots)
        switch self[name]?.threshold?.source {
        case .calibrated: try gallery.setThreshold(self[name]?.threshold, forClass: name)
        case .shots: try gallery.setThreshold(gallery.shotThreshold(forClass: name), forClass: name)
        case nil: break
        }
        return gallery
    }
}
