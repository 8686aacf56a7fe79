import Glean

/// The semi-supervised methods of `glean semi`.
public enum SemiMethod: String, OptionChoice {
    /// `simclrFinetune` with at most `fewLabelsPerClass` labels per class, else `fixmatch`.
    case auto
    case pseudoLabelOnline = "pseudo-label-online", pseudoLabelOffline = "pseudo-label-offline", fixmatch, flexmatch
    case noisyStudent = "noisy-student", labelPropagation = "label-propagation"
    case simclrFinetune = "simclr-finetune"

    /// At or below this many labels per class (validation labels included), `auto` pretrains an
    /// encoder and fine-tunes it: FixMatch cannot start from a model that has learned nothing
    /// (3 labels per class of RGB digits: FixMatch 10.3%, from scratch 9.9%; pretrain 6 min +
    /// fine-tune 27.1% over 3 seeds; docs/few-labels.md).
    public static let fewLabelsPerClass = 5.0

    /// What `auto` means for `labelsPerClass` labels per class; any other method is itself.
    public func resolved(labelsPerClass: Double) -> SemiMethod {
        guard self == .auto else { return self }
        return labelsPerClass <= Self.fewLabelsPerClass ? .simclrFinetune : .fixmatch
    }

    /// Whether the method trains teachers and students in stages (self-training).
    public var isSelfTraining: Bool { self == .pseudoLabelOffline || self == .noisyStudent || self == .labelPropagation }

    /// Whether unlabeled images come as a weak and a strong view (FixMatch, FlexMatch).
    public var usesStrongViews: Bool { self == .fixmatch || self == .flexmatch }
}

/// Options of `glean semi`'s methods; `auto` values depend on the method.
public struct SemiOptions: Equatable {
    public var method = SemiMethod.auto
    public var threshold: Float?
    public var unlabeledRatio: Int?
    public var unlabeledWeight: Float = 1
    public var thresholdWarmup = true
    public var distributionAlignment = false
    public var pseudoWeight: Float = 3
    public var rampStart: Double?
    public var rampEnd: Double?
    public var pseudoLabelPass = PseudoLabelPass.train
    public var flips = true
    public var teacherEpochs = 30
    public var rounds: Int?
    public var studentWidth: Int?
    public var studentModel: ModelZoo.Name?
    public var targets = PseudoTargets.hard
    public var pseudoPerClass: Int?
    public var labeledShare: Double = 0.5
    public var graphImages = 20_000
    public var graphNeighbours = 10
    public var graphFeatures = GraphFeatures.pixels

    /// What label propagation's graph compares.
    public enum GraphFeatures: String, OptionChoice {
        case pixels, model
    }

    /// Which forward pass labels online pseudo-labeling's unlabeled batch.
    public enum PseudoLabelPass: String, OptionChoice {
        case train, eval
    }

    /// Self-training targets (`PseudoLabelSelection.Targets` on the command line).
    public enum PseudoTargets: String, OptionChoice {
        case hard, soft
    }

    public init() {}

