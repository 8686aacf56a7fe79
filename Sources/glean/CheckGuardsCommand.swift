import ArgumentParser
import Glean
import GleanExperiments

/// `glean check-guards`: runs a convolution whose input and weight disagree on the channel
/// count. A correct build stops with a message naming the op and both shapes; a build that
/// dropped its checks (`-Ounchecked`) would print a result instead. The tests run it on the
/// release binary.
struct CheckGuardsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-guards",
        abstract: "Prove that this build keeps its shape checks (it must stop with an error).",
        shouldDisplay: false)

    func run() throws {
        let output = Tensor.zeros([2, 3, 8, 8]).conv2d(weight: .zeros([4, 5, 3, 3]))
        print("shape checks are OFF: conv2d of [2, 3, 8, 8] with [4, 5, 3, 3] returned \(output.shape)")
    }
}
