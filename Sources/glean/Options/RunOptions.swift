/// Options every experiment command has: the seed, the run's name and where runs go.
struct RunOptions: Equatable {
    var seed: UInt64 = 0
    var runName = ""
    var runsDir = "runs"

    static let options: [OptionSpec<RunOptions>] = [
        .value("seed", \.seed, "Run seed: the same seed gives the same run."),
        .value("run-name", \.runName, "Name of the run (its folder is <runs-dir>/<date>_<time>_<name>; empty: the command and model)."),
        .value("runs-dir", \.runsDir, "Folder that holds the run folders."),
    ]
}
