import Foundation
import Likeness
import Testing
import _LikenessTestSupport

/// Class names and image paths that a spreadsheet would run as formulas stay text in every CSV
/// the command line writes (OWASP's CSV-injection advice), and control characters in a class
/// name never reach the terminal raw.
@Suite("likeness command line: hostile class names", .serialized,
       .enabled(if: CommandLine.runsSuites(of: CommandLine.likeness), "the likeness executable is not built"))
struct HostileNamesCommandLineTests {
    let images = repositoryRoot + "/Datasets/sample/image-folder"

    /// The cells of CSV `text` (RFC 4180: quoted cells may hold commas, quotes and line breaks).
    func cells(_ text: String) -> [String] {
        var cells: [String] = [], cell = "", quoted = false, previous: Character? = nil
        for c in text {
            if quoted {
                if c == "\"" { quoted = false } else { cell.append(c) }
            } else if c == "\"" {
                if previous == "\"" { cell.append("\"") }
                quoted = true
            } else if c == "," || c == "\n" {
                cells.append(cell)
                cell = ""
            } else {
                cell.append(c)
            }
            previous = c
        }
        if !cell.isEmpty { cells.append(cell) }
        return cells
    }

    @Test func formulaClassNamesAndPathsAreNeutralised() throws {
        let dir = try TemporaryFolder()
        // Four classes whose names a spreadsheet would evaluate, with two sample images each.
        let names = ["=SUM(1)", "+HYPERLINK(\"x\")", "@cmd", "-2+3"]
        let sources = try FileManager.default.contentsOfDirectory(atPath: images + "/5-Sandal").sorted().prefix(2)
        for name in names {
            try FileManager.default.createDirectory(atPath: dir.path + "/set/" + name, withIntermediateDirectories: true)
            for file in sources { try FileManager.default.copyItem(atPath: images + "/5-Sandal/" + file, toPath: dir.path + "/set/" + name + "/" + file) }
        }
        let query = "=IMPORTXML.png"  // relative: the CSVs' id column holds it as given
        try FileManager.default.copyItem(atPath: images + "/5-Sandal/" + sources[0], toPath: dir.path + "/" + query)
        let architecture = ModelDescription(backbone: .reference, head: .embedding(dimension: 8), channels: 1, height: 28, width: 28)
        try ModelArchive(network: architecture.makeNetwork(seed: 2), architecture: architecture, classNames: names)
            .save(to: dir.path + "/model.h5")
        try runLikeness(["embed", "--model", "model.h5", "--dataset", "set", "-o", "store.h5"], in: dir.path)
        try runLikeness(["enroll", "--model", "model.h5", "--gallery", "gallery.h5", "--dataset", "set"], in: dir.path)
        try runLikeness(["classify", "--model", "model.h5", "--gallery", "gallery.h5", "-o", "classes.csv", query], in: dir.path)
        try runLikeness(["query", "--store", "store.h5", "--model", "model.h5", "-k", "8", "-o", "neighbours.csv", query], in: dir.path)

        for file in ["classes.csv", "neighbours.csv"] {
            let text = try String(contentsOfFile: dir.path + "/" + file, encoding: .utf8)
            let all = cells(text)
            let formulas = all.filter { cell in
                guard let first = cell.first, "=+-@\t\r".contains(first) else { return false }
                return Double(cell) == nil
            }
            #expect(formulas.isEmpty, "\(file): cells a spreadsheet would run: \(formulas)")
            // The names are still there, after the quote that makes them text.
            #expect(all.contains { $0.hasPrefix("'") && names.contains(String($0.dropFirst())) }, "\(file): \(text)")
            #expect(all.contains("'" + query), "\(file): the query's id: \(text)")
        }
    }

    @Test func controlCharactersInAClassNameReachTheTerminalVisible() throws {
        let dir = try TemporaryFolder()
        let name = "red\u{1B}[31mbell\u{07}"
        for folder in [name, "plain"] {
            try FileManager.default.createDirectory(atPath: dir.path + "/set/" + folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: images + "/5-Sandal/00008.png", toPath: dir.path + "/set/" + folder + "/a.png")
        }
        let inspected = try runLikeness(["data", "inspect", "set"], in: dir.path)
        for (stream, text) in [("stdout", inspected.out), ("stderr", inspected.err)] {
            #expect(!text.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{07}" }, "a raw control character on \(stream): \(text)")
        }
        #expect(inspected.out.contains(#"red\x1B[31mbell\x07"#), "\(inspected.out)")
    }
}
