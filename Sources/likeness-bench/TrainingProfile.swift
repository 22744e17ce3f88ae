import Foundation
import Likeness

/// Where a training step's time goes (`likeness-bench train --profile`): each layer's forward and
/// backward pass, the loss and the optimizer step, timed apart over the same steps the speed
/// figure runs, with the achieved GFLOP/s of the layers that multiply (convolutions, dense).
///
/// The step is the one `ClassifierStep` and `EmbeddingStep` take, run layer by layer from
/// `Sequential.layers` so that the library's own path carries no timing. Floating-point operations
/// of a convolution `2·N·C_out·H_out·W_out·C_in·k²` forward, twice that backward (the input's
/// gradient and the weights'), once for the first layer, which needs no input gradient; of a dense
/// layer `2·N·in·out`, likewise. A convolution's time includes its fused ReLU and max-pooling.
struct TrainingProfile {
    /// One timed part of the step.
    struct Part {
        let name: String
        let pass: String
        /// Seconds per step, the median over the steps.
        let seconds: Double
        /// Floating-point operations per step; nil for a part that does not multiply matrices.
        let flops: Double?
    }

    let head: String
    let parts: [Part]

    /// Profiles `steps` steps of `model` on `batches` (cycled), `loss` giving the loss's gradient
    /// with respect to the outputs, after 3 steps of warm-up.
    init(head: String, model: Sequential, optimizer: some Optimizer, batches: [(images: Tensor, labels: [Int])], steps: Int,
         loss: (Tensor, [Int]) -> Tensor) {
        let layers = model.layers
        var forward = [[Double]](repeating: [], count: layers.count), backward = forward
        var lossTimes: [Double] = [], optimizerTimes: [Double] = []
        var flops = [Double?](repeating: nil, count: layers.count)
        let clock = ContinuousClock()
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
        for step in 0..<(steps + 3) {
            let batch = batches[step % batches.count]
            let timed = step >= 3
            model.zeroGradients()
            var x = batch.images
            for (i, entry) in layers.enumerated() {
                if flops[i] == nil { flops[i] = Self.forwardFlops(of: entry.layer, input: x.shape) }
                let start = clock.now
                x = entry.layer.forward(x, training: true)
                if timed { forward[i].append(seconds(clock.now - start)) }
            }
            var start = clock.now
            var gradient = loss(x, batch.labels)
            if timed { lossTimes.append(seconds(clock.now - start)) }
            for i in layers.indices.reversed() {
                start = clock.now
                let next = layers[i].layer.backward(gradient, inputGradient: i > 0)
                if timed { backward[i].append(seconds(clock.now - start)) }
                if let next { gradient = next }
            }
            start = clock.now
            optimizer.step()
            if timed { optimizerTimes.append(seconds(clock.now - start)) }
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        var parts: [Part] = []
        for (i, entry) in layers.enumerated() {
            parts.append(Part(name: entry.name, pass: "forward", seconds: median(forward[i]), flops: flops[i]))
        }
        parts.append(Part(name: "loss", pass: "forward and gradient", seconds: median(lossTimes), flops: nil))
        for (i, entry) in layers.enumerated().reversed() {
            parts.append(Part(name: entry.name, pass: "backward", seconds: median(backward[i]), flops: flops[i].map { i > 0 ? 2 * $0 : $0 }))
        }
        parts.append(Part(name: "Adam", pass: "step", seconds: median(optimizerTimes), flops: nil))
        self.head = head
        self.parts = parts
    }

    /// The forward pass's floating-point operations of `layer` on an input of `shape`; nil for a
    /// layer without a matrix product.
    static func forwardFlops(of layer: any Layer, input shape: [Int]) -> Double? {
        switch layer {
        case let conv as Conv2d:
            let (n, h, w) = (shape[0], shape[2], shape[3])
            let k = conv.kernelSize
            let outH = (h + 2 * conv.padding - k) / conv.stride + 1, outW = (w + 2 * conv.padding - k) / conv.stride + 1
            return 2 * Double(n * conv.outputChannels * outH * outW) * Double(conv.inputChannels * k * k)
        case let dense as Linear:
            return 2 * Double(shape[0]) * Double(dense.inputCount * dense.outputCount)
        default:
            return nil
        }
    }

    /// The profile as a Markdown table: each part's milliseconds per step, share of the step and GFLOP/s.
    var table: String {
        let total = parts.map(\.seconds).reduce(0, +)
        var lines = ["\(head) head: \(String(format: "%.2f", total * 1000)) ms per step (the parts' medians added; "
                     + "a convolution's time includes its fused ReLU and max-pooling)", "",
                     "| layer | pass | ms per step | share | GFLOP/s |", "|---|---|---:|---:|---:|"]
        for part in parts {
            let rate = part.flops.map { String(format: "%.1f", $0 / part.seconds / 1e9) } ?? ""
            lines.append("| \(part.name) | \(part.pass) | \(String(format: "%.3f", part.seconds * 1000)) | "
                         + "\(String(format: "%.1f%%", 100 * part.seconds / total)) | \(rate) |")
        }
        let multiplying = parts.filter { $0.flops != nil }
        let flops = multiplying.compactMap(\.flops).reduce(0, +), time = multiplying.map(\.seconds).reduce(0, +)
        lines.append("| convolutions and dense layers | both | \(String(format: "%.3f", time * 1000)) | "
                     + "\(String(format: "%.1f%%", 100 * time / total)) | \(String(format: "%.1f", flops / time / 1e9)) |")
        return lines.joined(separator: "\n")
    }
}
