import Glean

/// One training augmentation of `--augment`.
public enum AugmentChoice: String, OptionChoice {
    case none, flipCrop = "flip-crop", flip, crop, rotation, colorJitter = "color-jitter", randaugment, erasing, mixup, cutmix
}

/// A comma-separated list of augmentations, e.g. `flip-crop,randaugment,erasing`; they apply
/// in a fixed order (flip, crop, rotation, colour jitter, RandAugment, erasing on each image,
/// then MixUp or CutMix on the batch), whatever the order written.
public struct AugmentList: OptionValue, Equatable {
    public var choices: Set<AugmentChoice>

    public init(_ choices: Set<AugmentChoice>) { self.choices = choices.subtracting([.none]) }

    public init?(optionText: String) {
        var choices = Set<AugmentChoice>()
        for part in optionText.split(separator: ",") {
            guard let choice = AugmentChoice(rawValue: part.trimmingCharacters(in: .whitespaces)) else { return nil }
            choices.insert(choice)
        }
        self.init(choices)
    }

    public var optionText: String {
        choices.isEmpty ? "none" : AugmentChoice.allCases.filter(choices.contains).map(\.rawValue).joined(separator: ",")
    }

    public static var placeholder: String { "none|" + AugmentChoice.allCases.dropFirst().map(\.rawValue).joined(separator: "|") + "[,...]" }

    public func contains(_ choice: AugmentChoice) -> Bool { choices.contains(choice) }
}

/// Training augmentation: which ones (`--augment`) and their strengths.
public struct AugmentationOptions: Equatable {
    public var augment = AugmentList([])
    public var randAugmentCount = 2
    public var randAugmentMagnitude = 10
    public var rotationDegrees: Float = 15
    public var colorJitter: Float = 0.4
    public var mixAlpha: Float?

    public init() {}

    public static let options: [OptionSpec<AugmentationOptions>] = [
        .value("augment", \.augment, "Training augmentations, comma-separated: flip-crop (= flip,crop: horizontal flip and a crop of the image padded by 1/8), rotation, color-jitter, randaugment, erasing (cutout), and one of mixup, cutmix on whole batches."),
        .value("randaugment-count", \.randAugmentCount, "RandAugment: operations per image (N)."),
        .value("randaugment-magnitude", \.randAugmentMagnitude, "RandAugment: magnitude M, 0-30."),
        .value("rotation-degrees", \.rotationDegrees, "rotation: largest rotation either way, in degrees."),
        .value("color-jitter", \.colorJitter, "Colour jitter strength of color-jitter and of SimCLR's views: brightness, contrast and saturation (hue gets a quarter; gray images: brightness and contrast)."),
        .value("mix-alpha", \.mixAlpha, "mixup, cutmix: alpha of the Beta(alpha, alpha) mixing ratio (auto: 0.2 mixup, 1 cutmix)."),
    ]

    public func validate(source: String) throws {
        try check(!(augment.contains(.mixup) && augment.contains(.cutmix)), source, "augment", "takes mixup or cutmix, not both")
        try check((0...14).contains(randAugmentCount), source, "randaugment-count", "must be in 0...14, got \(randAugmentCount)")
        try check((0...30).contains(randAugmentMagnitude), source, "randaugment-magnitude", "must be in 0...30, got \(randAugmentMagnitude)")
        try check(rotationDegrees >= 0 && rotationDegrees <= 180, source, "rotation-degrees", "must be in 0...180, got \(rotationDegrees)")
        try check(colorJitter >= 0 && colorJitter <= 1, source, "color-jitter", "must be in 0...1, got \(colorJitter)")
        try check(mixAlpha.map { $0 > 0 } ?? true, source, "mix-alpha", "must be positive, got \(mixAlpha ?? 0)")
    }

    /// The per-image augmentation for `size` x `size` images with `channels` channels (nil: none).
    public func transform(size: Int, channels: Int) -> Transform? {
        var steps: [Transform] = []
        if augment.contains(.flip) || augment.contains(.flipCrop) { steps.append(RandomHorizontalFlip()) }
        if augment.contains(.crop) || augment.contains(.flipCrop) { steps.append(RandomCrop(size: size, padding: max(1, size / 8))) }
        if augment.contains(.rotation) { steps.append(RandomAffine.rotation(degrees: -rotationDegrees...rotationDegrees)) }
        if augment.contains(.colorJitter) {
            let color = channels == 3 ? colorJitter : 0
            steps.append(ColorJitter(brightness: colorJitter, contrast: colorJitter, saturation: color, hue: color / 4))
        }
        if augment.contains(.randaugment) { steps.append(RandAugment(count: randAugmentCount, magnitude: randAugmentMagnitude)) }
        if augment.contains(.erasing) { steps.append(RandomErasing()) }
        return steps.isEmpty ? nil : steps.count == 1 ? steps[0] : Compose(steps)
    }

    /// RandAugment with these options (FixMatch's strong view, Noisy Student's noise).
    public var randAugment: RandAugment { RandAugment(count: randAugmentCount, magnitude: randAugmentMagnitude) }

    /// Whether MixUp or CutMix was asked for.
    public var mixesBatches: Bool { augment.contains(.mixup) || augment.contains(.cutmix) }

    /// MixUp or CutMix on whole batches, when asked for.
    public var mixingKind: BatchMixing.Kind? {
        if augment.contains(.mixup) { return .mixUp(alpha: mixAlpha ?? 0.2) }
        if augment.contains(.cutmix) { return .cutMix(alpha: mixAlpha ?? 1) }
        return nil
    }

    /// MixUp or CutMix on whole batches of `classCount` classes, when asked for.
    public func batchMixing(classCount: Int) -> SupervisedClassification.Mixing? {
        mixingKind.map { .init($0, classCount: classCount) }
    }
}
