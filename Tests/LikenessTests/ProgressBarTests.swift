import Foundation
import Likeness
import Testing

/// What a `ProgressBar` writes when its output is not a terminal (a log, CI).
@Suite struct ProgressBarTests {
    /// The lines `draw` writes through a bar on a pipe.
    func lines(_ draw: (FileHandle) -> Void) throws -> [String] {
        let pipe = Pipe()
        draw(pipe.fileHandleForWriting)
        try pipe.fileHandleForWriting.close()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return text.split(separator: "\n").map(String.init)
    }

    @Test func theFinalLineIsWrittenOnce() throws {
        let written = try lines { output in
            let bar = ProgressBar("embedding", total: 3, unit: "images", plainInterval: 0, output: output)
            for _ in 0..<3 { bar.advance() }
            bar.finish()
            bar.finish()
        }
        #expect(written.count == 3, "\(written)")
        #expect(written.filter { $0.contains("100%") }.count == 1, "\(written)")
        #expect(written.last?.hasPrefix("embedding: 100% 3/3 images") == true && written.last?.contains("took") == true, "\(written)")
        #expect(written.first?.hasPrefix("embedding: 33% 1/3 images") == true, "\(written)")
    }

    @Test func aStageOfARunShowsTheRunsETA() throws {
        // Stage 2 of 4 (1 done, 3 left) half done 10 s after the run started: 1.5 stages in
        // 10 s, so 2.5 stages left take 10 · 2.5 / 1.5 ≈ 16.7 s.
        let written = try lines { output in
            let run = ProgressBar.RunStage(start: Date(timeIntervalSinceNow: -10), done: 1, remaining: 3)
            let bar = ProgressBar("epoch 2/4", total: 4, unit: "images", plainInterval: 0, run: run, output: output)
            bar.advance(by: 2)
            bar.advance(by: 2)
            bar.finish(note: "loss 0.5")
        }
        #expect(written.count == 2, "\(written)")
        let eta = try #require(written.first?.split(separator: "run ETA ").last?.prefix(4))
        #expect(["0:17", "0:18"].contains(String(eta)), "\(written)")
        #expect(written.last?.contains("run ETA") == true && written.last?.hasSuffix("loss 0.5") == true, "\(written)")

        // The last stage's final line has no run ETA left to show.
        let last = try lines { output in
            let bar = ProgressBar("epoch 4/4", total: 1, run: ProgressBar.RunStage(start: Date(), done: 3, remaining: 1), output: output)
            bar.advance()
            bar.finish()
        }
        #expect(last.count == 1 && !last[0].contains("run ETA"), "\(last)")
    }
}
