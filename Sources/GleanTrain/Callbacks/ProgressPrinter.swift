import Foundation

/// Prints progress: on a terminal a live line per epoch (step, loss, images/s, ETA); otherwise
/// plain lines at most every `interval` seconds. Always a summary line per epoch.
public final class ProgressPrinter: Callback {
    public let interval: Double
    private let isTerminal = isatty(STDOUT_FILENO) != 0
    private var lastPrint = Date.distantPast
    private var epochStart = Date()

    public init(interval: Double = 10) { self.interval = interval }

    public func epochStarted(_ context: TrainingContext) throws { epochStart = Date() }

    public func batchFinished(_ context: TrainingContext, loss: Float, batchIndex: Int, imagesPerSecond: Double) throws {
        let now = Date()
        guard isTerminal || now.timeIntervalSince(lastPrint) >= interval else { return }
        lastPrint = now
        let done = batchIndex + 1, total = max(context.stepsPerEpoch, done)
        let eta = now.timeIntervalSince(epochStart) / Double(done) * Double(total - done)
        let line = String(format: "epoch %d/%d  step %d/%d  loss %.4f  %.0f img/s  ETA %.0fs",
                          context.epoch + 1, context.totalEpochs, done, total, loss, imagesPerSecond, eta)
        if isTerminal {
            print("\r" + line, terminator: "")
        } else {
            print(line)
        }
        fflush(stdout)
    }

    public func epochFinished(_ context: TrainingContext, metrics: EpochMetrics) throws {
        var parts = [String(format: "epoch %d/%d", context.epoch + 1, context.totalEpochs)]
        for key in ["loss", "accuracy", "val_loss", "val_accuracy", "val_top5", "lr"] {
            guard let value = metrics[key] else { continue }
            parts.append(key.hasSuffix("accuracy") || key.hasSuffix("top5")
                         ? String(format: "%@ %.2f%%", key, 100 * value) : String(format: "%@ %.4g", key, value))
        }
        parts.append(String(format: "%.1fs  %.0f img/s", metrics["seconds"] ?? 0, metrics["images_per_s"] ?? 0))
        print((isTerminal ? "\r" : "") + parts.joined(separator: "  "))
        fflush(stdout)
    }
}
