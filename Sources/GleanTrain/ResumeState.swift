import Foundation
import GleanNN
import GleanTensor

/// Everything needed to continue a run exactly: model state, optimizer slots, step counts and
/// learning rates, the epoch, the metric history and every dropout generator. Data order and
/// augmentation depend only on (seed, epoch), so they need no state. Stored as one safetensors
/// file (`model/…`, `optimizer/…` tensors; the rest as metadata).
public enum ResumeState {
    /// What `restore` hands back to `Trainer.fit`.
    public struct Position: Equatable, Sendable {
        public let nextEpoch: Int, step: Int
        public let history: [EpochMetrics]
        public let config: String

        public init(nextEpoch: Int, step: Int, history: [EpochMetrics], config: String) {
            self.nextEpoch = nextEpoch
            self.step = step
            self.history = history
            self.config = config
        }
    }

    public static func save(_ context: TrainingContext, config: String, to path: String) throws {
        var tensors = context.model.stateDict().map { ("model/" + $0.0, $0.1) }
        let state = context.optimizer.state
        for (index, slots) in state.slots.enumerated() {
            for (slot, values) in slots.enumerated() {
                tensors.append(("optimizer/\(index)/\(slot)", .float(values: values, shape: [values.count])))
            }
        }
        var metadata: [String: String] = [
            "next_epoch": String(context.epoch + 1), "step": String(context.step), "config": config,
            "optimizer_steps": String(state.stepCount),
            "learning_rates": state.learningRates.map { String($0.bitPattern) }.joined(separator: ","),
            // Doubles as Swift's shortest round-tripping text, so a resumed history is bit-identical.
            "history": String(decoding: try JSONSerialization.data(
                withJSONObject: context.history.map { $0.mapValues { String($0) } }, options: [.sortedKeys]), as: UTF8.self),
        ]
        for (name, dropout) in dropouts(context.model) {
            metadata["rng/" + name] = dropout.generatorState.stateWords.map(String.init).joined(separator: ",")
        }
        try SafeTensors.write(tensors, metadata: metadata, to: path)
    }

    /// Loads `path` into the model and optimizer; throws (changing nothing in the model) when
    /// the file does not fit them.
    public static func restore(from path: String, model: Module, optimizer: Optimizer) throws -> Position {
        let (tensors, metadata) = try SafeTensors.read(path)
        func field(_ key: String) throws -> String {
            guard let value = metadata[key] else { throw CheckpointError.corrupt(path: path, reason: "resume metadata lacks '\(key)'") }
            return value
        }
        guard let nextEpoch = Int(try field("next_epoch")), let step = Int(try field("step")),
              let optimizerSteps = Int(try field("optimizer_steps")) else {
            throw CheckpointError.corrupt(path: path, reason: "resume metadata has non-numeric epoch or step")
        }
        let rates = try field("learning_rates").split(separator: ",").map { text -> Float in
            guard let bits = UInt32(text) else { throw CheckpointError.corrupt(path: path, reason: "bad learning rate '\(text)'") }
            return Float(bitPattern: bits)
        }
        guard let texts = (try? JSONSerialization.jsonObject(with: Data(try field("history").utf8))) as? [[String: String]],
              case let history = texts.map({ $0.compactMapValues(Double.init) }),
              zip(texts, history).allSatisfy({ $0.count == $1.count }) else {
            throw CheckpointError.corrupt(path: path, reason: "resume metadata has an unreadable history")
        }
        var modelTensors: [String: StoredTensor] = [:]
        for (name, tensor) in tensors where name.hasPrefix("model/") { modelTensors[String(name.dropFirst(6))] = tensor }
        let parameterCount = optimizer.groups.reduce(0) { $0 + $1.parameters.count }
        var slots = [[[Float]]](repeating: [], count: parameterCount)
        for (name, tensor) in tensors where name.hasPrefix("optimizer/") {
            let parts = name.split(separator: "/")
            guard parts.count == 3, let index = Int(parts[1]), let slot = Int(parts[2]), index < parameterCount,
                  case let .float(values, _) = tensor else {
                throw CheckpointError.mismatch(reason: "optimizer entry '\(name)' does not fit an optimizer with \(parameterCount) parameters")
            }
            while slots[index].count <= slot { slots[index].append([]) }
            slots[index][slot] = values
        }
        let saved = OptimizerState(stepCount: optimizerSteps, slots: slots, learningRates: rates)
        try model.loadStateDict(modelTensors)
        do {
            try optimizer.restore(saved)
        } catch let error as OptimizerError {
            throw CheckpointError.mismatch(reason: error.description)
        }
        for (name, dropout) in dropouts(model) {
            guard let words = metadata["rng/" + name]?.split(separator: ",").compactMap({ UInt64($0) }),
                  let generator = RandomGenerator(stateWords: words) else {
                throw CheckpointError.mismatch(reason: "no saved generator for dropout layer '\(name)'")
            }
            dropout.generatorState = generator
        }
        return Position(nextEpoch: nextEpoch, step: step, history: history, config: try field("config"))
    }

    private static func dropouts(_ model: Module) -> [(String, Dropout)] {
        model.namedModules().compactMap { name, module in (module as? Dropout).map { (name, $0) } }
    }
}

/// Saves the resume state after every epoch (atomically, so a kill never leaves a broken file).
public final class ResumeCheckpoint: Callback {
    public let path: String, config: String

    public init(path: String, config: String) {
        self.path = path
        self.config = config
    }

    public func epochFinished(_ context: TrainingContext, metrics: EpochMetrics) throws {
        try ResumeState.save(context, config: config, to: path)
    }
}
