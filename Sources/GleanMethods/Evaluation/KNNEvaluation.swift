import Foundation

/// The final kNN read-out of a set of features: the labeled images are the bank, the vote
/// temperature is fixed or the best on validation features, and the test features are
/// classified once. Used for encoders (`glean knn-eval`, `glean pretrain`) and for raw pixels
/// (`PixelBaseline`), so both figures come from the same rule.
public enum KNNEvaluation {
    /// The temperature used where none is given and there is no validation set to choose one.
    public static let fallbackTemperature: Float = 0.1

    /// `bank`, `validation` and `test`: `[count, features]` each, with their labels. With
    /// `temperature` nil the vote temperature is the best of `KNNNeighbours.temperatureGrid`
    /// on `validation`; without validation, on the bank itself leaving each entry out of its own
    /// vote (labels only, so a run with few labels needs none held out); with a one-entry bank,
    /// `fallbackTemperature`.
    public static func evaluate(bank: FeatureSet, validation: FeatureSet?, test: FeatureSet, k: Int,
                                temperature: Float?) -> KNNResult {
        let classifier = KNNClassifier(bank: bank, k: k)
        var chosen = temperature ?? fallbackTemperature
        var choice = temperature == nil ? KNNResult.TemperatureChoice.fallback : .fixed
        var validationTop1: Double?
        if let validation {
            let neighbours = classifier.neighbours(of: validation)
            if temperature == nil { (chosen, choice) = (neighbours.best().temperature, .validation) }
            validationTop1 = neighbours.accuracy(temperature: chosen).top1
        } else if temperature == nil, bank.count > 1 {
            (chosen, choice) = (classifier.neighbours(of: bank, leavingOneOut: true).best().temperature, .leaveOneOut)
        }
        let scores = classifier.neighbours(of: test).accuracy(temperature: chosen)
        return KNNResult(top1: scores.top1, top5: scores.top5, validationTop1: validationTop1, temperature: chosen,
                         choice: choice, k: classifier.k, bankCount: bank.count, testCount: test.count)
    }
}

/// What a final kNN evaluation measured, and how.
public struct KNNResult: Sendable {
    public let top1: Double, top5: Double
    public let validationTop1: Double?
    public let temperature: Float
    public let choice: TemperatureChoice
    public let k: Int
    public let bankCount: Int, testCount: Int

    /// How the vote temperature was set.
    public enum TemperatureChoice: String, Sendable {
        case fixed = "fixed", validation = "chosen on the validation images"
        case leaveOneOut = "chosen on the labeled images, each left out of its own vote", fallback = "the default"
    }

    /// One line for the log and the report.
    public var summary: String {
        let how = choice.rawValue
        let validation = validationTop1.map { "; validation " + Self.percent($0) } ?? ""
        return "kNN test accuracy: \(Self.percent(top1)) (top-5 \(Self.percent(top5))) on \(testCount) test images\(validation); "
            + "bank of \(bankCount) labeled images, k = \(k), temperature \(temperature) (\(how))"
    }

    static func percent(_ fraction: Double) -> String { String(format: "%.2f%%", 100 * fraction) }
}

extension KNNEvaluation {
    /// k where the user gives none: 200 (the SimCLR and InstDisc read-out), but never more than
    /// the bank's mean images per class (a vote over more neighbours than a class has must count
    /// other classes), and at least 1.
    public static func defaultK(bankCount: Int, classCount: Int) -> Int {
        max(1, min(200, bankCount / max(1, classCount)))
    }
}
