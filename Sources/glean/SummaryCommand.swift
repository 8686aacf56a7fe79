import ArgumentParser
import Glean
import GleanExperiments

/// `glean summary`: a Keras-style table of a zoo model's layers, shapes and parameters.
struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Print a model's layers, output shapes and parameter counts.")

    @Option(help: "Model: \(ModelZoo.Name.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: String
    @Option(help: "Input as CxHxW, e.g. 3x280x280 (height and width must match).") var input = "1x28x28"
    @Option(help: "Number of classes (outputs of the last layer).") var classes = 10

    func run() throws {
        let parts = input.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 3, parts.allSatisfy({ $0 > 0 }), parts[1] == parts[2] else {
            throw ValidationError("--input must be CxHxW with H == W, e.g. 3x224x224; got '\(input)'")
        }
        var generator = RandomGenerator(seed: 0, stream: "init")
        let network = try ModelZoo.make(model, classCount: classes, inputChannels: parts[0], imageSize: parts[1],
                                        generator: &generator)
        print(ModelSummary(network, inputShape: [1, parts[0], parts[1], parts[2]]).render())
    }
}
