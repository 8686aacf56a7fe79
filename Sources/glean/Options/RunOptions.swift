/// Options every experiment command has: the seed and the run's name.
struct RunOptions: Equatable {
    var seed: UInt64 = 0
    var runName = ""

    static let options: [OptionSpec<RunOptions>] = [
        .value("seed", \.seed, "Run seed: the same seed gives the same run."),
        .value("run-name", \.runName, "Name of the run (its folder is runs/<date>_<time>_<name>; empty: the command and model)."),
    ]
}
