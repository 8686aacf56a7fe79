import ArgumentParser
import Glean
import GleanExperiments

extension Precision: ExpressibleByArgument {}

/// `--precision` for the commands outside the experiment runner (evaluate, predict, bench).
struct PrecisionFlag: ParsableArguments {
    @Option(help: ArgumentHelp(PrecisionOption.help)) var precision: Precision = .fp32
}