    public static let options: [OptionSpec<SemiOptions>] = [
        .value("method", \.method, "auto: simclr-finetune with at most 5 labels per class (validation labels included), else fixmatch; simclr-finetune: SimCLR on every image, labeled and unlabeled (labels unused), for 85% of --minutes (else the epochs SimCLR's recipe chooses), then the encoder fine-tuned on every label (300 steps of 16; each step in its own run folder), as SimCLRv2 does with 1% of the labels; pseudo-label-online: labeled + unlabeled batches, the model's own argmax as targets with a ramped weight; pseudo-label-offline: a teacher labels the unlabeled images it is sure of, a fresh model trains on both; fixmatch: a weak view's confident prediction is the target of a strong view; flexmatch: fixmatch with per-class thresholds that start low and rise as each class is learned (converges in fewer steps); noisy-student: rounds of teacher -> noised student on class-balanced pseudo-labels; label-propagation: the labels spread over a nearest-neighbour graph of the labeled and --graph-images unlabeled images (centred pixels, Zhou et al. 2004 / Iscen et al. 2019), and the teacher trains on, as a student, with the most confident half of each class (cheap: no extra forward passes over the unlabeled images)."),
        .value("threshold", \.threshold, "Smallest softmax probability that keeps a pseudo-label (auto: 0 online, 0.99 offline, 0.95 fixmatch and flexmatch (tau), 0.8 noisy-student)."),
        .value("unlabeled-ratio", \.unlabeledRatio, "pseudo-label-online, fixmatch, flexmatch: unlabeled images per labeled image in a step, mu (auto: 7 fixmatch and flexmatch, 1 online)."),
        .value("unlabeled-weight", \.unlabeledWeight, "fixmatch, flexmatch: weight lambda_u of the unlabeled loss."),
        .value("threshold-warmup", \.thresholdWarmup, "flexmatch: keep the class thresholds low until most unlabeled images have had a confident prediction (FlexMatch's warm-up); false: the most-predicted class gets the full threshold from the start."),
        .value("distribution-alignment", \.distributionAlignment, "fixmatch, flexmatch: multiply the weak view's probabilities by the labeled class distribution over a moving average (momentum 0.999) of the model's mean prediction on unlabeled images, renormalised, before the threshold (ReMixMatch's distribution alignment): classes the model under-predicts get more pseudo-labels."),
        .value("pseudo-weight", \.pseudoWeight, "pseudo-label-online: final weight alpha_f of the pseudo-label loss."),
        .value("ramp-start", \.rampStart, "pseudo-label-online: epoch T1 where alpha starts rising from 0 (auto: 20% of the epochs)."),
        .value("ramp-end", \.rampEnd, "pseudo-label-online: epoch T2 where alpha reaches alpha_f (auto: 60% of the epochs)."),
        .value("pseudo-label-pass", \.pseudoLabelPass, "pseudo-label-online, fixmatch, flexmatch: the pass whose argmax labels the unlabeled batch (FixMatch: its weak view): train (the loss's own pass, dropout on, as in Lee 2013 and USB) or eval (a separate pass without dropout or gradients; pseudo-labeling and FixMatch with mixup or cutmix always use it)."),
        .value("flips", \.flips, "fixmatch, noisy-student: flip images horizontally in the weak view (turn off where left and right differ)."),
        .value("teacher-epochs", \.teacherEpochs, "pseudo-label-offline, noisy-student, label-propagation: epochs of the first teacher on the labeled images (students train --epochs each); 0 = the model of --init with --init-head keep is the first teacher, as it is."),
        .value("rounds", \.rounds, "pseudo-label-offline, noisy-student: students trained in turn, each the next one's teacher (auto: 1 offline, 2 noisy-student)."),
        .value("student-width", \.studentWidth, "pseudo-label-offline, noisy-student with a ResNet: width of the students (auto: the teacher's; Noisy Student's students may be larger)."),
        .value("student-model", \.studentModel, "pseudo-label-offline, noisy-student: architecture of the students (auto: the teacher's --model; Noisy Student's students may be larger)."),
        .value("targets", \.targets, "pseudo-label-offline, noisy-student: hard (one-hot argmax) or soft (the teacher's probabilities) pseudo-labels."),
        .value("pseudo-per-class", \.pseudoPerClass, "pseudo-label-offline, noisy-student: keep the N most confident pseudo-labels per class, repeating images of short classes (0 = keep every confident image; auto: 0 offline, noisy-student the mean confident count per class, label-propagation half of it: the most confident half)."),
        .value("graph-images", \.graphImages, "label-propagation: unlabeled images in the graph (a seeded random subset when there are more; the graph costs their square)."),
        .value("graph-neighbours", \.graphNeighbours, "label-propagation: neighbours of each image in the graph."),
        .value("graph-features", \.graphFeatures, "label-propagation: what the graph compares: pixels (centred) or model (the current teacher's features before its classifier layer)."),
        .value("labeled-share", \.labeledShare, "pseudo-label-offline, noisy-student: fraction of each student epoch drawn from the labeled images (with replacement), the rest from the pseudo-labeled ones; 0 = every image once per epoch, where 1,000 labels among 45,000 pseudo-labels are 2% of the draws."),
    ]

