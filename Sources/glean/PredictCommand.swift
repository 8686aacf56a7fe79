import ArgumentParser
import Foundation
import Glean

/// `glean predict`: the most likely classes of PNG/JPEG files (or of the first images of the
/// run's test split).
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify image files (PNG/JPEG) or test-split images with a classifier checkpoint.")

    @Argument(help: "A classifier checkpoint (best.safetensors of train, finetune, linear-eval or distill).") var checkpoint: String
    @Argument(help: "Image files; each is converted to the model's channels and resized to its input size.")
    var images: [String] = []
    @Option(help: "Instead of files, classify the first N images of the run's test split (from the config.yaml next to the checkpoint; Fashion-MNIST without one).")
    var testImages: Int?
    @Option(help: "How many classes to list per image.") var top = 3
    @Option(help: "Data folder for --test-images, overriding the run's config.") var dataDir: String?

    func validate() throws {
        guard images.isEmpty != (testImages == nil) else {
            throw ValidationError("give either image files or --test-images N")
        }
        guard top > 0 else { throw ValidationError("--top must be positive") }
        if let testImages, testImages <= 0 { throw ValidationError("--test-images must be positive, got \(testImages)") }
    }

    func run() throws {
        let (tensors, metadata) = try SafeTensors.read(checkpoint)
        let info = try CheckpointInfo(metadata: metadata, path: checkpoint)
        try info.requireClassifier(checkpoint)
        let network = try info.loadModel(from: tensors)
        var inputs: [(String, ImageBuffer, Int?)] = []
        if let count = testImages {
            let test = try RunTestSplit.load(checkpoint: checkpoint, info: info, dataDir: dataDir)
            inputs = (0..<min(count, test.count)).map { ("test[\($0)]", test.image(at: $0), test.labels[$0]) }
        } else {
            for path in images {
                let image = ImageBuffer(decoded: try ImageDecoder.decode(path: path), channels: info.inputChannels)
                inputs.append((path, image.resized(height: info.imageSize, width: info.imageSize), nil))
            }
        }
        let plane = info.imageSize * info.imageSize
        for (name, image, label) in inputs {
            let values = (0..<image.values.count).map { index -> Float in
                let channel = index / plane
                return (image.values[index] - info.mean[channel]) / info.std[channel]
            }
            let input = Tensor(values, shape: [1, info.inputChannels, info.imageSize, info.imageSize])
            let probabilities = withoutGradients { network(input).softmax(axis: 1) }.scalars
            let ranked = probabilities.enumerated().sorted { $0.element > $1.element }.prefix(top)
            let listed = ranked.map { String(format: "%@ %.1f%%", info.name(of: $0.offset), 100 * $0.element) }
            let truth = label.map { "  (true: \(info.name(of: $0)))" } ?? ""
            print("\(name): " + listed.joined(separator: ", ") + truth)
        }
    }
}
