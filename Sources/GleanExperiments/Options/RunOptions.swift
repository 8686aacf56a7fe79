import Foundation
import Glean

/// Options every experiment command shares: the run's seed, folder and arithmetic.
public struct RunOptions: Equatable {
    public var seed: UInt64 = 0
    public var runName = ""
    public var runsDir = "runs"
    public var precision = Precision.fp32
    public var syncBatchNorm = false

    public init() {}

    public static let options: [OptionSpec<RunOptions>] = [
        .value("seed", \.seed, "Run seed: the same seed gives the same run."),
        .value("run-name", \.runName, "Name of the run (its folder is <runs-dir>/<date>_<time>_<name>; empty: the command and model)."),
        .value("runs-dir", \.runsDir, "Folder that holds the run folders."),
        .value("precision", \.precision, PrecisionOption.help),
    ]

    /// `--sync-batchnorm`, for the commands that train a network (train, pretrain, semi,
    /// finetune, distill).
    public static let trainingOptions: [OptionSpec<RunOptions>] = [
        .value("sync-batchnorm", \.syncBatchNorm, "Under mpirun: batch norm normalises with the statistics of the global batch, summed over the ranks "
               + "(PyTorch's SyncBatchNorm; for small batches per rank; costs two allreduces per layer and step). One process: no effect."),
    ]
}

extension Precision: OptionChoice {}

/// `--precision`: its help and how a run switches to it (the experiment commands, evaluate,
/// predict and bench).
public enum PrecisionOption {
    public static let help = "Arithmetic of convolutions: fp32; bf16 (mixed precision: bf16 convolution operands, fp32 everything else; "
        + "fp32 with a note where the CPU lacks native bf16); auto (bf16 where it is faster: AMX, or bf16 dot products at least 1.4x the fp32 rate, "
        + "as on AMD Zen 4 and 5; else fp32)."

    /// Switches the process to the requested precision; returns the note to show when it
    /// could not be honoured.
    @discardableResult
    public static func apply(_ requested: Precision) -> String? {
        let (_, note) = MixedPrecision.use(requested)
        if let note { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        return note
    }
}
