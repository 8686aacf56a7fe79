import ArgumentParser
import GleanExperiments

/// `glean pretrain`: self-supervised pretraining of an encoder on unlabeled images.
struct PretrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain",
        abstract: "Pretrain an encoder on unlabeled images (self-supervised).",
        subcommands: [SimCLRCommand.self])
}

/// `glean train`: supervised training of a zoo model on labeled images.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a classifier (Fashion-MNIST, CIFAR-10 or a folder of images) and report test accuracy.",
        discussion: TrainSettings.helpText)

    @Argument(parsing: .allUnrecognized, help: "Options as listed above, e.g. --epochs 10 --model resnet18.")
    var options: [String] = []

    func run() throws { try TrainRun(TrainSettings.parse(options)).run() }
}

/// `glean pretrain simclr`: SimCLR on every training image (labels unused), with a kNN
/// monitor on the validation images; writes `encoder.safetensors` and
/// `projection_head.safetensors` after every epoch.
struct SimCLRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simclr",
        abstract: "SimCLR: contrastive pretraining of a zoo encoder on two augmented views of each image.",
        discussion: SimCLRSettings.helpText)

    @Argument(parsing: .allUnrecognized, help: "Options as listed above, e.g. --minutes 30 --model resnet18 --width 32.")
    var options: [String] = []

    func run() throws { try SimCLRRun(SimCLRSettings.parse(options)).run() }
}

/// `glean semi`: semi-supervised training on a few labeled images and the unlabeled rest of
/// the training images.
struct SemiCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "semi",
        abstract: "Semi-supervised training: pseudo-labeling (online, offline), FixMatch, FlexMatch, Noisy Student.",
        discussion: SemiSettings.helpText)

    @Argument(parsing: .allUnrecognized, help: "Options as listed above, e.g. --method fixmatch --labels-per-class 10 --minutes 20.")
    var options: [String] = []

    func run() throws { try SemiRun(SemiSettings.parse(options)).run() }
}

/// `glean linear-eval`: freezes an encoder and trains a linear classifier on its features,
/// reporting top-1/top-5 per epoch on the validation images and once on the test split.
/// Without augmentation the features are computed once and the classifier trains on them.
struct LinearEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "linear-eval",
        abstract: "Linear evaluation: a linear classifier trained on a frozen encoder's features.",
        discussion: LinearEvalSettings.helpText)

    @Argument(parsing: .allUnrecognized, help: "Options as listed above, e.g. --encoder runs/…/encoder.safetensors --labels-per-class 10.")
    var options: [String] = []

    func run() throws { try LinearEvalRun(LinearEvalSettings.parse(options)).run() }
}

/// `glean knn-eval`: classifies the test images by a weighted vote of their nearest labeled
/// training images in an encoder's feature space (cosine similarity).
struct KNNEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "knn-eval",
        abstract: "kNN evaluation: test images classified by their nearest labeled images in an encoder's feature space.",
        discussion: KNNEvalSettings.helpText)

    @Argument(parsing: .allUnrecognized, help: "Options as listed above, e.g. --encoder runs/…/encoder.safetensors.")
    var options: [String] = []

    func run() throws { try KNNEvalRun(KNNEvalSettings.parse(options)).run() }
}

/// `glean finetune`: a pretrained backbone (Glean's encoder or classifier checkpoint, or a
/// torchvision/timm state dict) gets a new head for the data's classes and is trained:
/// head first, then everything with discriminative rates. `--encoder random` gives the
/// from-scratch baseline with the same recipe.
struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Transfer learning: a pretrained backbone with a new head, fine-tuned on labeled images.",
        discussion: FinetuneSettings.helpText)

    @Argument(parsing: .allUnrecognized, help: "Options as listed above, e.g. --encoder runs/…/best.safetensors --labels-per-class 10.")
    var options: [String] = []

    func run() throws { try FinetuneRun(FinetuneSettings.parse(options)).run() }
}

/// `glean distill`: trains a student model to match a teacher classifier's softened
/// probabilities, on the labeled images (mixed with their labels) or on the unlabeled pool.
struct DistillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distill",
        abstract: "Knowledge distillation: a student learns from a teacher's soft labels.",
        discussion: DistillSettings.helpText)

    @Argument(parsing: .allUnrecognized, help: "Options as listed above, e.g. --teacher runs/…/best.safetensors --targets unlabeled.")
    var options: [String] = []

    func run() throws { try DistillRun(DistillSettings.parse(options)).run() }
}

/// `glean regress`: an MLP regressor on a CSV table (the source documents' 13 -> 50 -> 1
/// network), features and target standardized on the training rows, mean squared error,
/// optional DisturbValue; reports RMSE, MAE and R² on the test rows in the table's units.
struct RegressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regress",
        abstract: "Train an MLP regressor on a CSV table (with DisturbValue) and report test RMSE, MAE and R².",
        discussion: RegressSettings.helpText)

    @Argument(parsing: .allUnrecognized, help: "Options as listed above, e.g. --table data.csv --target price --disturb-value 0.1.")
    var options: [String] = []

    func run() throws { try RegressRun(RegressSettings.parse(options)).run() }
}

/// `glean demo`: raw-pixel kNN, supervised-only and FixMatch on 10 labels per class of
/// Fashion-MNIST, compared in a table and a chart (`DemoRun`).
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Raw-pixel kNN vs supervised-only vs Glean's label-efficient pipeline on Fashion-MNIST with 10 labels per class (about 10 minutes).")

    @Flag(help: "Run within \(DemoRun.quickMinutes) minutes (fewer steps; a smaller gain).")
    var quick = false

    @Option(help: "Time budget in minutes for the whole demo (default \(DemoRun.defaultMinutes), or \(DemoRun.quickMinutes) with --quick).")
    var minutes: Double?

    @Option(help: "Labeled images per class (all labels the demo uses).")
    var labelsPerClass = 10

    @Option(help: "Seed of the label draw, initialisation and augmentation.")
    var seed: UInt64 = 0

    @Option(help: "Fashion-MNIST folder (default: $GLEAN_FASHION_MNIST or Debian's dataset-fashion-mnist).")
    var dataDir = ""

    @Option(help: "Folder for the demo's run folder.")
    var runsDir = "runs"

    func run() throws {
        var demo = DemoRun()
        (demo.quick, demo.minutes, demo.labelsPerClass, demo.seed, demo.dataDir, demo.runsDir) = (quick, minutes, labelsPerClass, seed, dataDir, runsDir)
        try demo.run()
    }
}

/// `glean check-labels`: the labeled images whose label is likely wrong (`CheckLabelsRun`).
struct CheckLabelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-labels",
        abstract: "Find likely wrong labels: K-fold out-of-sample probabilities, then confident learning; a CSV and a page of thumbnails.",
        discussion: CheckLabelsSettings.helpText)

    @Argument(parsing: .allUnrecognized, help: "Options as listed above, e.g. --dataset imagefolder --data-dir labeled/ --image-size 32.")
    var options: [String] = []

    func run() throws { try CheckLabelsRun(CheckLabelsSettings.parse(options)).run() }
}

/// `glean select`: which unlabeled images to label next (`SelectRun`).
struct SelectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "select",
        abstract: "Choose which images of an unlabeled folder to label next (TypiClust, k-center, random, margin); writes a CSV.",
        discussion: SelectSettings.helpText)

    @Argument(parsing: .allUnrecognized, help: "Options as listed above, e.g. --images pile/ --budget 100 --encoder runs/…/encoder.safetensors.")
    var options: [String] = []

    func run() throws { try SelectRun(SelectSettings.parse(options)).run() }
}
