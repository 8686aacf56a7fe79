import Foundation
import GleanConfig
import Glean

extension CheckpointInfo {
    /// What a classifier checkpoint of `model` (with `head`) trained on `data` records.
    public static func classifier(_ model: ModelOptions, data: ExperimentData, head: ModelZoo.Head? = nil) -> CheckpointInfo {
        let labeled = data.labeled
        return CheckpointInfo(model: model.model.rawValue, classCount: labeled.classCount, inputChannels: labeled.channels,
                              imageSize: labeled.height, mean: data.mean, std: data.std, classNames: labeled.classNames,
                              width: model.width, head: head ?? model.head)
    }
}
