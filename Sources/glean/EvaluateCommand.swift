import ArgumentParser
import Foundation
import GleanConfig
import Glean
import GleanExperiments

/// `glean evaluate`: top-1/top-5 accuracy, per-class report and confusion matrix of a checkpoint
/// on its run's test split (see `RunTestSplit`).
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a classifier checkpoint (from train, finetune, linear-eval or distill) on its run's test split.",
        discussion: "The dataset comes from the config.yaml next to the checkpoint (so ImageFolder runs use the same held-out split); without one, the Fashion-MNIST test split.")

    @Argument(help: "A best.safetensors or last.safetensors from a run directory.") var checkpoint: String
    @OptionGroup(title: "Plain state dicts (torchvision, timm)") var plain: PlainCheckpointOptions
    @OptionGroup var arithmetic: PrecisionFlag
    @Option(help: "Data folder, overriding the run's config (e.g. the data moved).") var dataDir: String?
    @Option(help: "Write the confusion matrix as CSV here (default: next to the checkpoint).") var confusionCSV: String?
    @Option(help: "Evaluate on every image of this folder instead (one sub-folder per class, named as the checkpoint's classes; resized to the model's input).")
    var folder: String?

    func validate() throws {
        if folder != nil && dataDir != nil { throw ValidationError("give either --folder or --data-dir") }
    }

    func run() throws {
        PrecisionOption.apply(arithmetic.precision)
        let (tensors, metadata) = try SafeTensors.read(checkpoint)
        let info = try plain.info(metadata: metadata, checkpoint: checkpoint)
        try info.requireClassifier(checkpoint)
        let network = try info.loadModel(from: tensors, path: checkpoint)
        let test = try folder.map { try info.labeledFolder($0) } ?? RunTestSplit.load(checkpoint: checkpoint, info: info, dataDir: dataDir)
        let loader = DataLoader(dataset: test, batchSize: 500, sampler: SequentialSampler(count: test.count),
                                mean: info.mean, std: info.std, seed: 0)
        let (metrics, confusion) = try ClassificationValidation.evaluate(network, on: loader)
        let topFive = metrics["top5"].map { String(format: "   top-5 accuracy %.2f%%", 100 * $0) } ?? ""
        print(String(format: "top-1 accuracy %.2f%%", 100 * (metrics["accuracy"] ?? 0)) + topFive
              + String(format: "   loss %.4f   (%d images)", metrics["loss"] ?? 0, test.count))
        print(confusion.report(classNames: test.classNames))
        let width = max(6, (test.classNames.map(\.count).max() ?? 0))
        print("\nconfusion matrix (rows: true class, columns: predicted)")
        for (row, name) in test.classNames.enumerated() {
            print(name.padding(toLength: width, withPad: " ", startingAt: 0) + " "
                  + confusion.counts[row].map { String(format: "%5d", $0) }.joined())
        }
        let csvPath = confusionCSV ?? (checkpoint as NSString).deletingLastPathComponent + "/confusion_matrix.csv"
        let csv = ([""] + test.classNames).joined(separator: ",") + "\n"
            + zip(test.classNames, confusion.counts).map { ([$0] + $1.map(String.init)).joined(separator: ",") }.joined(separator: "\n") + "\n"
        try AtomicFile.write(Data(csv.utf8), to: csvPath)
        print("confusion matrix written to \(csvPath)")
    }
}
