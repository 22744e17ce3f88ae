import Foundation
import LikenessFiles

extension Comparison {
    /// The files a report set consists of, which `writeReports` owns in its folder.
    public static let reportFileNames = ["report.md", "report.json", "report.html"]

    /// Writes `report.md` (``markdown``), `report.json` (``jsonData()``) and `report.html`
    /// (``html(thumbnails:)``, the mistakes' images from `thumbnails`: PNG bytes by sample index)
    /// into `folder`, as one set: never two files of different runs side by side.
    ///
    /// The set is built beside `folder` and swapped in (`FolderReplacement`): a failure or a kill
    /// before the swap leaves the old folder as it was, and what else the folder holds is kept.
    /// - Returns: the paths written, in that order.
    /// - Throws: `FolderReplacementError` when a folder cannot be made or swapped; `DatasetFileError`
    ///   (naming the file) when a file cannot be written.
    @discardableResult
    public func writeReports(toFolder folder: String, thumbnails: [Int: [UInt8]] = [:]) throws -> [String] {
        let contents: [[UInt8]] = [Array(markdown.utf8), Array(try jsonData()), Array(html(thumbnails: thumbnails).utf8)]
        return try FolderReplacement.write(Self.reportFileNames, toFolder: folder) { building in
            for (name, bytes) in zip(Self.reportFileNames, contents) {
                try AtomicFile.write(bytes, to: building + "/" + name)
            }
        }
    }
}
