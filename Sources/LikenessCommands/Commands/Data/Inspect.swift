import ArgumentParser
import Foundation
import Likeness

extension LikenessCommand.Data {
    /// `likeness data inspect DATASET`: counts, imbalance, brightness, contrast, colour, edges and
    /// duplicates per class, as text or JSON, with optional charts.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inspect",
            abstract: "Describe a dataset: class counts and imbalance, image sizes, brightness, contrast, colour, edge density, duplicates.",
            discussion: "Results go to standard output; --charts also writes class-counts.svg and samples.png (one row of images per class, in class order)."
        )

        @OptionGroup var data: DatasetOptions

        @Flag(help: "Print the statistics as JSON instead of text.")
        var json = false

        @Option(help: ArgumentHelp("Write class-counts.svg and samples.png into this folder (created if needed).", valueName: "folder"))
        var charts: String?

        @Option(help: "Images per class in samples.png.")
        var samplesPerClass = 8

        @Option(help: "Sobel gradient magnitude (in intensity per pixel, 0 to 1.41) above which a pixel counts as an edge.")
        var edgeThreshold = 0.25

        func validate() throws {
            try requireSeparateFiles()
            guard samplesPerClass >= 1 && samplesPerClass <= 64 else {
                throw ValidationError("--samples-per-class must be from 1 to 64, not \(samplesPerClass).")
            }
            guard edgeThreshold > 0 && edgeThreshold.isFinite else {
                throw ValidationError("--edge-threshold must be a positive number, not \(edgeThreshold).")
            }
        }

        /// What `--json` prints.
        struct Report: Encodable {
            var dataset: String
            var source: String
            var statistics: DatasetStatistics
            var sourceImageSizes: ImageSizeSummary?
        }

        func run() throws {
            let (source, loaded) = try data.load()
            let dataset = loaded.dataset
            printDiagnostic("measuring \(loaded.selection.count) images")
            let statistics = DatasetStatistics(dataset: dataset, indices: loaded.selection, edgeThreshold: edgeThreshold)
            let sizes = loaded.sourceSizes.flatMap { all in
                loaded.selection.isEmpty ? nil : ImageSizeSummary(sizes: loaded.selection.map { all[$0] })
            }
            if json {
                try writeResult(jsonText(Report(dataset: data.dataset, source: source.summary, statistics: statistics,
                                                sourceImageSizes: sizes)), to: nil)
            } else {
                print(Markup.terminal(text(source: source, statistics: statistics, sizes: sizes, ids: dataset.ids)), terminator: "")
            }
            if let charts {
                try FileManager.default.createDirectory(atPath: charts, withIntermediateDirectories: true)
                let chart = ClassCountChart(title: "Images per class: \(data.dataset)", names: statistics.classes.map(\.name),
                                            counts: statistics.classes.map(\.count),
                                            logarithmic: statistics.imbalanceRatio > 20)
                try chart.write(to: "\(charts)/class-counts.svg")
                printDiagnostic("wrote \(charts)/class-counts.svg")
                try dataset.sampleGrid(indices: loaded.selection, perClass: samplesPerClass).writePNG(to: "\(charts)/samples.png")
                printDiagnostic("wrote \(charts)/samples.png")
            }
        }

        func text(source: DatasetSource, statistics s: DatasetStatistics, sizes: ImageSizeSummary?, ids: [String]) -> String {
            func f(_ x: Double) -> String { String(format: "%.3f", x) }
            var out = """
            dataset: \(data.dataset)
            source: \(source.summary)
            images: \(s.imageCount), \(s.height)×\(s.width)×\(s.channels), \(s.classes.count) classes
            imbalance ratio (largest / smallest class): \(String(format: "%.1f", s.imbalanceRatio))

            """
            if !s.emptyClasses.isEmpty { out += "classes without images: \(s.emptyClasses.joined(separator: ", "))\n" }
            if let sizes {
                out += "sizes before resizing: height \(sizes.minimumHeight)–\(sizes.maximumHeight) (mean \(String(format: "%.1f", sizes.meanHeight))), "
                    + "width \(sizes.minimumWidth)–\(sizes.maximumWidth) (mean \(String(format: "%.1f", sizes.meanWidth))), "
                    + "aspect ratio \(f(sizes.minimumAspectRatio))–\(f(sizes.maximumAspectRatio)) (mean \(f(sizes.meanAspectRatio)))\n"
                out += "most common sizes: " + sizes.commonSizes.prefix(5).map { "\($0.height)×\($0.width) (\($0.count))" }
                    .joined(separator: ", ") + "\n"
            }
            let nameWidth = max(5, s.classes.map(\.name.count).max() ?? 0)
            func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
                let space = String(repeating: " ", count: max(0, width - text.count))
                return left ? text + space : space + text
            }
            let channelHeader = s.channels == 1 ? "" : "  mean " + (s.channels == 3 ? "R/G/B" : "channels")
            out += "\n" + pad("class", 5) + "  " + pad("name", nameWidth, left: true) + "  " + pad("count", 15)
                + "  brightness  contrast  edges" + channelHeader + "\n"
            for (c, k) in s.classes.enumerated() {
                out += pad("\(c)", 5) + "  " + pad(k.name, nameWidth, left: true) + "  "
                    + pad(countWithShare(k.count, of: s.imageCount), 15) + "  " + pad(f(k.brightness), 10) + "  "
                    + pad(f(k.contrast), 8) + "  " + pad(f(k.edgeDensity), 5)
                if s.channels > 1 { out += "  " + k.channelMeans.map(f).joined(separator: "/") }
                out += "\n"
            }
            out += "\nall: brightness \(f(s.brightness)), contrast \(f(s.contrast)), edge density \(f(s.edgeDensity)) (Sobel > \(s.edgeThreshold))\n"
            out += "channels (mean ± std): " + s.channelStatistics.map { "\(f($0.mean)) ± \(f($0.standardDeviation))" }
                .joined(separator: ", ") + "\n"
            let duplicated = s.duplicateGroups.reduce(0) { $0 + $1.count }
            out += "exact duplicates: \(s.duplicateGroups.count) groups (\(duplicated) images), \(s.conflictingDuplicateGroups) with conflicting labels\n"
            for group in s.duplicateGroups.prefix(5) {
                out += "  " + group.prefix(4).map { ids[$0] }.joined(separator: " = ") + (group.count > 4 ? " …" : "") + "\n"
            }
            if s.duplicateGroups.count > 5 { out += "  … (--json lists every group)\n" }
            return out
        }
    }
}

extension LikenessCommand.Data.Inspect: FileRoles {
    var inputFiles: [NamedFile] {
        NamedFile.dataset("DATASET", data.dataset)
    }

    var outputFiles: [NamedFile] {
        [charts].compactMap { $0 }.flatMap { folder in
            ["class-counts.svg", "samples.png"].map { NamedFile(option: "--charts", path: (folder as NSString).appendingPathComponent($0)) }
        }
    }
}
