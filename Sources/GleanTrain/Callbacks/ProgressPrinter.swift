import Foundation

/// Prints progress: on a terminal a live line per epoch (step, loss, running accuracy, images/s,
/// ETA); otherwise plain lines at most every `interval` seconds. Always a summary line per epoch.
/// With a `log`, the plain lines and summaries also go to the run's log file.
public final class ProgressPrinter: Callback {
    public let interval: Double
    public let log: RunLog?
    private let isTerminal = isatty(STDOUT_FILENO) != 0
    private var lastPlainLine = Date.distantPast
    private var epochStart = Date()

    public init(interval: Double = 10, log: RunLog? = nil) {
        self.interval = interval
        self.log = log
    }

    public func epochStarted(_ context: TrainingContext) throws { epochStart = Date() }

    public func batchFinished(_ context: TrainingContext, loss: Float, batchIndex: Int, imagesPerSecond: Double) throws {
        let now = Date()
        let plainLineDue = now.timeIntervalSince(lastPlainLine) >= interval
        guard isTerminal || plainLineDue else { return }
        let done = batchIndex + 1, total = max(context.stepsPerEpoch, done)
        let eta = now.timeIntervalSince(epochStart) / Double(done) * Double(total - done)
        let accuracy = context.runningAccuracy.map { String(format: "  accuracy %.2f%%", 100 * $0) } ?? ""
        let scalars = context.stepScalars.sorted { $0.key < $1.key }.map { "  " + Self.format($0.key, $0.value) }.joined()
        let line = String(format: "epoch %d/%d  step %d/%d  loss %.4f", context.epoch + 1, context.totalEpochs, done, total, loss)
            + scalars + accuracy + String(format: "  %.0f img/s  ETA %.0fs", imagesPerSecond, eta)
        if isTerminal {
            print("\r" + line, terminator: "")
        } else {
            print(line)
        }
        fflush(stdout)
        if plainLineDue {
            lastPlainLine = now
            log?.write(line)
        }
    }

    public func epochFinished(_ context: TrainingContext, metrics: EpochMetrics) throws {
        var parts = [String(format: "epoch %d/%d", context.epoch + 1, context.totalEpochs)]
        let timing: Set<String> = ["seconds", "images_per_s", "lr"]
        let shown = ["loss"] + metrics.keys.filter { !$0.hasPrefix("val_") && !timing.contains($0) && $0 != "loss" }.sorted()
            + metrics.keys.filter { $0.hasPrefix("val_") }.sorted() + ["lr"]
        for key in shown {
            guard let value = metrics[key] else { continue }
            parts.append(Self.format(key, value))
        }
        parts.append(String(format: "%.1fs  %.0f img/s", metrics["seconds"] ?? 0, metrics["images_per_s"] ?? 0))
        let summary = parts.joined(separator: "  ")
        print((isTerminal ? "\r" : "") + summary)
        log?.write(summary)
        fflush(stdout)
    }

    /// `name value`, as a percentage for accuracies and rates.
    static func format(_ key: String, _ value: Double) -> String {
        let percent = key.hasSuffix("accuracy") || key.hasSuffix("top5") || key.hasSuffix("_rate")
        return percent ? String(format: "%@ %.2f%%", key, 100 * value) : String(format: "%@ %.4g", key, value)
    }
}
