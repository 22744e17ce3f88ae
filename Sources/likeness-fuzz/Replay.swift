#if !FUZZING
import Foundation

/// The plain build's entry point: replays inputs through a target, or writes the seed corpus.
///
///     likeness-fuzz TARGET FILE|FOLDER…   each file (or each file in a folder), with the outcome
///     likeness-fuzz seeds FOLDER          the seed corpus, one sub-folder per target
enum Replay {
    static func run(arguments: [String]) -> Int32 {
        guard arguments.count >= 3 else { return usage() }
        do {
            if arguments[1] == "seeds" {
                try Seeds.write(to: arguments[2])
                return 0
            }
            guard let target = FuzzTarget(rawValue: arguments[1]) else { return usage() }
            let scratch = try ScratchFolder()
            for path in try inputFiles(Array(arguments.dropFirst(2))) {
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
                do {
                    try target.run(bytes, in: scratch)
                    print("\(path): accepted")
                } catch {
                    print("\(path): refused: \(error)")
                }
                scratch.removeFiles()
            }
            return 0
        } catch {
            FileHandle.standardError.write(Data("likeness-fuzz: \(error)\n".utf8))
            return 1
        }
    }

    /// The files named, folders replaced by the files in them, in name order.
    private static func inputFiles(_ paths: [String]) throws -> [String] {
        try paths.flatMap { path -> [String] in
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else { return [path] }
            return try FileManager.default.contentsOfDirectory(atPath: path).sorted().map { "\(path)/\($0)" }
        }
    }

    private static func usage() -> Int32 {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("""
            usage: likeness-fuzz TARGET FILE|FOLDER…   replays inputs through a target
                   likeness-fuzz seeds FOLDER          writes the seed corpus
            TARGET: \(names)

            """.utf8))
        return 2
    }
}
#endif
