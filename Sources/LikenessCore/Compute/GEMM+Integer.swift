import CDNNL

extension GEMM {
    /// `C = (op(A) − aOffset) · op(B)` in exact integer arithmetic, row-major: `op(A)` is `m × k`
    /// unsigned bytes, `op(B)` is `k × n` signed bytes, `C` is `m × n` 32-bit integers.
    ///
    /// About twice the multiply-adds per second of the `Float` product on processors with AVX2:
    /// the filter stage of exact nearest-neighbour search runs on it. Always on the calling thread
    /// (callers split their work with `Parallel`).
    ///
    /// - Precondition: any two products `a·b` add up within `Int16` (e.g. `A` in `0...127` with `B`
    ///   in `-127...127`, or `A` in `0...255` with `B` in `-63...63`). Without AVX-512 VNNI the
    ///   kernels add pairs of byte products in 16 bits with saturation; within the bound the sums
    ///   are exact. The caller keeps it (it is not checked here).
    public static func multiply(
        _ transA: Transpose, _ transB: Transpose,
        m: Int, n: Int, k: Int,
        a: UnsafePointer<UInt8>, lda: Int? = nil, aOffset: UInt8 = 0,
        b: UnsafePointer<Int8>, ldb: Int? = nil,
        c: UnsafeMutablePointer<Int32>, ldc: Int? = nil
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "negative integer GEMM size m=\(m) n=\(n) k=\(k)")
        if m == 0 || n == 0 { return }
        let lda = lda ?? (transA == .none ? k : m)
        let ldb = ldb ?? (transB == .none ? n : k)
        let ldc = ldc ?? n
        var noOffset: Int32 = 0
        omp_set_num_threads(1)
        let status = dnnl_gemm_u8s8s32(transA.flag, transB.flag, CChar(UInt8(ascii: "F")),
                                       Int64(m), Int64(n), Int64(k), 1, a, Int64(lda), aOffset,
                                       b, Int64(ldb), 0, 0, c, Int64(ldc), &noOffset)
        precondition(status == dnnl_success, "dnnl_gemm_u8s8s32 failed with status \(status.rawValue) for m=\(m) n=\(n) k=\(k)")
    }
}
