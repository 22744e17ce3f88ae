/// Max pooling of one `H × W` plane over `k × k` windows with stride `s` (no padding, floor):
/// `y[oy, ox] = max_{i,j < k} x[oy·s + i, ox·s + j]`, and `argmax[oy, ox]` = the flat index in the
/// plane of the first maximum in row-major order (PyTorch's choice, which decides where ties send
/// the gradient).
public enum MaxPooling {
    public static func outputSize(_ size: Int, kernel: Int, stride: Int) -> Int { (size - kernel) / stride + 1 }

    public static func forward(_ x: UnsafePointer<Float>, height h: Int, width w: Int, kernel k: Int, stride s: Int,
                               into y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>?) {
        let ho = outputSize(h, kernel: k, stride: s), wo = outputSize(w, kernel: k, stride: s)
        if k == 2 && s == 2 {
            for oy in 0..<ho {
                let r0 = 2 * oy * w, r1 = r0 + w
                for ox in 0..<wo {
                    let c = 2 * ox
                    var at = r0 + c, best = x[at]
                    if x[r0 + c + 1] > best { best = x[r0 + c + 1]; at = r0 + c + 1 }
                    if x[r1 + c] > best { best = x[r1 + c]; at = r1 + c }
                    if x[r1 + c + 1] > best { best = x[r1 + c + 1]; at = r1 + c + 1 }
                    y[oy * wo + ox] = best
                    argmax?[oy * wo + ox] = Int32(at)
                }
            }
            return
        }
        for oy in 0..<ho {
            for ox in 0..<wo {
                var at = oy * s * w + ox * s, best = x[at]
                for i in 0..<k {
                    let row = (oy * s + i) * w + ox * s
                    for j in 0..<k where x[row + j] > best { best = x[row + j]; at = row + j }
                }
                y[oy * wo + ox] = best
                argmax?[oy * wo + ox] = Int32(at)
            }
        }
    }

    /// `dx[argmax[o]] += dy[o]` for each of the `count` outputs of one plane.
    @inline(__always)
    public static func backward(_ dy: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, count: Int,
                                into dx: UnsafeMutablePointer<Float>) {
        for o in 0..<count { dx[Int(argmax[o])] += dy[o] }
    }
}
