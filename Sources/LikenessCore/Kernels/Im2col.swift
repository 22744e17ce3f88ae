/// The geometry of a 2-D convolution or pooling window over one `C × H × W` image plane stack.
///
/// Output size per axis: `⌊(in + 2·padding − kernel) / stride⌋ + 1`.
public struct ConvolutionGeometry: Equatable, Sendable {
    public let channels: Int
    public let height: Int, width: Int
    public let kernelHeight: Int, kernelWidth: Int
    public let stride: Int, padding: Int

    public init(channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Int) {
        precondition(stride >= 1 && padding >= 0 && kernelHeight >= 1 && kernelWidth >= 1, "bad window \(kernelHeight)×\(kernelWidth) stride \(stride) padding \(padding)")
        self.channels = channels
        self.height = height; self.width = width
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.stride = stride; self.padding = padding
        precondition(outputHeight >= 1 && outputWidth >= 1, "window \(kernelHeight)×\(kernelWidth) does not fit a \(height)×\(width) input with padding \(padding)")
    }

    public var outputHeight: Int { (height + 2 * padding - kernelHeight) / stride + 1 }
    public var outputWidth: Int { (width + 2 * padding - kernelWidth) / stride + 1 }
    /// Rows of the patch matrix: `C · kh · kw`.
    public var patchSize: Int { channels * kernelHeight * kernelWidth }
    /// Columns of the patch matrix: `Ho · Wo`.
    public var outputPlane: Int { outputHeight * outputWidth }

    /// For kernel offset `k` (0..<kernel) along an axis of `size` with `outSize` outputs, the range
    /// of outputs whose input `o·stride − padding + k` falls inside `0..<size`.
    @inline(__always)
    func validOutputs(offset k: Int, size: Int, outSize: Int) -> Range<Int> {
        // o·s − p + k ≥ 0  ⇔  o ≥ ⌈(p − k) / s⌉ ;  o·s − p + k ≤ size − 1  ⇔  o ≤ ⌊(size − 1 + p − k) / s⌋
        let lo = max(0, (padding - k + stride - 1) / stride)
        let top = size - 1 + padding - k
        let hi = top < 0 ? -1 : min(outSize - 1, top / stride)
        return lo..<max(lo, hi + 1)
    }
}

/// Patch-matrix kernels that turn a convolution into one matrix product.
///
/// `im2col` writes, for one image `x` (`C × H × W`), the matrix `cols` of shape
/// `(C·kh·kw) × (Ho·Wo)` with `cols[(c·kh + i)·kw + j][oy·Wo + ox] = x[c][oy·s − p + i][ox·s − p + j]`
/// (zero outside the image). `col2im` is its adjoint: it adds each entry back to the pixel it came from.
public enum Im2col {
    public static func im2col(_ g: ConvolutionGeometry, image x: UnsafePointer<Float>, columns cols: UnsafeMutablePointer<Float>) {
        let ho = g.outputHeight, wo = g.outputWidth, plane = g.outputPlane
        var row = 0
        for c in 0..<g.channels {
            let xc = x + c * g.height * g.width
            for ki in 0..<g.kernelHeight {
                let ys = g.validOutputs(offset: ki, size: g.height, outSize: ho)
                for kj in 0..<g.kernelWidth {
                    let xs = g.validOutputs(offset: kj, size: g.width, outSize: wo)
                    let dst = cols + row * plane
                    // Rows are short (an output row is tens of floats): plain loops, which the
                    // compiler vectorises, beat a memcpy/memset call per segment.
                    for oy in 0..<ho {
                        let d = dst + oy * wo
                        guard ys.contains(oy) && !xs.isEmpty else {
                            for ox in 0..<wo { d[ox] = 0 }
                            continue
                        }
                        let src = xc + (oy * g.stride - g.padding + ki) * g.width
                        for ox in 0..<xs.lowerBound { d[ox] = 0 }
                        if g.stride == 1 {
                            let shifted = src + (kj - g.padding)
                            for ox in xs { d[ox] = shifted[ox] }
                        } else {
                            for ox in xs { d[ox] = src[ox * g.stride - g.padding + kj] }
                        }
                        for ox in xs.upperBound..<wo { d[ox] = 0 }
                    }
                    row += 1
                }
            }
        }
    }

    /// `x += col2im(cols)`: the adjoint of `im2col`; `x` must be zeroed first for a plain gradient.
    public static func col2im(_ g: ConvolutionGeometry, columns cols: UnsafePointer<Float>, image x: UnsafeMutablePointer<Float>) {
        let ho = g.outputHeight, wo = g.outputWidth, plane = g.outputPlane
        var row = 0
        for c in 0..<g.channels {
            let xc = x + c * g.height * g.width
            for ki in 0..<g.kernelHeight {
                let ys = g.validOutputs(offset: ki, size: g.height, outSize: ho)
                for kj in 0..<g.kernelWidth {
                    let xs = g.validOutputs(offset: kj, size: g.width, outSize: wo)
                    let src = cols + row * plane
                    for oy in ys {
                        let s = src + oy * wo
                        let dst = xc + (oy * g.stride - g.padding + ki) * g.width
                        if g.stride == 1 {
                            let d = dst + (-g.padding + kj)
                            for ox in xs { d[ox] += s[ox] }
                        } else {
                            for ox in xs { dst[ox * g.stride - g.padding + kj] += s[ox] }
                        }
                    }
                    row += 1
                }
            }
        }
    }
}
