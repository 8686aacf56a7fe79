import ArgumentParser
import Foundation
import Glean
import GleanConfig
import GleanExperiments
import GleanExport

/// `glean export`: a classifier or encoder checkpoint as an ONNX model for other runtimes.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a classifier or encoder checkpoint to ONNX (opset 17, symbolic batch, batch norm folded).",
        discussion: "Writes the model's inference form with its class names, normalisation and image size in the model's metadata. "
            + "The input is `input` (normalised images, float32 [batch, C, H, W]) or, with --include-preprocessing, `pixels` (0-255).")

    enum Format: String, ExpressibleByArgument, CaseIterable { case onnx }

    @Argument(help: "A Glean checkpoint (best.safetensors, last.safetensors, encoder.safetensors) or a torchvision state dict.")
    var checkpoint: String
    @Option(help: "Export format.") var format: Format = .onnx
    @Option(help: "Output file (default: the checkpoint's path with .onnx).") var out: String?
    @Flag(help: "Take 0-255 pixels and normalise inside the model.") var includePreprocessing = false
    @OptionGroup(title: "Plain state dicts (torchvision, timm)") var plain: PlainCheckpointOptions

    func run() throws {
        let (tensors, metadata) = try SafeTensors.read(checkpoint)
        let info = try plain.info(metadata: metadata, checkpoint: checkpoint)
        let network = try info.loadModel(from: tensors, path: checkpoint)
        let target = out ?? (checkpoint as NSString).deletingPathExtension + ".onnx"
        let start = Date()
        let bytes: [UInt8]
        do {
            bytes = try ONNXExport.serialize(
                network, channels: info.inputChannels, height: info.imageSize, width: info.imageSize,
                outputName: info.isEncoder ? "features" : "logits", rawPixels: includePreprocessing ? (info.mean, info.std) : nil,
                metadata: info.metadata.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
                    + [("input", includePreprocessing ? "pixels: float32 0-255, [batch, \(info.inputChannels), \(info.imageSize), \(info.imageSize)]"
                                                       : "input: float32 normalised with mean and std, [batch, \(info.inputChannels), \(info.imageSize), \(info.imageSize)]")])
        } catch let error as ExportError {
            throw ValidationError("\(checkpoint): \(error.message)")
        }
        try AtomicFile.write(Data(bytes), to: target)
        print(String(format: "%@: %@ (%@, %d classes/features, %dx%dx%d input) exported to %@ (%.1f MB, %.1fs)", checkpoint, info.model,
                     info.isEncoder ? "encoder" : "classifier", info.classCount, info.inputChannels, info.imageSize, info.imageSize,
                     target, Double(bytes.count) / 1e6, Date().timeIntervalSince(start)))
    }
}
