import Foundation
import GleanConfig
import Glean

/// Writes the encoder and the projection head of a SimCLR network as separate checkpoints
/// after every epoch (the weights validation saw: the average when one is kept).
public final class EncoderExport: Callback {
    public let directory: String
    public let info: CheckpointInfo

    public init(directory: String, info: CheckpointInfo) {
        self.directory = directory
        self.info = info
    }

    public func epochFinished(_ context: TrainingContext, metrics: EpochMetrics) throws {
        let state = context.evaluationStateDict()
        func part(_ prefix: String) -> [(String, StoredTensor)] {
            state.filter { $0.0.hasPrefix(prefix) }.map { (String($0.0.dropFirst(prefix.count)), $0.1) }
        }
        var metadata = info.metadata
        metadata["epoch"] = String(context.epoch + 1)
        try SafeTensors.write(part("encoder."), metadata: metadata, to: directory + "/encoder.safetensors")
        try SafeTensors.write(part("projector."), metadata: ["epoch": String(context.epoch + 1), "kind": "projection_head"],
                              to: directory + "/projection_head.safetensors")
    }
}
