/// A dense, contiguous, row-major array of `Float` with a shape.
///
/// `Tensor` is a value type: copies share storage until one of them is written to
/// (copy-on-write). Images are laid out NCHW: `[batch, channels, height, width]`.
public struct Tensor: Sendable {
    /// The extent of each dimension, outermost first.
    public private(set) var shape: [Int]
    @usableFromInline var storage: TensorStorage

    /// The number of elements: the product of `shape`.
    @inlinable public var count: Int { storage.count }

    /// A tensor of the given shape with every element set to `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        self.shape = shape
        self.storage = TensorStorage(count: shape.reduce(1, *), repeating: value)
    }

    /// A tensor of the given shape holding `scalars` in row-major order.
    public init<C: Collection>(shape: [Int], scalars: C) where C.Element == Float {
        let count = shape.reduce(1, *)
        precondition(scalars.count == count, "\(scalars.count) scalars for shape \(shape) (\(count) elements)")
        self.shape = shape
        self.storage = TensorStorage(count: count, repeating: 0)
        var i = 0
        for s in scalars { storage.base[i] = s; i += 1 }
    }

    /// A tensor of the given shape whose elements are written by `initializer` into
    /// uninitialised memory of exactly `shape.reduce(1, *)` elements.
    public init(shape: [Int], initializingWith initializer: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        self.shape = shape
        self.storage = TensorStorage(uninitializedCount: shape.reduce(1, *))
        try initializer(UnsafeMutableBufferPointer(start: storage.base, count: storage.count))
    }

    /// The elements in row-major order.
    public var scalars: [Float] {
        withUnsafeBufferPointer { Array($0) }
    }

    /// The number of dimensions.
    @inlinable public var rank: Int { shape.count }

    /// The same elements seen with another shape of the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        var t = self
        t.shape = newShape
        return t
    }

    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.base, count: storage.count))
    }

    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return try body(UnsafeMutableBufferPointer(start: storage.base, count: storage.count))
    }

    /// The element at a multi-dimensional index.
    public subscript(index: Int...) -> Float {
        get { storage.base[offset(of: index)] }
        set {
            let o = offset(of: index)
            withUnsafeMutableBufferPointer { $0[o] = newValue }
        }
    }

    /// The element at a flat row-major position.
    public subscript(flat i: Int) -> Float {
        get {
            precondition(i >= 0 && i < count, "flat index \(i) out of range 0..<\(count)")
            return storage.base[i]
        }
        set {
            precondition(i >= 0 && i < count, "flat index \(i) out of range 0..<\(count)")
            withUnsafeMutableBufferPointer { $0[i] = newValue }
        }
    }

    private func offset(of index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) for a tensor of rank \(shape.count)")
        var o = 0
        for (i, n) in zip(index, shape) {
            precondition(i >= 0 && i < n, "index \(index) out of range for shape \(shape)")
            o = o * n + i
        }
        return o
    }
}

extension Tensor: Equatable {
    public static func == (a: Tensor, b: Tensor) -> Bool {
        a.shape == b.shape && a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in pa.elementsEqual(pb) } }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = withUnsafeBufferPointer { $0.prefix(8).map { String($0) } }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(count > 8 ? ", …" : "")])"
    }
}

/// The heap buffer behind a `Tensor`: 64-byte aligned so vector loads never split a cache line.
@usableFromInline
final class TensorStorage: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutablePointer<Float>
    @usableFromInline let count: Int

    init(uninitializedCount count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        base = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    convenience init(count: Int, repeating value: Float) {
        self.init(uninitializedCount: count)
        base.initialize(repeating: value, count: count)
    }

    @usableFromInline func copy() -> TensorStorage {
        let c = TensorStorage(uninitializedCount: count)
        c.base.initialize(from: base, count: count)
        return c
    }

    deinit { UnsafeMutableRawPointer(base).deallocate() }
}

/// Runs `body` with the base address of `tensor`'s storage, or nil when there is no tensor.
func withOptionalMutableBuffer<R>(_ tensor: inout Tensor?, _ body: (UnsafeMutablePointer<Float>?) -> R) -> R {
    guard tensor != nil else { return body(nil) }
    return tensor!.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
}
