import GleanNN
import GleanTensor
import GleanTrain

/// Distribution alignment (Berthelot et al., ReMixMatch, 2020): the model's class probabilities
/// on unlabeled images are multiplied by `target(c) / running(c)` and renormalised, where
/// `running` is a moving average of its mean prediction over unlabeled batches and `target` the
/// class distribution of the labeled images. A model that under-predicts a class gets that
/// class's confidences raised until its predictions are as frequent as its labels, so fewer of a
/// hard class's images are lost to the classes it is confused with. In data-parallel training
/// the mean is taken over the global batch (summed over the processes), so every process keeps
/// the same average as one process would.
public final class DistributionAlignment {
    /// The class distribution to align to (sums to 1).
    public let target: [Float]
    /// Weight of the old average at each update (0.999 as in FreeMatch and SoftMatch).
    public let momentum: Float
    /// The moving average of the mean unaligned prediction, starting at `target`.
    public private(set) var running: [Float]

    /// - Parameters:
    ///   - classCounts: labeled images per class; the target is their share (no class may be 0).
    ///   - momentum: in [0, 1).
    public init(classCounts: [Int], momentum: Float = 0.999) {
        let total = classCounts.reduce(0, +)
        require(!classCounts.isEmpty && classCounts.allSatisfy({ $0 > 0 }),
                "DistributionAlignment: every class needs labeled images to align to, got counts \(classCounts)")
        require(momentum >= 0 && momentum < 1, "DistributionAlignment: momentum \(momentum) must be in [0, 1)")
        target = classCounts.map { Float($0) / Float(total) }
        self.momentum = momentum
        running = target
    }

    public var classCount: Int { target.count }

    /// Updates the moving average with the batch's mean of `probabilities` (`[N, C]` row-major,
    /// each row a distribution), then returns them aligned: each row times `target / running`,
    /// renormalised to sum 1.
    public func align(_ probabilities: [Float], rows: Int) -> [Float] {
        let classes = classCount
        require(probabilities.count == rows * classes,
                "DistributionAlignment: \(probabilities.count) probabilities are not \(rows) rows of \(classes) classes")
        guard rows > 0 else { return probabilities }
        var mean = [Float](repeating: 0, count: classes)
        for row in 0..<rows {
            for column in 0..<classes { mean[column] += probabilities[row * classes + column] }
        }
        var sums = mean + [Float(rows)]
        DataParallel.group.allReduceSum(&sums)
        let globalRows = sums.removeLast()
        for column in 0..<classes {
            running[column] = momentum * running[column] + (1 - momentum) * sums[column] / globalRows
        }
        let factors = (0..<classes).map { target[$0] / max(running[$0], .leastNormalMagnitude) }
        var aligned = probabilities
        for row in 0..<rows {
            var sum: Float = 0
            for column in 0..<classes {
                aligned[row * classes + column] *= factors[column]
                sum += aligned[row * classes + column]
            }
            for column in 0..<classes { aligned[row * classes + column] /= max(sum, .leastNormalMagnitude) }
        }
        return aligned
    }

    /// The moving average, for the resume file.
    public func saveState() -> [(String, StoredTensor)] {
        [("distribution_alignment.running", .float(values: running, shape: [classCount]))]
    }

    /// Restores `saveState`'s tensor; throws when it does not fit.
    public func restoreState(_ tensors: [(String, StoredTensor)]) throws {
        guard let stored = tensors.first(where: { $0.0 == "distribution_alignment.running" })?.1,
              case let .float(values, _) = stored, values.count == classCount, values.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw CheckpointError.mismatch(reason: "the resume file lacks distribution alignment's running mean of \(classCount) classes")
        }
        running = values
    }
}
