import ArgumentParser
import Likeness

@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "likeness-bench")
}
