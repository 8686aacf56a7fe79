import GleanData
import GleanNN
import GleanTensor
import GleanTrain

/// Knowledge distillation (Hinton et al.): the student matches the teacher's class
/// probabilities softened by temperature T,
/// `loss = α·T²·KL(softmax(teacher/T) ‖ softmax(student/T)) + (1 − α)·CE(student, labels)`.
/// On an unlabeled stream (`inputs == .unlabeled`) the teacher's soft labels are the only
/// targets. The teacher runs in eval mode without gradients.
public final class Distillation: TrainingTask {
    public let model: Module
    public let teacher: Module
    public let temperature: Float, alpha: Float
    public let inputs: StepInputs
    /// Maps the student's normalised inputs to the teacher's normalisation (identity when equal).
    private let teacherInput: (Tensor) -> Tensor

    /// - Parameters:
    ///   - fromUnlabeled: learn from the teacher on unlabeled batches only (no labels, α = 1).
    ///   - teacherInput: converts a batch normalised for the student into the teacher's
    ///     normalisation (see `Distillation.renormalization`).
    public init(student: Module, teacher: Module, temperature: Float = 4, alpha: Float = 0.9, fromUnlabeled: Bool = false,
                teacherInput: @escaping (Tensor) -> Tensor = { $0 }) {
        require(temperature > 0, "Distillation: temperature \(temperature) must be positive")
        require(alpha >= 0 && alpha <= 1, "Distillation: alpha \(alpha) must be in [0, 1]")
        model = student
        self.teacher = teacher
        self.temperature = temperature
        self.alpha = fromUnlabeled ? 1 : alpha
        inputs = fromUnlabeled ? .unlabeled : .labeled
        self.teacherInput = teacherInput
        for parameter in teacher.parameters { parameter.isTrainable = false }
    }

    public func trainingStep(_ batch: StepBatch, context: StepContext) -> StepOutput {
        let examples = (batch.labeled ?? batch.unlabeled)!
        let teacherLogits = teacher.inference(teacherInput(examples.images))
        model.train()
        let logits = model(examples.images)
        let softTargets = (teacherLogits * (1 / temperature)).softmax(axis: 1)
        let distillation = (logits * (1 / temperature)).logSoftmax(axis: 1).klDivergence(targets: softTargets)
            * (temperature * temperature)
        let agreement = zip(logits.argmax(axis: 1), teacherLogits.argmax(axis: 1)).filter { $0 == $1 }.count
        var scalars = ["loss_kd": Double(distillation.item), "teacher_agreement": Double(agreement) / Double(examples.labels.count)]
        guard inputs == .labeled else {
            return StepOutput(loss: distillation, exampleCount: examples.labels.count, scalars: scalars)
        }
        let supervised = logits.crossEntropy(labels: examples.labels)
        scalars["loss_ce"] = Double(supervised.item)
        return StepOutput(loss: alpha * distillation + (1 - alpha) * supervised, logits: logits, labels: examples.labels,
                          scalars: scalars)
    }

    /// The per-channel affine map from inputs normalised with (`mean`, `std`) to inputs
    /// normalised with (`teacherMean`, `teacherStd`): `x·std/teacherStd + (mean − teacherMean)/teacherStd`.
    public static func renormalization(mean: [Float], std: [Float], teacherMean: [Float], teacherStd: [Float]) -> (Tensor) -> Tensor {
        require(mean.count == teacherMean.count && std.count == teacherStd.count && mean.count == std.count,
                "Distillation.renormalization: \(mean.count) channels against the teacher's \(teacherMean.count)")
        if mean == teacherMean && std == teacherStd { return { $0 } }
        let channels = mean.count
        let scale = Tensor(zip(std, teacherStd).map { $0 / $1 }, shape: [1, channels, 1, 1])
        let shift = Tensor((0..<channels).map { (mean[$0] - teacherMean[$0]) / teacherStd[$0] }, shape: [1, channels, 1, 1])
        return { $0 * scale + shift }
    }
}
