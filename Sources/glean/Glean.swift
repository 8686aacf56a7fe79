import ArgumentParser

@main
struct GleanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "glean",
        abstract: "Train image classifiers when labels are scarce.",
        subcommands: [DemoCommand.self, TrainCommand.self, PretrainCommand.self, SemiCommand.self, RegressCommand.self, LinearEvalCommand.self, KNNEvalCommand.self, FinetuneCommand.self, DistillCommand.self, CheckLabelsCommand.self, SelectCommand.self, LabelCommand.self,
                      EvaluateCommand.self, PredictCommand.self, ExportCommand.self, SummaryCommand.self, BenchCommand.self,
                      CheckGuardsCommand.self])
}
