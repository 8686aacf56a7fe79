import Foundation
import Glean
import GleanExport
import GleanTestSupport
import Testing

/// Every zoo model, exported to ONNX, passes onnx's full checker and gives onnxruntime's
/// outputs equal to Glean's own (1e-4 of the largest output) on Fashion-MNIST test images,
/// through the venv that `scripts/setup.sh` makes (`.venv-test`).
@Suite struct ONNXExportTests {

    /// 12 test images, centred on a `size` x `size` black canvas and normalised, as
    /// `[12, channels, size, size]` (gray repeated for 3 channels).
    static func images(channels: Int, size: Int) throws -> Tensor {
        let (_, test) = try IDXReader.fashionMNIST()
        let count = 12, offset = (size - 28) / 2
        var values: [Float] = []
        for index in 0..<count {
            var canvas = [Float](repeating: -0.286 / 0.353, count: size * size)
            for y in 0..<28 {
                for x in 0..<28 {
                    canvas[(y + offset) * size + x + offset] = (Float(test.pixels[index * 784 + y * 28 + x]) / 255 - 0.286) / 0.353
                }
            }
            for _ in 0..<channels { values += canvas }
        }
        return Tensor(values, shape: [count, channels, size, size])
    }

    /// Exports `model`, runs both, and asks the checker script.
    func check(_ model: Module, channels: Int, size: Int = 28, label: String, rawPixels: Bool = false) throws {
        // A training-mode pass gives the batch norms running statistics to fold.
        let images = try Self.images(channels: channels, size: size)
        model.train()
        withoutGradients { _ = model(images) }
        model.eval()
        let mean = [Float](repeating: 0.286, count: channels), std = [Float](repeating: 0.353, count: channels)
        let bytes = try ONNXExport.serialize(model, channels: channels, height: size, width: size,
                                             rawPixels: rawPixels ? (mean, std) : nil, metadata: [("model", label)])
        let expected = withoutGradients { model(images) }
        let folder = TestScratch.path("onnx-\(label)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/model.onnx"))
        let input = rawPixels ? images.scalars.map { ($0 * 0.353 + 0.286) * 255 } : images.scalars
        try Data(input.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }).write(to: URL(fileURLWithPath: folder + "/input.f32"))
        try Data(expected.scalars.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
            .write(to: URL(fileURLWithPath: folder + "/expected.f32"))
        let (status, text) = try TestPython.run("check_onnx.py", [folder + "/model.onnx", folder + "/input.f32", folder + "/expected.f32",
                                                                  "12,\(channels),\(size),\(size)"])
        #expect(status == 0, "\(label): \(text)")
    }

    @Test(arguments: ["seednet", "resnet18", "resnet34", "resnet50", "alexnet-mini", "googlenet"])
    func zooClassifiers(name: String) throws {
        var generator = RandomGenerator(seed: 3)
        let size = ["alexnet-mini": 68, "googlenet": 32][name] ?? 28
        let model = try ModelZoo.make(name, classCount: 10, inputChannels: 1, imageSize: size, width: name.hasPrefix("resnet") ? 8 : 64,
                                      generator: &generator)
        try check(model, channels: 1, size: size, label: name)
    }

    @Test func headsAndEncoders() throws {
        var generator = RandomGenerator(seed: 4)
        try check(try ModelZoo.make("resnet18", classCount: 10, inputChannels: 3, imageSize: 28, width: 8, head: .mlp(hidden: 32, dropout: 0.5),
                                    generator: &generator), channels: 3, label: "resnet18-mlp-rgb")
        try check(try ModelZoo.make("seednet", classCount: 2, inputChannels: 1, imageSize: 28, head: .sigmoid, generator: &generator),
                  channels: 1, label: "seednet-sigmoid")
        try check(try ModelZoo.makeEncoder("resnet18", inputChannels: 1, imageSize: 28, width: 8, generator: &generator).module,
                  channels: 1, label: "resnet18-encoder")
        try check(try ModelZoo.makeEncoder("seednet", inputChannels: 1, imageSize: 28, generator: &generator).module,
                  channels: 1, label: "seednet-encoder", rawPixels: true)
    }
}
