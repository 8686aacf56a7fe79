import GleanTensor

/// A Keras-style table of a model's layers: name, type, output shape and parameter count,
/// with totals of all, trainable and non-trainable parameters.
public struct ModelSummary: Sendable {
    public struct Row: Sendable {
        public let name: String, type: String
        public let outputShape: Shape
        public let parameters: Int
    }

    public let rows: [Row]
    public let totalParameters: Int, trainableParameters: Int
    public var nonTrainableParameters: Int { totalParameters - trainableParameters }

    /// Runs one forward pass of a zero batch of `inputShape` (`[N, C, H, W]`) in eval mode and
    /// records every leaf layer's output. The model's training mode is restored afterwards.
    public init(_ model: Module, inputShape: Shape) {
        let names = Dictionary(model.namedModules().map { (ObjectIdentifier($0.1), $0.0) }, uniquingKeysWith: { first, _ in first })
        let wasTraining = model.isTraining
        model.eval()
        var recorded: [Row] = []
        Module.observer = { module, output in
            guard module.children.isEmpty else { return }
            let type = (module as? Lambda)?.name ?? String(describing: Swift.type(of: module))
            recorded.append(Row(name: names[ObjectIdentifier(module)] ?? "?", type: type, outputShape: output.shape,
                                parameters: module.ownParameters.reduce(0) { $0 + $1.1.value.count }))
        }
        _ = model(.zeros(inputShape))
        Module.observer = nil
        if wasTraining { model.train() }
        rows = recorded
        totalParameters = model.parameterCount()
        trainableParameters = model.parameterCount(trainableOnly: true)
    }

    /// The table as text.
    public func render() -> String {
        let header = ("Layer (type)", "Output shape", "Param #")
        let lines = rows.map { ("\($0.name) (\($0.type))", "\($0.outputShape)", Self.grouped($0.parameters)) }
        let first = max(header.0.count, lines.map(\.0.count).max() ?? 0) + 2
        let second = max(header.1.count, lines.map(\.1.count).max() ?? 0) + 2
        let third = max(header.2.count, lines.map(\.2.count).max() ?? 0)
        let rule = String(repeating: "=", count: first + second + third)
        func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
        var text = [pad(header.0, first) + pad(header.1, second) + header.2, rule]
        text += lines.map { pad($0.0, first) + pad($0.1, second) + String(repeating: " ", count: third - $0.2.count) + $0.2 }
        text += [rule,
                 "Total params: \(Self.grouped(totalParameters))",
                 "Trainable params: \(Self.grouped(trainableParameters))",
                 "Non-trainable params: \(Self.grouped(nonTrainableParameters))"]
        return text.joined(separator: "\n")
    }

    /// 7742721 → "7,742,721".
    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return result
    }
}
