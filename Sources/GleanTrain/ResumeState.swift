import Foundation
import GleanNN
import GleanTensor

/// Everything needed to continue a run exactly: model state, optimizer slots, step counts and
/// learning rates, the epoch, the metric history, every dropout generator, the weight average,
/// the task's own state, the position of the endless labeled stream and the state of callbacks
/// that track a best value. Data order and augmentation depend only on (seed, epoch), so they
/// need no state. Stored as one safetensors file (`model/…`, `optimizer/…`, `ema/…`, `task/…`,
/// `callback/<key>/…` tensors; the rest as metadata).
public enum ResumeState {
    /// What `restore` hands back to `Trainer.fit`.
    public struct Position: Equatable, Sendable {
        public let nextEpoch: Int, step: Int
        public let history: [EpochMetrics]
        public let config: String
        /// Batches already drawn from the endless labeled stream.
        public let labeledStreamPosition: Int
        /// The file this position was read from (named in errors; empty when built by hand).
        public let source: String

        public init(nextEpoch: Int, step: Int, history: [EpochMetrics], config: String, labeledStreamPosition: Int = 0,
                    source: String = "") {
            self.source = source
            self.nextEpoch = nextEpoch
            self.step = step
            self.history = history
            self.config = config
            self.labeledStreamPosition = labeledStreamPosition
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
        if let average = context.weightAverage { tensors += average.stateDict().map { ("ema/" + $0.0, $0.1) } }
        var metadata: [String: String] = [
            "next_epoch": String(context.epoch + 1), "step": String(context.step), "config": config,
            "optimizer_steps": String(state.stepCount),
            "optimizer_slotted": state.slots.indices.filter { !state.slots[$0].isEmpty }.map(String.init).joined(separator: ","),
            "learning_rates": state.learningRates.map { String($0.bitPattern) }.joined(separator: ","),
            "labeled_stream_position": String(context.labeledStream?.position ?? 0),
            // Doubles as Swift's shortest round-tripping text, so a resumed history is bit-identical.
            "history": String(decoding: try JSONSerialization.data(
                withJSONObject: context.history.map { $0.mapValues { String($0) } }, options: [.sortedKeys]), as: UTF8.self),
        ]
        for (name, dropout) in randomizedModules(context.model) {
            metadata["rng/" + name] = dropout.generatorState.stateWords.map(String.init).joined(separator: ",")
        }
        func add(_ saved: SavedState, prefix: String) {
            tensors += saved.tensors.map { (prefix + $0.0, $0.1) }
            for (key, value) in saved.metadata { metadata[prefix + key] = value }
        }
        add(context.task.saveState(), prefix: "task/")
        for callback in context.callbacks.compactMap({ $0 as? ResumableCallback }) {
            add(callback.saveState(), prefix: "callback/\(callback.resumeKey)/")
        }
        try SafeTensors.write(tensors, metadata: metadata, to: path)
    }

    /// Loads `path` into the task's model, the optimizer, the weight average, the task and the
    /// callbacks; throws (before changing the model) when the file does not fit them.
    public static func restore(from path: String, task: TrainingTask, optimizer: Optimizer,
                               weightAverage: ExponentialMovingAverage? = nil, callbacks: [Callback] = []) throws -> Position {
        try CheckpointError.naming(path) {
            try load(path, task: task, optimizer: optimizer, weightAverage: weightAverage, callbacks: callbacks)
        }
    }

