import Foundation
import Glean

/// `glean semi --method simclr-finetune` (what `auto` runs with very few labels): SimCLRv2's road
/// for 1% labels, in two runs, each in its own folder under `--runs-dir`:
/// 1. `glean pretrain simclr` on every image, labeled and unlabeled (labels unused), with the
///    data options of the request and SimCLR's recipe for the data, for `pretrainShare` of
///    `--minutes` (without `--minutes`, the epochs the recipe chooses);
/// 2. `glean train` from that encoder on every label (no validation images unless the request
///    sets `--validation-split` or `--validation-per-class`): `fineTune` steps, SGD with
///    `glean train`'s defaults, the last weights; its report holds the test accuracy and the
///    raw-pixel kNN on the same labels.
/// The request's model, optimization and method options do not apply; the seed, runs folder,
/// run name (suffixed `-pretrain` and `-finetune`) and precision do.
struct PretrainFinetuneRun {
    let request: CommandLineRequest<SemiSettings>

    /// The share of `--minutes` the pretraining gets; the fine-tuning takes seconds to a minute.
    static let pretrainShare = 0.85
    /// The fine-tuning: 6 epochs of 50 steps of 16 images (on 3 labels per class of RGB digits,
    /// 27.1 ± 2.6% from a 6-minute encoder against 10.0% from scratch, docs/few-labels.md).
    static let fineTune = (epochs: 6, stepsPerEpoch: 50, batchSize: 16)

    func run() throws -> RunOutcome {
        guard request.resume == nil else {
            throw ExperimentError("semi --method simclr-finetune runs two commands and cannot be resumed as one; resume the step "
                                  + "that stopped: glean pretrain simclr --resume <its run folder>, or glean train --resume <its run folder>")
        }
        let settings = request.settings
        var data = settings.data
        if !request.isGiven("validation-split") { data.validationSplit = 0 }
        if !request.isGiven("validation-per-class") { data.validationPerClass = 0 }
        let baseName = settings.run.runName.isEmpty ? "simclr-finetune" : settings.run.runName

        var pretrain = SimCLRSettings()
        pretrain.data = data
        pretrain.run = settings.run
        pretrain.run.runName = baseName + "-pretrain"
        var given: Set<String> = []
        if settings.optimization.minutes > 0 {
            pretrain.optimization.minutes = settings.optimization.minutes * Self.pretrainShare
            given.insert("minutes")
        }
        print("simclr-finetune, step 1 of 2: SimCLR on every image, labeled and unlabeled"
              + (given.isEmpty ? "" : String(format: ", %.1f of the %.1f minutes", pretrain.optimization.minutes, settings.optimization.minutes)))
        let encoder = try SimCLRRun(CommandLineRequest(settings: pretrain, given: given)).run()

        var train = TrainSettings()
        train.data = data
        train.model.model = encoder.model
        train.model.widthOption = encoder.width
        train.model.initialWeights = encoder.encoder
        train.optimization.batchSize = Self.fineTune.batchSize
        train.optimization.epochs = Self.fineTune.epochs
        train.optimization.stepsPerEpoch = Self.fineTune.stepsPerEpoch
        train.optimization.finalWeights = .last
        train.run = settings.run
        train.run.runName = baseName + "-finetune"
        print("simclr-finetune, step 2 of 2: \(encoder.model.rawValue) (width \(encoder.width)) from \(encoder.encoder), "
              + "fine-tuned on the labels: \(Self.fineTune.epochs) epochs of \(Self.fineTune.stepsPerEpoch) steps of \(Self.fineTune.batchSize)")
        return try TrainRun(CommandLineRequest(settings: train)).run()
    }
}
