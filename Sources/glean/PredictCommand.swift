import ArgumentParser
import Foundation
import GleanConfig
import Glean
import GleanExperiments

/// `glean predict`: the most likely classes of PNG/JPEG files (or of the first images of the
/// run's test split).
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify image files (PNG/JPEG) or test-split images with a classifier checkpoint.")

    @Argument(help: "A classifier checkpoint (best.safetensors of train, finetune, linear-eval or distill).") var checkpoint: String
    @OptionGroup(title: "Plain state dicts (torchvision, timm)") var plain: PlainCheckpointOptions
    @OptionGroup var arithmetic: PrecisionFlag
    @Argument(help: "Image files; each is converted to the model's channels and resized to its input size.")
    var images: [String] = []
    @Option(help: "Instead of files, classify the first N images of the run's test split (from the config.yaml next to the checkpoint; Fashion-MNIST without one).")
    var testImages: Int?
    @Option(help: "How many classes to list per image.") var top = 3
    @Option(help: "Data folder for --test-images, overriding the run's config.") var dataDir: String?
    @Option(help: "Classify every PNG/JPEG file in this folder and its sub-folders (a sub-folder named as a class gives the true label).")
    var folder: String?

    func validate() throws {
        guard [!images.isEmpty, testImages != nil, folder != nil].filter({ $0 }).count == 1 else {
            throw ValidationError("give one of: image files, --test-images N, --folder DIR")
        }
        guard top > 0 else { throw ValidationError("--top must be positive") }
        if let testImages, testImages <= 0 { throw ValidationError("--test-images must be positive, got \(testImages)") }
    }

    /// The PNG/JPEG files under `folder`, sorted by path.
    static func imageFiles(in folder: String) throws -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw ValidationError("--folder \(folder): no such folder")
        }
        let files = (FileManager.default.enumerator(atPath: folder)?.compactMap { $0 as? String } ?? [])
            .filter { ["png", "jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted().map { folder + "/" + $0 }
        guard !files.isEmpty else { throw ValidationError("--folder \(folder) holds no PNG or JPEG files") }
        return files
    }

    func run() throws {
        PrecisionOption.apply(arithmetic.precision)
        let (tensors, metadata) = try SafeTensors.read(checkpoint)
        let info = try plain.info(metadata: metadata, checkpoint: checkpoint)
        try info.requireClassifier(checkpoint)
        let network = try info.loadModel(from: tensors, path: checkpoint)
        var inputs: [(String, ImageBuffer, Int?)] = []
        if let count = testImages {
            let test = try RunTestSplit.load(checkpoint: checkpoint, info: info, dataDir: dataDir)
            inputs = (0..<min(count, test.count)).map { ("test[\($0)]", test.image(at: $0), test.labels[$0]) }
        } else {
            let files = try folder.map { try Self.imageFiles(in: $0) } ?? images
            for path in files {
                let image = ImageBuffer(decoded: try ImageDecoder.decode(path: path), channels: info.inputChannels)
                let parent = ((path as NSString).deletingLastPathComponent as NSString).lastPathComponent
                let label = folder == nil ? nil : info.classNames.firstIndex(of: parent)
                inputs.append((path, image.resized(height: info.imageSize, width: info.imageSize), label))
            }
        }
        var correct = 0
        let plane = info.imageSize * info.imageSize
        for (name, image, label) in inputs {
            let values = (0..<image.values.count).map { index -> Float in
                let channel = index / plane
                return (image.values[index] - info.mean[channel]) / info.std[channel]
            }
            let input = Tensor(values, shape: [1, info.inputChannels, info.imageSize, info.imageSize])
            let probabilities = withoutGradients { network.inference(input).softmax(axis: 1) }.scalars
            let ranked = probabilities.enumerated().sorted { $0.element > $1.element }.prefix(top)
            let listed = ranked.map { String(format: "%@ %.1f%%", info.name(of: $0.offset), 100 * $0.element) }
            let truth = label.map { "  (true: \(info.name(of: $0)))" } ?? ""
            if let label, ranked.first?.offset == label { correct += 1 }
            print("\(name): " + listed.joined(separator: ", ") + truth)
        }
        let labeled = inputs.filter { $0.2 != nil }.count
        if folder != nil && labeled > 0 {
            print(String(format: "%d of %d images are in class-named folders; top-1 is right for %d of them (%.2f%%)", labeled,
                         inputs.count, correct, 100 * Double(correct) / Double(labeled)))
        }
    }
}
