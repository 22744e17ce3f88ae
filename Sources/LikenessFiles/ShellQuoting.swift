import Foundation

extension String {
    /// The string as a POSIX shell reads it back as one word: as it is when it has no special
    /// character, else single-quoted (a `'` inside written `'\''`).
    public var shellQuoted: String {
        let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=,+@%")
        if !isEmpty && allSatisfy(plain.contains) { return self }
        return "'" + replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
