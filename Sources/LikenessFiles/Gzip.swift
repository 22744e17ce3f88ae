import CZlib

/// gzip compression of a byte buffer held in memory (for the files the toolkit writes).
public enum Gzip {
    /// The gzip encoding of `bytes` (one member, compression level `level`, 0–9).
    public static func compress(_ bytes: [UInt8], level: Int = 6) -> [UInt8] {
        precondition((0...9).contains(level), "gzip level \(level) outside 0...9")
        precondition(bytes.count <= Int(UInt32.max), "\(bytes.count) bytes: one call compresses at most 4 GiB")
        var stream = z_stream()
        // 15 + 16: a 32 KiB window and a gzip wrapper.
        let status = deflateInit2_(&stream, Int32(level), Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                                   zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "zlib deflateInit2 failed with status \(status)")
        defer { deflateEnd(&stream) }
        // deflateBound excludes the gzip wrapper's 18 bytes; one call with Z_FINISH then suffices.
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 32)
        var input = bytes
        let produced = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = UInt32(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = UInt32(outBuf.count)
                let result = deflate(&stream, Z_FINISH)
                precondition(result == Z_STREAM_END, "zlib deflate did not finish (status \(result))")
                return outBuf.count - Int(stream.avail_out)
            }
        }
        output.removeLast(output.count - produced)
        return output
    }
}