    private static func load(_ path: String, task: TrainingTask, optimizer: Optimizer,
                             weightAverage: ExponentialMovingAverage?, callbacks: [Callback]) throws -> Position {
        let (tensors, metadata) = try SafeTensors.read(path)
        func field(_ key: String) throws -> String {
            guard let value = metadata[key] else { throw CheckpointError.corrupt(path: path, reason: "resume metadata lacks '\(key)'") }
            return value
        }
        func count(_ key: String) throws -> Int {
            guard let value = Int(try field(key)), value >= 0 else {
                throw CheckpointError.corrupt(path: path, reason: "resume metadata '\(key)' must be a count >= 0, got '\(metadata[key] ?? "")'")
            }
            return value
        }
        let nextEpoch = try count("next_epoch"), step = try count("step"), optimizerSteps = try count("optimizer_steps")
        let streamPosition = try count("labeled_stream_position")
        let rates = try field("learning_rates").split(separator: ",").map { text -> Float in
            guard let bits = UInt32(text) else { throw CheckpointError.corrupt(path: path, reason: "bad learning rate '\(text)'") }
            return Float(bitPattern: bits)
        }
        guard let texts = (try? JSONSerialization.jsonObject(with: Data(try field("history").utf8))) as? [[String: String]],
              case let history = texts.map({ $0.compactMapValues(Double.init) }),
              zip(texts, history).allSatisfy({ $0.count == $1.count }), history.count == nextEpoch else {
            throw CheckpointError.corrupt(path: path, reason: "resume metadata has an unreadable history or one that does not end at epoch \(nextEpoch)")
        }
        func entries(_ prefix: String) -> [String: StoredTensor] {
            var selected: [String: StoredTensor] = [:]
            for (name, tensor) in tensors where name.hasPrefix(prefix) { selected[String(name.dropFirst(prefix.count))] = tensor }
            return selected
        }
        func savedState(_ prefix: String) -> SavedState {
            SavedState(tensors: entries(prefix).sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                       metadata: Dictionary(uniqueKeysWithValues: metadata.filter { $0.key.hasPrefix(prefix) }
                           .map { (String($0.key.dropFirst(prefix.count)), $0.value) }))
        }
        let parameterCount = optimizer.groups.reduce(0) { $0 + $1.parameters.count }
        var slots = [[[Float]]](repeating: [], count: parameterCount)
        for (name, tensor) in entries("optimizer/") {
            let parts = name.split(separator: "/")
            guard parts.count == 2, let index = Int(parts[0]), let slot = Int(parts[1]), (0..<parameterCount).contains(index),
                  (0..<16).contains(slot), case let .float(values, _) = tensor else {
                throw CheckpointError.mismatch(reason: "optimizer entry '\(name)' does not fit an optimizer with \(parameterCount) parameters")
            }
            while slots[index].count <= slot { slots[index].append([]) }
            slots[index][slot] = values
        }
        // Which parameters had optimizer state when the file was written (absent in older files).
        if let slotted = metadata["optimizer_slotted"] {
            let expected = Set(slotted.split(separator: ",").compactMap { Int($0) })
            let present = Set(slots.indices.filter { !slots[$0].isEmpty })
            guard expected == present else {
                let missing = expected.subtracting(present).sorted(), extra = present.subtracting(expected).sorted()
                let parts = (missing.isEmpty ? [] : ["metadata 'optimizer_slotted' lists parameters \(missing) that have no optimizer state"])
                    + (extra.isEmpty ? [] : ["optimizer state is stored for parameters \(extra) that 'optimizer_slotted' does not list"])
                throw CheckpointError.corrupt(path: path, reason: parts.joined(separator: "; "))
            }
        }
        let model = task.model
        let dropoutStates = try randomizedModules(model).map { name, dropout -> (RandomizedModule, RandomGenerator) in
            guard let words = metadata["rng/" + name]?.split(separator: ",").compactMap({ UInt64($0) }),
                  let generator = RandomGenerator(stateWords: words) else {
                throw CheckpointError.mismatch(reason: "no saved generator for the dropout or drop-path layer '\(name)'")
            }
            return (dropout, generator)
        }
        let saved = OptimizerState(stepCount: optimizerSteps, slots: slots, learningRates: rates)
        let modelBefore = model.stateDict()
        try model.loadStateDict(entries("model/"))
        do {
            do {
                try optimizer.restore(saved)
            } catch let error as OptimizerError {
                throw CheckpointError.mismatch(reason: error.description)
            }
            if let weightAverage { try weightAverage.load(entries("ema/")) }
            try task.restoreState(savedState("task/"))
            for callback in callbacks.compactMap({ $0 as? ResumableCallback }) {
                try callback.restoreState(savedState("callback/\(callback.resumeKey)/"))
            }
        } catch {
            try? model.loadStateDict(Dictionary(uniqueKeysWithValues: modelBefore))
            throw error
        }
        for (dropout, generator) in dropoutStates { dropout.generatorState = generator }
        return Position(nextEpoch: nextEpoch, step: step, history: history, config: try field("config"),
                        labeledStreamPosition: streamPosition, source: path)
    }

    /// The modules with random streams (dropout, drop path), by name.
    private static func randomizedModules(_ model: Module) -> [(String, RandomizedModule)] {
        model.namedModules().compactMap { name, module in (module as? RandomizedModule).map { (name, $0) } }
    }
}

/// Saves the resume state after every epoch (atomically, so a kill never leaves a broken file).
public final class ResumeCheckpoint: Callback {
    public let path: String
    /// The run's `config.yaml`, carried in the file (changed when a time budget corrects the
    /// epoch count).
    public var config: String

    public init(path: String, config: String) {
        self.path = path
        self.config = config
    }

    public func epochFinished(_ context: TrainingContext, metrics: EpochMetrics) throws {
        try ResumeState.save(context, config: config, to: path)
    }
}
