import CDNNL

/// The matrix product, the one call through which all of the toolkit's dense algebra goes.
///
/// `C = alpha · op(A) · op(B) + beta · C`, row-major, with `op(X)` either `X` or `Xᵀ`;
/// `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`.
///
/// Backed by oneDNN's `dnnl_sgemm`, which picks its kernels from the processor's features at
/// run time (Debian's OpenBLAS 0.3.21 falls back to its oldest kernels on recent processors).
public enum GEMM {
    /// Whether an operand is used as stored or transposed.
    public enum Transpose: Sendable {
        case none, transposed
        var flag: CChar { self == .none ? CChar(UInt8(ascii: "N")) : CChar(UInt8(ascii: "T")) }
    }

    /// `C = alpha · op(A) · op(B) + beta · C` on raw row-major buffers.
    ///
    /// `lda`, `ldb`, `ldc` are the row strides of the stored matrices (defaults: their widths).
    public static func multiply(
        _ transA: Transpose, _ transB: Transpose,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int? = nil,
        b: UnsafePointer<Float>, ldb: Int? = nil,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int? = nil
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "negative GEMM size m=\(m) n=\(n) k=\(k)")
        if m == 0 || n == 0 { return }
        let lda = lda ?? (transA == .none ? k : m)
        let ldb = ldb ?? (transB == .none ? n : k)
        let ldc = ldc ?? n
        if !insideParallelRegion { omp_set_num_threads(Int32(Parallel.threadCount)) }
        let status = dnnl_sgemm(transA.flag, transB.flag, Int64(m), Int64(n), Int64(k),
                                alpha, a, Int64(lda), b, Int64(ldb), beta, c, Int64(ldc))
        precondition(status == dnnl_success, "dnnl_sgemm failed with status \(status.rawValue) for m=\(m) n=\(n) k=\(k)")
    }

    @TaskLocal private static var insideParallelRegion = false

    /// Runs `body` with a one-thread matrix product on the calling thread: used by the kernels
    /// that already split their work across threads.
    static func withSingleThread(_ body: () -> Void) {
        omp_set_num_threads(1)
        $insideParallelRegion.withValue(true, operation: body)
    }
}
