import ArgumentParser

/// A failure while a command runs (bad data, a file that cannot be read or written, a model and
/// a gallery that do not belong together): printed as `Error: <description>` without the usage
/// text, exit status 1.
///
/// `ValidationError` is for argument errors found by `validate()` only: ArgumentParser prints it
/// with the usage and exits with 64 (`EX_USAGE`).
struct CommandError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
