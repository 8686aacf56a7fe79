import Glean

/// How `glean select` chooses.
public enum SelectionStrategy: String, OptionChoice {
    /// TypiClust: typical images of clusters (a cold start, no labels needed).
    case typiclust
    /// k-center greedy: the images farthest from what is chosen.
    case kcenter
    /// Uniform among the unlabeled images (the baseline).
    case random
    /// The images a classifier is least sure of, one per cluster (later rounds; needs --classifier).
    case margin
}

/// `glean select`'s own options.
public struct SelectOptions: Equatable {
    public var images = ""
    public var budget = 0
    /// nil (auto): TypiClust with an encoder, random on pixels (TypiClust on raw pixels chose
    /// worse sets than random on Fashion-MNIST: 61.2% ± 4.4 against 69.8% ± 2.3, 3 seeds).
    public var strategy: SelectionStrategy? = nil
    public var encoder = "pixels"
    public var classifier = ""
    public var exclude = ""
    public var imageSize = 32
    public var out = ""

    public init() {}

    public static let options: [OptionSpec<SelectOptions>] = [
        .value("images", \.images, "Folder of unlabeled images (PNG or JPEG, sub-folders included)."),
        .value("budget", \.budget, "How many images to choose for labeling."),
        .value("strategy", \.strategy, "typiclust (typical images of clusters: a cold start), kcenter, random (the baseline), margin (least sure under --classifier, one per cluster: later rounds); auto: typiclust with an --encoder, random with pixels (on raw pixels TypiClust chose worse than random)."),
        .value("encoder", \.encoder, "What images are compared by: an encoder checkpoint (glean pretrain's encoder.safetensors, or any classifier's backbone), or pixels (the images at --image-size)."),
        .value("classifier", \.classifier, "Classifier checkpoint trained on the labels so far (for --strategy margin)."),
        .value("exclude", \.exclude, "CSV whose first column lists images not to choose (already labeled, or chosen before: a selection.csv or labels.csv)."),
        .value("image-size", \.imageSize, "Side the images are resized to for --encoder pixels."),
        .value("out", \.out, "Where to write the selection CSV (default: selection.csv in the run folder)."),
    ]

    public func validate(source: String) throws {
        try check(!images.isEmpty, source, "images", "is required: the folder of unlabeled images")
        try check(budget > 0, source, "budget", "is required and must be positive, got \(budget)")
        try check(strategy != .margin || !classifier.isEmpty, source, "classifier", "is required by --strategy margin")
        try check((4...512).contains(imageSize), source, "image-size", "must be in 4...512, got \(imageSize)")
    }
}
