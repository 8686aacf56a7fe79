import Foundation
import GleanTrain

/// Watches a semi-supervised run for the two ways it collapses instead of learning: one class
/// taking nearly every confident pseudo-label (`pseudo_top_share` of at least `dominance` for
/// `patience` epochs in a row after the first, with three classes or more), or the labeled loss not falling
/// (`loss_x` after `patience` epochs still at least 90% of the first epoch's while that was above
/// half of log C, the loss of a uniform guess). It then stops the run after the epoch and keeps
/// what it found in `finding`, which the run's report prints — a collapse is reported, never
/// silently trained through.
public final class CollapseMonitor: Callback {
    public let classCount: Int
    public let dominance: Double
    public let patience: Int
    /// What was found, with the epoch and the figures (nil while the run looks healthy).
    public private(set) var finding: String?
    private var firstLabeledLoss: Double?
    private var dominatedEpochs = 0

    public init(classCount: Int, dominance: Double = 0.9, patience: Int = 2) {
        self.classCount = classCount
        self.dominance = dominance
        self.patience = patience
    }

    public func epochFinished(_ context: TrainingContext, metrics: EpochMetrics) throws {
        guard finding == nil else { return }
        let epoch = context.epoch + 1
        // A fresh model's first predictions are often all one class (seen: 97% in FlexMatch's
        // first epoch from scratch, 37% in its second), so dominance counts from the second epoch.
        if let share = metrics["pseudo_top_share"], classCount >= 3, context.epoch >= 1 {
            dominatedEpochs = share >= dominance ? dominatedEpochs + 1 : 0
            if dominatedEpochs >= patience {
                finding = String(format: "collapse: one class took %.0f%% of the confident pseudo-labels for %d epochs in a row "
                                 + "(epoch %d, mask rate %.0f%%); lower the learning rate, warm-start from a supervised model "
                                 + "(--init … --init-head keep) or use --distribution-alignment true",
                                 100 * share, dominatedEpochs, epoch, 100 * (metrics["mask_rate"] ?? 0))
            }
        }
        if let loss = metrics["loss_x"] {
            if firstLabeledLoss == nil { firstLabeledLoss = loss }
            let first = firstLabeledLoss!
            if finding == nil, context.epoch >= patience, first > 0.5 * log(Double(classCount)), loss >= 0.9 * first {
                finding = String(format: "collapse: the labeled loss is not falling (loss_x %.3f at epoch %d, %.3f at epoch 1): "
                                 + "the model does not fit even the labeled images; lower the learning rate or the unlabeled loss weight",
                                 loss, epoch, first)
            }
        }
        if finding != nil { context.stopRequested = true }
    }
}
