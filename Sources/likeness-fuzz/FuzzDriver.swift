#if FUZZING
import CLibFuzzer
import Foundation

/// The fuzz build's entry point: libFuzzer's driver, feeding its inputs to one target.
///
///     likeness-fuzz TARGET [libFuzzer flags] [CORPUS FOLDER…]
///
/// The target can also come from `LIKENESS_FUZZ_TARGET`, which is how the processes libFuzzer
/// starts itself (`-fork`, `-minimize_crash`) learn it: they get libFuzzer's flags only.
enum FuzzDriver {
    static let environmentVariable = "LIKENESS_FUZZ_TARGET"

    // Set once before libFuzzer starts, then read by its callback, a C function that cannot capture.
    nonisolated(unsafe) private static var target = FuzzTarget.idx
    nonisolated(unsafe) private static var scratch: ScratchFolder?

    static func run(arguments: [String]) -> Int32 {
        var arguments = arguments
        if arguments.count > 1, let named = FuzzTarget(rawValue: arguments[1]) {
            arguments.remove(at: 1)
            setenv(environmentVariable, named.rawValue, 1)
        }
        guard let name = ProcessInfo.processInfo.environment[environmentVariable],
              let chosen = FuzzTarget(rawValue: name) else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
            FileHandle.standardError.write(Data("usage: likeness-fuzz TARGET [libFuzzer flags] [CORPUS…]; TARGET: \(names)\n".utf8))
            return 2
        }
        do {
            scratch = try ScratchFolder()
        } catch {
            FileHandle.standardError.write(Data("likeness-fuzz: no scratch folder: \(error)\n".utf8))
            return 1
        }
        target = chosen
        var argc = Int32(arguments.count)
        var argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        return argv.withUnsafeMutableBufferPointer { buffer in
            var pointer = buffer.baseAddress
            return LLVMFuzzerRunDriver(&argc, &pointer) { data, size in
                guard let scratch = FuzzDriver.scratch else { return 0 }
                let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
                // A thrown error is the loader refusing the input: a pass.
                _ = try? FuzzDriver.target.run(bytes, in: scratch)
                scratch.removeFiles()
                return 0
            }
        }
    }
}
#endif
