import Foundation
import Testing

/// The README's commands run release binaries, so the shape checks must survive `-c release`.
@Suite struct ReleaseGuardTests {
    @Test func releaseBinaryStopsOnAShapeMismatch() throws {
        let outcome = try ReleaseBinary.run(["check-guards"])
        #expect(outcome.status != 0)
        let message = outcome.standardError
        #expect(message.contains("conv2d") && message.contains("[2, 3, 8, 8]") && message.contains("[4, 5, 3, 3]"),
                "stderr: \(message)")
    }
}
