import Foundation
import GleanTestSupport
import Glean
import GleanExperiments
import Testing

@Suite struct FewLabelsPipelineTests {
    /// `auto` is simclr-finetune at 5 labels per class or fewer, FixMatch above; a named method
    /// stays itself.
    @Test func autoChoosesByLabelsPerClass() {
        #expect(SemiMethod.auto.resolved(labelsPerClass: 1) == .simclrFinetune)
        #expect(SemiMethod.auto.resolved(labelsPerClass: 5) == .simclrFinetune)
        #expect(SemiMethod.auto.resolved(labelsPerClass: 5.5) == .fixmatch)
        #expect(SemiMethod.flexmatch.resolved(labelsPerClass: 1) == .flexmatch)
        #expect(SemiSettings().semi.method == .auto)
    }

    /// With 2 labels per class, `glean semi`'s default pretrains an encoder on every training
    /// image (its own run folder), then fine-tunes it on all 6 labels (no validation images),
    /// and reports the raw-pixel kNN on those same 6 labels; it cannot be resumed as one run.
    @Test func fewLabelsPretrainThenFineTune() throws {
        let data = TinyDataset("few-labels", trainPerClass: 30)
        let outcome = try SemiRun(SemiSettings.parse(data.common + ["--labels-per-class", "2", "--minutes", "0.1", "--run-name", "few"])).run()
        #expect(outcome.directory == (try data.run("few-finetune")))
        #expect(outcome.labelsUsed == 6)
        let pretrain = try data.run("few-pretrain")
        #expect(FileManager.default.fileExists(atPath: pretrain + "/encoder.safetensors"))
        let pretrainLog = try String(contentsOfFile: pretrain + "/train.log", encoding: .utf8)
        #expect(pretrainLog.contains("90 unlabeled fashion-mnist images"), "\(pretrainLog)")
        let log = try String(contentsOfFile: outcome.directory + "/train.log", encoding: .utf8)
        #expect(log.contains(pretrain + "/encoder.safetensors"), "\(log)")
        let report = try String(contentsOfFile: outcome.directory + "/report.txt", encoding: .utf8)
        #expect(report.contains("raw-pixel kNN on the same 6 labeled images"), "\(report)")
        let settings = try SemiSettings.parse(data.common + ["--labels-per-class", "2", "--method", "simclr-finetune"]).settings
        #expect { try SemiRun(CommandLineRequest(settings: settings, resume: outcome.directory)).run() } throws: {
            "\($0)".contains("cannot be resumed as one")
        }
    }
}
