/// The UTF-8 text in `buffer` up to its first NUL (a C string the system or a C library filled in).
package func string(fromNullTerminated buffer: [CChar]) -> String {
    let end = buffer.firstIndex(of: 0) ?? buffer.endIndex
    return String(decoding: buffer[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
