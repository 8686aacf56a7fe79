import Foundation

/// Keeps a `--minutes` run to its budget when the steps timed before training (`TimeBudget`)
/// were not what the epochs take: a machine still busy with something else while the probe ran,
/// validation and monitors that the probe does not see. After each of the run's first epochs
/// (the first tenth of the plan, at least one) it takes the mean wall time per epoch so far,
/// validation and callbacks included, and sets the run's epoch count to those done plus as many
/// more as fit in what is left of the budget (`TimeBudget.epochs(done:spent:fitting:epochSeconds:)`:
/// only `TimeBudget.finalReserve` is kept back now that the epochs' time is known); `replanned`
/// hands a changed count to what depends on it (the schedule, the run's config). Later epochs
/// keep the count, so a schedule changes only while its rate is still near its start — unless
/// nothing in the run follows the count (`throughout`: a constant rate), when every epoch
/// corrects it and the run ends as near its budget as whole epochs allow.
public final class TimeBudgetReplan: Callback {
    /// The budget in minutes.
    public let minutes: Double
    /// Whether every epoch corrects the count, not only the first tenth.
    public let throughout: Bool
    private let replanned: (_ epochs: Int, _ epochSeconds: Double) throws -> Void
    private let clock: () -> Double
    private var budgetStart: Double?
    private var fitStart = 0.0
    private var planningEpochs = 1

    /// - Parameters:
    ///   - budgetStart: the `clock` reading when the budget began (before the data was read and
    ///     the steps timed); nil: when training starts.
    ///   - throughout: correct the count after every epoch (for runs whose schedule does not
    ///     follow it), not only in the first tenth.
    ///   - clock: reads seconds (tests pass their own).
    ///   - replanned: gets the new epoch count and the measured seconds per epoch.
    public init(minutes: Double, budgetStart: Double? = nil, throughout: Bool = false,
                clock: @escaping () -> Double = { Date().timeIntervalSinceReferenceDate },
                replanned: @escaping (_ epochs: Int, _ epochSeconds: Double) throws -> Void) {
        self.minutes = minutes
        self.throughout = throughout
        self.budgetStart = budgetStart
        self.clock = clock
        self.replanned = replanned
    }

    public func fitStarted(_ context: TrainingContext) throws {
        fitStart = clock()
        budgetStart = budgetStart ?? fitStart
        planningEpochs = max(1, context.totalEpochs / 10)
    }

    public func epochFinished(_ context: TrainingContext, metrics: EpochMetrics) throws {
        let done = context.epoch + 1
        guard done <= planningEpochs || throughout, let budgetStart else { return }
        // Every process plans with the slowest one's times, so that all stop at the same epoch.
        let now = clock()
        var elapsed = [now - fitStart, now - budgetStart]
        DataParallel.group.allReduceMax(&elapsed)
        let epochSeconds = elapsed[0] / Double(done)
        let epochs = TimeBudget.epochs(done: done, spent: elapsed[1], fitting: minutes, epochSeconds: epochSeconds)
        guard epochs != context.totalEpochs else { return }
        context.totalEpochs = epochs
        try replanned(epochs, epochSeconds)
    }
}
