import Foundation
import Likeness

/// The runs of a speed figure: each of Likeness's runs followed right away by the peer's, so that
/// the two of a pair see the same load on a shared machine, and the ratio of each pair.
struct PairedRuns {
    var ours: [Double] = []
    /// The peer's runs, one per run of ours while the peer was there (none without a peer).
    var peer: [PeerFigure] = []

    /// Ours over the peer's, pair by pair.
    var ratios: [Double] { zip(ours, peer).map { $0 / $1.value } }

    /// `count` runs of `ours`, each followed by one of `peer` (while it runs; a peer that is
    /// skipped, its packages missing, is left out with a note). Each closure returns a speed.
    static func measure(_ label: String, count: Int, unit: FigureUnit, ours: () throws -> Double, peer: Peer?) throws -> PairedRuns {
        var runs = PairedRuns()
        var peer = peer
        for r in 1...count {
            runs.ours.append(try ours())
            var line = "\(label): run \(r)/\(count): \(Int(runs.ours.last!.rounded())) \(unit.rawValue)"
            if let current = peer {
                do {
                    let figure = try current.run()
                    runs.peer.append(figure)
                    line += " · \(figure.title) \(Int(figure.value.rounded())) \(unit.rawValue) · ratio "
                        + String(format: "%.2f", runs.ratios.last!)
                } catch let skipped as PeerScript.Skipped {
                    printDiagnostic("\(label): \(skipped); going on without \(current.title)")
                    peer = nil
                }
            }
            printDiagnostic(line)
        }
        return runs
    }
}

/// The median of the runs: the figure every speed measure reports.
func median(_ xs: [Double]) -> Double {
    precondition(!xs.isEmpty, "the median of no runs")
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Seconds taken by `body`.
func seconds(_ body: () throws -> Void) rethrows -> Double {
    try timed(body).seconds
}

/// What `body` returns, and the seconds it took.
func timed<Result>(_ body: () throws -> Result) rethrows -> (result: Result, seconds: Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let result = try body()
    return (result, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}

extension FigureOutput {
    /// Likeness's figure `<base>_<unit>`; with the peer, the peer's `<peer>_<base>_<unit>` and the
    /// median of the same-run ratios, `<base>_speedup_vs_<peer>`. `details` go to both speeds,
    /// `ownDetails` to Likeness's alone. `writingOwn` false leaves Likeness's figure out (a second
    /// peer's pairing of a measure whose own figure the first pairing wrote).
    func write(_ runs: PairedRuns, base: String, unit: FigureUnit, peerName: String, details: [String: Any],
               ownDetails: [String: Any] = [:], writingOwn: Bool = true) throws {
        if writingOwn {
            try write(Figure(name: "\(base)_\(unit.nameSuffix)", value: median(runs.ours), unit: unit, runs: runs.ours,
                             details: details.merging(ownDetails) { $1 }))
        }
        guard let last = runs.peer.last else { return }
        let title = last.title
        let peerRuns = runs.peer.map(\.value)
        try write(Figure(name: "\(peerName)_\(base)_\(unit.nameSuffix)", value: median(peerRuns), unit: unit, runs: peerRuns,
                         details: last.details.merging(details) { $1 }.merging(["peer": title]) { $1 }))
        try write(Figure(name: "\(base)_speedup_vs_\(peerName)", value: median(runs.ratios), unit: .ratio, runs: runs.ratios,
                         details: ["peer": title, "what": "Likeness / \(title) \(unit.rawValue): each Likeness run paired with the \(title) run right after it, the median of the pairs' ratios"]))
    }
}
