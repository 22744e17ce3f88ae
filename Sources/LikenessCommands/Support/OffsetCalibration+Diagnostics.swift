import Foundation
import Likeness

extension OffsetCalibration {
    /// What `train --calibrate-offsets` and `calibrate-offsets` print on standard error: the
    /// offsets by class, then the balanced accuracy of `images` before them, after them and
    /// cross-fitted.
    func printDiagnostics(command: String, images: String, classNames: [String]) {
        let byClass = zip(classNames, offsets).map { "\($0) \(String(format: "%+.2f", $1))" }
        printDiagnostic("\(command): logit offsets fitted on \(images): " + byClass.joined(separator: ", "))
        printDiagnostic("\(command): balanced accuracy of \(images) \(String(format: "%.4f", balancedAccuracyBefore)) before the offsets, "
                        + "\(String(format: "%.4f", balancedAccuracy)) after (fitted on them), "
                        + "\(String(format: "%.4f", crossFittedBalancedAccuracy)) cross-fitted (each half with the other half's offsets)")
    }
}
