import ArgumentParser
import Foundation
import Likeness

extension LikenessCommand {
    /// `likeness demo`: PROTOCOL.md's whole story on Fashion-MNIST, run as the subcommands a user
    /// would type (child processes of this executable), each printed before it runs so that any step
    /// can be repeated by hand.
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "demo",
            abstract: "Run the whole story on Fashion-MNIST: FMNIST-LT, an embedding network without Sandal and Sneaker, a focal-loss classifier, an embedding store, one-shot enrolment, calibration, nearest neighbours and the comparison report.",
            discussion: """
            Every step is a likeness subcommand, printed (after $) before it runs. Everything is written \
            into --output: imbalance.json, embedder.h5, focal.h5, train-embeddings.h5, test-embeddings.h5, \
            gallery.h5, enrol/ and queries/ (PNG images), neighbours.csv, one-shot.json and report/ \
            (report.html, report.md, report.json). The notebooks in Notebooks/ read that folder.
            """
        )

        @OptionGroup var output: OutputOptions<Output>

        enum Output: OutputDestination {
            static var help: ArgumentHelp { ArgumentHelp("The folder to write everything into (default: likeness-demo).", valueName: "folder") }
            static var isFolder: Bool { true }
        }

        /// The folder everything is written into.
        var out: String { output.path ?? "likeness-demo" }

        @Option(help: ArgumentHelp("Folder holding Fashion-MNIST's IDX files (Debian's dataset-fashion-mnist; default: \(FashionMNIST.defaultDirectory)).",
                                   valueName: "folder"))
        var dataDirectory: String?

        /// `--data-directory`'s old spelling.
        @Option(name: .customLong("data"), help: .hidden) var deprecatedData: String?

        /// The folder of Fashion-MNIST's files.
        var data: String { dataDirectory ?? deprecatedData ?? FashionMNIST.defaultDirectory }

        @Option(help: "Training epochs of each network (default: the protocol's 10, or 2 with --quick).")
        var epochs: Int?

        @Flag(help: "A small version: 2 epochs per network and 5 one-shot draws, in under 2 minutes.")
        var quick = false

        @OptionGroup var runtime: RuntimeOptions

        /// The classes the embedding network never sees, enrolled one-shot (Sandal, Sneaker).
        static let novelClasses = [5, 7]

        func validate() throws {
            _ = try deprecatedSpelling(deprecatedData, of: dataDirectory, old: "--data", new: "--data-directory")
            if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, not \(epochs).") }
            guard FileManager.default.fileExists(atPath: data) else {
                throw ValidationError("--data-directory \(data): no such folder. Install Fashion-MNIST with: sudo apt-get install dataset-fashion-mnist")
            }
        }

        func run() throws {
            runtime.apply()
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let started = Date()
            var stepNumber = 0
            let stepCount = 13

            /// Prints the step's title, runs it and says how long it took.
            func step(_ title: String, _ body: () throws -> Void) throws {
                stepNumber += 1
                print("\n== \(stepNumber)/\(stepCount) \(title)")
                let start = Date()
                try body()
                printDiagnostic(String(format: "demo: step %d took %.1f s", stepNumber, Date().timeIntervalSince(start)))
            }
            /// A step that is one subcommand.
            func command(_ title: String, _ arguments: [String]) throws {
                try step(title) { try likeness(arguments) }
            }

            let epochCount = String(epochs ?? (quick ? 2 : 10)), draws = quick ? "5" : "20"
            let embedder = path("embedder.h5"), focal = path("focal.h5"), gallery = path("gallery.h5")
            let trainStore = path("train-embeddings.h5")
            let known = (0..<FashionMNIST.classNames.count).filter { !Self.novelClasses.contains($0) }

            try step("FMNIST-LT: the long-tailed training set, and what resampling makes of it") {
                let summary = try ImbalanceSummary(directory: data, seed: runtime.seed)
                print(summary.table)
                try writeResult(try jsonText(summary), to: path("imbalance.json"))
            }
            try command("Train the embedding network (triplet loss, semi-hard mining) without Sandal and Sneaker", 
                        ["train", "fmnist-lt", "--exclude-classes", Self.novelClasses.map(String.init).joined(separator: ","),
                         "--epochs", epochCount, "-o", embedder] + dataDirectoryArguments + runtimeArguments)
            try command("Train the softmax network with focal loss (γ = 2, balanced α)", 
                        ["train", "fmnist-lt", "--head", "softmax", "--loss", "focal", "--class-weights", "balanced",
                         "--epochs", epochCount, "-o", focal] + dataDirectoryArguments + runtimeArguments)
            try command("Store the embeddings of the 60,000 training images", 
                        ["embed", "--model", embedder, "--dataset", "fashion-mnist:train", "-o", trainStore] + dataDirectoryArguments + runtimeArguments)
            try command("Store the embeddings of the 10,000 test images", 
                        ["embed", "--model", embedder, "--dataset", "fashion-mnist:test", "-o", path("test-embeddings.h5")] + dataDirectoryArguments + runtimeArguments)
            try FileManager.default.removeItemIfPresent(atPath: gallery)
            try command("Enrol the eight known classes from their FMNIST-LT training images", 
                        ["enroll", "--model", embedder, "--gallery", gallery, "--dataset", "fmnist-lt",
                         "--classes", known.map(String.init).joined(separator: ",")] + dataDirectoryArguments + runtimeArguments)

            var enrolment: [(name: String, file: String)] = [], queries: [String] = []
            try step("Pick one validation image of each novel class (the one-shot protocol's draw \(runtime.seed)) and a few test images to query") {
                enrolment = try DemoImages.writeEnrolmentImages(directory: data, classes: Self.novelClasses, draw: runtime.seed, into: path("enrol"))
                queries = try DemoImages.writeQueryImages(directory: data, classes: Self.novelClasses + [8, 6], into: path("queries"))
                for file in enrolment.map(\.file) + queries { print("wrote \(file)") }
            }
            try step("Enrol \(enrolment.map(\.name).joined(separator: " and ")) from one image each") {
                for (name, file) in enrolment {
                    try likeness(["enroll", "--model", embedder, "--gallery", gallery, "--class", name, file] + runtimeArguments)
                }
            }
            try command("Calibrate the distance threshold on the known classes' validation images (equal error rate; no Sandal or Sneaker image chooses it)", 
                        ["calibrate", "--model", embedder, "--gallery", gallery, "--dataset", "fashion-mnist:validation",
                         "--exclude-classes", Self.novelClasses.map(String.init).joined(separator: ",")] + dataDirectoryArguments + runtimeArguments)
            try command("Classify the query images: the nearest enrolled class, or unknown above the threshold", 
                        ["classify", "--model", embedder, "--gallery", gallery] + queries + runtimeArguments)
            try command("Their 5 nearest neighbours among the stored training embeddings", 
                        ["query", "--store", trainStore, "--model", embedder, "-k", "5", "-o", path("neighbours.csv")] + queries + runtimeArguments)
            print(try String(contentsOfFile: path("neighbours.csv"), encoding: .utf8), terminator: "")
            try command("The one-shot protocol: Sandal and Sneaker each enrolled from one image, \(draws) draws", 
                        ["one-shot", "--model", embedder, "--draws", draws, "-o", path("one-shot.json")]
                            + dataDirectoryArguments + runtimeArguments)
            try command("Compare both approaches on the test set, Sandal and Sneaker also over \(draws) draws of their one image", 
                        ["compare", "fashion-mnist:test", "--softmax", focal, "--embedding", embedder, "--gallery", gallery,
                         "--one-shot-draws", draws, "--shots", "fashion-mnist:validation",
                         "-o", path("report")] + dataDirectoryArguments + runtimeArguments)

            print(String(format: "\ndemo finished in %.0f s. Open %@ in a browser; the notebooks in Notebooks/ read %@.",
                         Date().timeIntervalSince(started), path("report/report.html"), out))
        }

        /// Prints `$ likeness ARGUMENTS…` and runs it as a child process of this executable, sharing
        /// its standard output and error: each model file records the command that made it.
        func likeness(_ arguments: [String]) throws {
            let line = "likeness " + arguments.map(shellWord).joined(separator: " ")
            print("$ " + line)
            fflush(nil)  // what this process printed comes before what the child prints
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            process.arguments = arguments
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw DemoStepFailure(command: line, status: process.terminationStatus)
            }
        }

        func path(_ name: String) -> String { (out as NSString).appendingPathComponent(name) }

        /// `--data-directory` for the subcommands, when Fashion-MNIST is not in its default place.
        var dataDirectoryArguments: [String] { data == FashionMNIST.defaultDirectory ? [] : ["--data-directory", data] }

        /// The seed and thread count, passed on to every subcommand.
        var runtimeArguments: [String] {
            (runtime.seed == 0 ? [] : ["--seed", String(runtime.seed)]) + (runtime.threads.map { ["--threads", String($0)] } ?? [])
        }
    }
}

/// A demo step whose command failed (its own message is already on standard error).
struct DemoStepFailure: Error, CustomStringConvertible {
    var command: String
    var status: Int32

    var description: String { "the demo stopped: `\(command)` exited with status \(status)." }
}

/// `word` as a shell would need it typed: quoted when it holds anything but plain characters.
func shellWord(_ word: String) -> String {
    let plain = word.allSatisfy { $0.isLetter || $0.isNumber || "-_./,:=+@%".contains($0) }
    return plain && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

extension FileManager {
    /// Removes `path` if it exists (the demo starts its gallery afresh on every run).
    func removeItemIfPresent(atPath path: String) throws {
        if fileExists(atPath: path) { try removeItem(atPath: path) }
    }
}
