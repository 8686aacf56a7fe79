import Foundation
import Testing

/// Glean's own loops take the OpenMP team's size, so that `OMP_NUM_THREADS` (or a CPU affinity
/// mask) limits a whole run, not only oneDNN's primitives.
@Suite struct ThreadCountTests {
    /// The threads `glean bench --json` reports for its one workload under `environment`.
    private func benchThreads(environment: [String: String]) throws -> Int? {
        let outcome = try ReleaseBinary.run(["bench", "--only", "conv_fwd", "--seconds", "0.05", "--json"], environment: environment)
        try #require(outcome.status == 0, "glean bench failed: \(outcome.standardError)")
        let line = try #require(outcome.standardOutput.split(separator: "\n").last { $0.hasPrefix("{") }, "no JSON in: \(outcome.standardOutput)")
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        return object?["threads"] as? Int
    }

    @Test func ompNumThreadsLimitsGleansTeam() throws {
        #expect(try benchThreads(environment: ["OMP_NUM_THREADS": "1"]) == 1)
        if ProcessInfo.processInfo.activeProcessorCount > 1 {
            #expect(try benchThreads(environment: ["OMP_NUM_THREADS": "2"]) == 2)
        }
    }
}
