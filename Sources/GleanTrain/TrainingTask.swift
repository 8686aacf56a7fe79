import GleanData
import GleanNN
import GleanTensor

/// What one training step of a task consumes.
public enum StepInputs: Sendable {
    /// A labeled batch (supervised training, distillation with labels).
    case labeled
    /// An unlabeled batch, usually with several augmented views (SimCLR, distillation from
    /// soft labels only).
    case unlabeled
    /// A labeled batch plus an unlabeled batch (pseudo-labeling, FixMatch).
    case labeledAndUnlabeled

    var needsLabeled: Bool { self != .unlabeled }
    var needsUnlabeled: Bool { self != .labeled }
}

/// The batches of one step, as the task's `inputs` declared.
public struct StepBatch {
    public let labeled: Batch?
    public let unlabeled: Batch?

    public init(labeled: Batch? = nil, unlabeled: Batch? = nil) {
        self.labeled = labeled
        self.unlabeled = unlabeled
    }
}

/// Where the trainer is when it runs a step.
public struct StepContext: Sendable, Equatable {
    /// Optimizer steps taken before this one, across epochs.
    public let globalStep: Int
    /// Current epoch, 0-based.
    public let epoch: Int
    /// Position of this step within its epoch, 0-based.
    public let stepInEpoch: Int
    public let stepsPerEpoch: Int
    /// Steps of the whole run (`stepsPerEpoch × epochs`).
    public let totalSteps: Int

    public init(globalStep: Int, epoch: Int, stepInEpoch: Int, stepsPerEpoch: Int, totalSteps: Int) {
        self.globalStep = globalStep
        self.epoch = epoch
        self.stepInEpoch = stepInEpoch
        self.stepsPerEpoch = stepsPerEpoch
        self.totalSteps = totalSteps
    }
}

/// What one step computed.
public struct StepOutput {
    /// Scalar loss (with gradients in training steps).
    public let loss: Tensor
    /// `[N, C]` class scores of the labeled examples, when the task classifies them.
    public let logits: Tensor?
    /// True labels for `logits`, for the running accuracy.
    public let labels: [Int]
    /// Examples processed (for images/s).
    public let exampleCount: Int
    /// Named figures of the step (e.g. `loss_x`, `loss_u`, `mask_rate`); the trainer averages
    /// them over the epoch into the metrics, the progress line, the CSV and the report.
    public let scalars: [String: Double]

    public init(loss: Tensor, logits: Tensor? = nil, labels: [Int] = [], exampleCount: Int? = nil,
                scalars: [String: Double] = [:]) {
        require(logits == nil || logits!.shape[0] == labels.count,
                "StepOutput: logits \(logits?.shape.description ?? "") need one label per row, got \(labels.count)")
        self.loss = loss
        self.logits = logits
        self.labels = labels
        self.exampleCount = exampleCount ?? labels.count
        self.scalars = scalars
    }
}

/// State a task or callback keeps between steps that a resumed run needs (teachers, ramp
/// positions, best values so far): tensors and text, stored in the run's resume file.
public struct SavedState: Equatable {
    public var tensors: [(String, StoredTensor)]
    public var metadata: [String: String]

    public init(tensors: [(String, StoredTensor)] = [], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    public static func == (lhs: SavedState, rhs: SavedState) -> Bool {
        lhs.metadata == rhs.metadata && lhs.tensors.map(\.0) == rhs.tensors.map(\.0)
            && zip(lhs.tensors, rhs.tensors).allSatisfy { $0.1 == $1.1 }
    }
}

/// One method's maths on the shared `Trainer` loop: what a step consumes, the loss it returns,
/// what happens after each optimizer update, and the state a resumed run needs. Supervised
/// training, SimCLR, distillation, pseudo-labeling and FixMatch implement it.
public protocol TrainingTask: AnyObject {
    /// The module whose parameters the optimizer updates and checkpoints save.
    var model: Module { get }
    /// What one step consumes (default: a labeled batch).
    var inputs: StepInputs { get }
    /// Forward pass in training mode; the trainer calls `backward()` on the loss and steps the
    /// optimizer.
    func trainingStep(_ batch: StepBatch, context: StepContext) -> StepOutput
    /// Runs after every optimizer update (EMA teachers, momentum encoders, queues).
    func afterOptimizerStep(_ context: StepContext)
    /// State to store in the resume file (default: none).
    func saveState() -> SavedState
    /// Puts back what `saveState` returned; throws when it does not fit.
    func restoreState(_ state: SavedState) throws
}

extension TrainingTask {
    public var inputs: StepInputs { .labeled }
    public func afterOptimizerStep(_ context: StepContext) {}
    public func saveState() -> SavedState { SavedState() }
    public func restoreState(_ state: SavedState) throws {}
}