    public func validate(source: String) throws {
        try check(threshold.map { $0 >= 0 && $0 <= 1 } ?? true, source, "threshold", "must be in [0, 1], got \(threshold ?? 0)")
        try check(unlabeledRatio.map { (1...64).contains($0) } ?? true, source, "unlabeled-ratio", "must be in 1...64, got \(unlabeledRatio ?? 0)")
        try check(unlabeledWeight >= 0, source, "unlabeled-weight", "must be >= 0, got \(unlabeledWeight)")
        try check(!distributionAlignment || method.usesStrongViews || method == .auto, source, "distribution-alignment",
                  "applies to fixmatch and flexmatch, not \(method.rawValue)")
        try check(pseudoWeight >= 0, source, "pseudo-weight", "must be >= 0, got \(pseudoWeight)")
        try check(rampStart.map { $0 >= 0 } ?? true, source, "ramp-start", "must be >= 0, got \(rampStart ?? 0)")
        try check(rampEnd.map { $0 >= (rampStart ?? 0) } ?? true, source, "ramp-end", "must be >= ramp-start, got \(rampEnd ?? 0)")
        try check(teacherEpochs >= 0 && teacherEpochs <= 100_000, source, "teacher-epochs", "must be in 0...100000, got \(teacherEpochs)")
        try check(graphImages >= 10 && graphImages <= 200_000, source, "graph-images", "must be in 10...200000, got \(graphImages)")
        try check(graphNeighbours >= 1 && graphNeighbours <= 100, source, "graph-neighbours", "must be in 1...100, got \(graphNeighbours)")
        try check(rounds.map { (1...20).contains($0) } ?? true, source, "rounds", "must be in 1...20, got \(rounds ?? 0)")
        try check(studentWidth.map { (1...512).contains($0) } ?? true, source, "student-width", "must be in 1...512, got \(studentWidth ?? 0)")
        try check(pseudoPerClass.map { $0 >= 0 } ?? true, source, "pseudo-per-class", "must be >= 0, got \(pseudoPerClass ?? 0)")
        try check(labeledShare >= 0 && labeledShare < 1, source, "labeled-share", "must be in [0, 1), got \(labeledShare)")
    }

    /// The confidence threshold the method uses.
    public var resolvedThreshold: Float {
        threshold ?? [.pseudoLabelOnline: 0, .pseudoLabelOffline: 0.99, .noisyStudent: 0.8, .labelPropagation: 0][method] ?? 0.95
    }

    /// FixMatch's distribution alignment to the class shares of `labeled` (nil when off); throws
    /// when a class has no labeled image to align to.
    public func distributionAlignment(for labeled: ImageDataset) throws -> DistributionAlignment? {
        guard distributionAlignment else { return nil }
        if let empty = labeled.classCounts.firstIndex(of: 0) {
            throw ExperimentError("--distribution-alignment aligns to the labeled classes, but class \(empty) (\(labeled.classNames[empty])) has no labeled image")
        }
        return DistributionAlignment(classCounts: labeled.classCounts)
    }

    /// Unlabeled images per labeled image in a joint step.
    public var resolvedUnlabeledRatio: Int { unlabeledRatio ?? (method.usesStrongViews ? 7 : 1) }

    /// Student rounds of a self-training method.
    public var resolvedRounds: Int { rounds ?? (method == .noisyStudent ? 2 : 1) }

    /// The online ramp in steps for a run of `epochs` epochs of `stepsPerEpoch` steps.
    public func ramp(epochs: Int, stepsPerEpoch: Int) -> PseudoLabelRamp {
        let start = rampStart ?? 0.2 * Double(epochs), end = max(rampEnd ?? 0.6 * Double(epochs), start)
        return PseudoLabelRamp(start: Int((start * Double(stepsPerEpoch)).rounded()), end: Int((end * Double(stepsPerEpoch)).rounded()),
                               finalWeight: pseudoWeight)
    }

    /// FixMatch's views (also the weak augmentation of its labeled images and Noisy Student's
    /// noise) for images of `imageSize` px, with `randAugment` (`--randaugment-count/-magnitude`).
    public func augmentation(imageSize: Int, randAugment: RandAugment) -> FixMatchAugmentation {
        FixMatchAugmentation(imageSize: imageSize, randAugment: randAugment, flips: flips)
    }

    /// How a self-training round picks pseudo-labels, given the confident counts per class for
    /// the `auto` balance.
    public func selection(confidentPerClass: [Int]) -> PseudoLabelSelection {
        let meanPerClass = max(1, confidentPerClass.reduce(0, +) / max(confidentPerClass.filter { $0 > 0 }.count, 1))
        let perClass = pseudoPerClass ?? [.noisyStudent: meanPerClass, .labelPropagation: max(1, meanPerClass / 2)][method] ?? 0
        return PseudoLabelSelection(threshold: resolvedThreshold, targets: targets == .soft ? .soft : .hard,
                                    perClass: perClass > 0 ? perClass : nil)
    }
}
