import Foundation
import GleanData

/// Records, after every epoch, the accuracy of the model's evaluation weights (the average when
/// the trainer keeps one) on `images`, against the seconds since `start` spent outside this
/// callback: the points of a chart of accuracy over wall time, such as `glean demo` draws. It is
/// a picture of the run, never a selection: nothing reads it to choose epochs or weights.
public final class AccuracyOverTime: Callback {
    public let images: BatchSource
    public let start: Date
    /// (seconds of training since `start`, accuracy) after each finished epoch, in order.
    public private(set) var points: [(seconds: Double, accuracy: Double)] = []
    /// Seconds this callback itself spent measuring (left out of the x axis).
    public private(set) var measuringSeconds = 0.0

    /// `start`: the clock's zero, shared by the runs drawn on one chart.
    public init(images: BatchSource, start: Date) {
        self.images = images
        self.start = start
    }

    /// Adds a point measured elsewhere (e.g. where a warm-started run begins).
    public func record(seconds: Double, accuracy: Double) {
        points.append((seconds, accuracy))
    }

    /// Seconds since `start`, less the time spent measuring.
    public var elapsed: Double { Date().timeIntervalSince(start) - measuringSeconds }

    public func epochFinished(_ context: TrainingContext, metrics: EpochMetrics) throws {
        let seconds = elapsed, began = Date()
        func measure() throws -> Double { try ClassificationValidation.evaluate(context.model, on: images).metrics["accuracy"] ?? 0 }
        let accuracy = try context.weightAverage.map { try $0.withAveragedWeights(measure) } ?? measure()
        points.append((seconds, accuracy))
        measuringSeconds += Date().timeIntervalSince(began)
    }
}
