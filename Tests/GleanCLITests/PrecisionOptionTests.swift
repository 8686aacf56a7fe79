import Testing
import Foundation
import GleanTestSupport
import GleanConfig
import Glean
import GleanExperiments
@testable import glean

@Suite struct PrecisionOptionTests {
    /// `--precision bf16` trains in bf16 where oneDNN dispatches to a bf16 ISA and otherwise
    /// says so and trains in fp32 (played here by limiting oneDNN to AVX2); `--precision` is
    /// kept in the run's config, so `--resume` continues in the same arithmetic.
    @Test func bf16IsUsedWhereNativeAndOtherwiseNamed() throws {
        let data = TinyDataset("precision")
        let common = ["train"] + data.common + ["--epochs", "1", "--batch-size", "16", "--precision", "bf16"]
        let limited = try ReleaseBinary.run(common + ["--run-name", "avx2"], environment: ["DNNL_MAX_CPU_ISA": "AVX2"])
        #expect(limited.status == 0 && limited.standardError.contains("no native bf16") && limited.standardError.contains("fp32"),
                "\(limited.standardError)")
        let native = try ReleaseBinary.run(common + ["--run-name", "native"])
        #expect(native.status == 0, "\(native.standardError)")
        let log = try String(contentsOfFile: try data.run("native") + "/train.log", encoding: .utf8)
        #expect(log.contains("arithmetic: bf16") == MixedPrecision.cpuHasNativeBF16, "\(log)")
        #expect(try String(contentsOfFile: try data.run("native") + "/config.yaml", encoding: .utf8).contains("precision: \"bf16\""))
    }
}
