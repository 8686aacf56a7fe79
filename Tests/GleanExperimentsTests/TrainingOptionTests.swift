import Foundation
import GleanConfig
import GleanTestSupport
import Glean
import GleanExperiments
import Testing

@Suite struct TrainingOptionTests {
    /// `--augment` is a list in any order, written back in the canonical order.
    @Test func augmentListsRoundTrip() throws {
        let request = try TrainSettings.parse(["--augment", "erasing, flip-crop,randaugment"])
        #expect(request.settings.data.augmentation.augment.optionText == "flip-crop,randaugment,erasing")
        var again = TrainSettings()
        try again.apply(yaml: request.settings.yaml, source: "config.yaml")
        #expect(again == request.settings)
        #expect(request.settings.data.augmentation.transform(size: 28, channels: 1) is Compose)
        #expect(try TrainSettings.parse(["--augment", "none"]).settings.data.augmentation.transform(size: 28, channels: 1) == nil)
        #expect(throws: SettingError.self) { try TrainSettings.parse(["--augment", "mixup,cutmix"]) }
        // Every semi-supervised method mixes batches; SimCLR's views and distillation do not.
        #expect(throws: SettingError.self) { try SimCLRSettings.parse(["--augment", "mixup"]) }
        #expect(throws: SettingError.self) { try DistillSettings.parse(["--augment", "cutmix"]) }
        for method in ["pseudo-label-online", "pseudo-label-offline", "noisy-student", "fixmatch", "flexmatch"] {
            let semi = try SemiSettings.parse(["--method", method, "--augment", "flip-crop,mixup", "--mix-alpha", "1"]).settings
            #expect(semi.data.augmentation.mixingKind == .mixUp(alpha: 1), "\(method)")
        }
    }

    /// Distribution alignment is an option of the strong-view methods only.
    @Test func distributionAlignmentBelongsToFixMatch() throws {
        #expect(try SemiSettings.parse(["--method", "flexmatch", "--distribution-alignment", "true"]).settings.semi.distributionAlignment)
        #expect { try SemiSettings.parse(["--method", "pseudo-label-online", "--distribution-alignment", "true"]) } throws: {
            "\($0)".contains("distribution-alignment") && "\($0)".contains("pseudo-label-online")
        }
        let semi = try SemiSettings.parse(["--method", "fixmatch", "--distribution-alignment", "true"]).settings.semi
        let images = ImageDataset(pixels: [UInt8](repeating: 0, count: 3), labels: [0, 2, 2], channels: 1, height: 1, width: 1, classCount: 3)
        #expect { try semi.distributionAlignment(for: images) } throws: { "\($0)".contains("class 1") }
        let all = ImageDataset(pixels: [UInt8](repeating: 0, count: 4), labels: [0, 1, 2, 2], channels: 1, height: 1, width: 1, classCount: 3)
        #expect(try semi.distributionAlignment(for: all)?.target == [0.25, 0.25, 0.5])
    }

    /// Balanced class weights are N / (C · count); absent classes weigh 0.
    @Test func balancedClassWeights() {
        let labels = [0, 0, 1, 1, 1, 1, 1, 1]
        let images = ImageDataset(pixels: [UInt8](repeating: 0, count: labels.count), labels: labels, channels: 1, height: 1, width: 1,
                                  classCount: 3)
        let weights = LossOptions(classWeights: .balanced).weights(for: images)!
        #expect(abs(weights[0] - 2) < 1e-6 && abs(weights[1] - 8.0 / 12) < 1e-6 && weights[2] == 0)
        #expect(LossOptions().weights(for: images) == nil)
    }

    /// The plateau schedule adds a resumable ReduceLROnPlateau watching the validation loss.
    @Test func plateauScheduleIsACallback() throws {
        let options = try TrainSettings.parse(["--schedule", "plateau", "--plateau-factor", "0.2"]).settings.optimization
        #expect(options.makeSchedule(stepsPerEpoch: 10, epochs: 3) == nil)
        #expect(options.plateauCallback(monitor: "val_loss") is ReduceLearningRateOnPlateau)
        #expect(throws: SettingError.self) { try TrainSettings.parse(["--schedule", "plateau", "--warmup-epochs", "1", "--epochs", "5"]) }
    }
}

@Suite struct BadMethodOptionTests {
    /// Each new flag's bad value is refused with the key named, before any work.
    @Test func badValuesNameTheirKey() {
        let cases: [(arguments: [String], key: String)] = [
            (["--threshold", "2"], "threshold"), (["--student-width", "0"], "student-width"),
            (["--unlabeled-ratio", "0"], "unlabeled-ratio"), (["--steps-per-epoch", "-1"], "steps-per-epoch"),
            (["--augment", "flip,bogus"], "augment"), (["--randaugment-magnitude", "31"], "randaugment-magnitude"),
            (["--ramp-start", "5", "--ramp-end", "2"], "ramp-end"), (["--subsample-fraction", "0"], "subsample-fraction"),
            (["--labeled-share", "1"], "labeled-share"), (["--student-model", "bogus"], "student-model"),
        ]
        for (arguments, key) in cases {
            #expect { try SemiSettings.parse(arguments) } throws: { "\($0)".contains("'\(key)'") }
        }
        #expect { try TrainSettings.parse(["--disturb-label", "200"]) } throws: { "\($0)".contains("'disturb-label'") }
        #expect { try TrainSettings.parse(["--plateau-factor", "1.5"]) } throws: { "\($0)".contains("'plateau-factor'") }
        #expect { try RegressSettings.parse(["--table", "t.csv", "--hidden", "50,0"]) } throws: { "\($0)".contains("'hidden'") }
        #expect { try RegressSettings.parse(["--hidden", "50"]) } throws: { "\($0)".contains("'table'") }
        for size in ["4", "2000", "-3"] {
            #expect { try SimCLRSettings.parse(["--view-size", size]) } throws: { "\($0)".contains("'view-size'") && "\($0)".contains(size) }
        }
        #expect((try? SimCLRSettings.parse(["--view-size", "20"]))?.settings.simclr.viewSize == 20)
    }
}

@Suite struct TimeBudgetRunTests {
    /// A `--minutes` run writes the epoch count it trained into `config.yaml` (corrected from
    /// its first epochs' time, whatever the timed steps planned), and `--resume` accepts the
    /// run as it ended.
    @Test func configHoldsTheEpochsTrained() throws {
        let data = TinyDataset("time-budget", trainPerClass: 10, testPerClass: 4)
        let outcome = try TrainRun(TrainSettings.parse(data.common + ["--model", "seednet", "--minutes", "0.04", "--batch-size", "10",
                                                                      "--run-name", "budget"])).run()
        let config = try TrainSettings.load(runDirectory: outcome.directory)
        let rows = try String(contentsOfFile: outcome.directory + "/metrics.csv", encoding: .utf8).split(separator: "\n").count - 1
        #expect(config.optimization.epochs == rows)
        let log = try String(contentsOfFile: outcome.directory + "/train.log", encoding: .utf8)
        #expect(log.contains("an epoch takes"), "\(log)")
        let resumed = try TrainRun(CommandLineRequest(settings: config, resume: outcome.directory)).run()
        #expect(resumed.test["accuracy"] == outcome.test["accuracy"])
    }
}
