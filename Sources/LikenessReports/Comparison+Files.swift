import Foundation
import LikenessFiles

extension Comparison {
    /// Writes `report.md` (``markdown``), `report.json` (``jsonData()``) and `report.html`
    /// (``html(thumbnails:)``, the mistakes' images from `thumbnails`: PNG bytes by sample index)
    /// into `folder`, made if missing. Each file is replaced only once completely written, so a
    /// failed write leaves any earlier report whole.
    /// - Returns: the paths written, in that order.
    /// - Throws: `ReportFolderError` when the folder cannot be made; `DatasetFileError` (naming the
    ///   file) when a file cannot be written.
    @discardableResult
    public func writeReports(toFolder folder: String, thumbnails: [Int: [UInt8]] = [:]) throws -> [String] {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw ReportFolderError(folder: folder, reason: "a file, not a folder, is there") }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw ReportFolderError(folder: folder, reason: error.localizedDescription)
            }
        }
        let contents: [(name: String, bytes: [UInt8])] = [
            ("report.md", Array(markdown.utf8)),
            ("report.json", Array(try jsonData())),
            ("report.html", Array(html(thumbnails: thumbnails).utf8)),
        ]
        var written: [String] = []
        for (name, bytes) in contents {
            let path = folder.hasSuffix("/") ? folder + name : folder + "/" + name
            try AtomicFile.write(bytes, to: path)
            written.append(path)
        }
        return written
    }
}

/// A report folder that cannot be made.
public struct ReportFolderError: Error, Equatable, Sendable, CustomStringConvertible {
    public let folder: String
    /// What stood in the way, in words.
    public let reason: String

    public init(folder: String, reason: String) {
        self.folder = folder
        self.reason = reason
    }

    public var description: String { "\(folder): cannot make the report folder: \(reason)" }
}
