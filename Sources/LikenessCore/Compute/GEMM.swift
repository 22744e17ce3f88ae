import CDNNL

/// The matrix product, the one call through which the toolkit's dense algebra goes (convolutions
/// take oneDNN's own direct kernels where it has them: `DirectConvolution`).
///
/// `C = alpha · op(A) · op(B) + beta · C`, row-major, with `op(X)` either `X` or `Xᵀ`;
/// `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`.
///
/// Backed by oneDNN's `dnnl_sgemm`, which picks its kernels from the processor's features at
/// run time (Debian's OpenBLAS 0.3.21 falls back to its oldest kernels on recent processors).
/// oneDNN always runs on one thread here: a large product is split into blocks of rows (or
/// columns) of `C` across `Parallel`'s threads, and kernels that already split their work call
/// it from each of their threads. OpenMP's own team is never started, so its idle threads
/// never spin on a core that a kernel needs.
public enum GEMM {
    /// Whether an operand is used as stored or transposed.
    public enum Transpose: Sendable {
        case none, transposed
        var flag: CChar { self == .none ? CChar(UInt8(ascii: "N")) : CChar(UInt8(ascii: "T")) }
    }

    /// Below this many multiply-adds a product runs on the calling thread alone.
    static let parallelThreshold = 1 << 21

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
        let parts = insideParallelRegion || m * n * k < parallelThreshold ? 1 : Parallel.threadCount
        if parts == 1 {
            sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        } else if m >= n {
            // Blocks of rows of C: rows of op(A).
            Parallel.forEachPart(m, parts: parts) { _, rows in
                let aBlock = transA == .none ? a + rows.lowerBound * lda : a + rows.lowerBound
                sgemm(transA, transB, rows.count, n, k, alpha, aBlock, lda, b, ldb, beta, c + rows.lowerBound * ldc, ldc)
            }
        } else {
            // Blocks of columns of C: columns of op(B).
            Parallel.forEachPart(n, parts: parts) { _, columns in
                let bBlock = transB == .none ? b + columns.lowerBound : b + columns.lowerBound * ldb
                sgemm(transA, transB, m, columns.count, k, alpha, a, lda, bBlock, ldb, beta, c + columns.lowerBound, ldc)
            }
        }
    }

    private static func sgemm(_ transA: Transpose, _ transB: Transpose, _ m: Int, _ n: Int, _ k: Int,
                              _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
                              _ b: UnsafePointer<Float>, _ ldb: Int,
                              _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        omp_set_num_threads(1)
        let status = dnnl_sgemm(transA.flag, transB.flag, Int64(m), Int64(n), Int64(k),
                                alpha, a, Int64(lda), b, Int64(ldb), beta, c, Int64(ldc))
        precondition(status == dnnl_success, "dnnl_sgemm failed with status \(status.rawValue) for m=\(m) n=\(n) k=\(k)")
    }

    @TaskLocal private static var insideParallelRegion = false

    /// Runs `body` as one of several threads splitting a kernel's work: products called from it
    /// stay on the calling thread.
    static func withinParallelRegion(_ body: () -> Void) {
        $insideParallelRegion.withValue(true, operation: body)
    }
}
