import Testing
import GleanTensor

/// Mismatched shapes are programming errors: the process stops with a message naming the op
/// and both shapes (checked in a child process).
@Suite struct ShapeErrorTests {
    @Test func broadcastMismatchStops() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]) + Tensor.zeros([4])
        }
    }

    @Test func convolutionChannelMismatchStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([1, 3, 8, 8]).conv2d(weight: .zeros([4, 2, 3, 3]))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("conv2d") && message.contains("[1, 3, 8, 8]") && message.contains("[4, 2, 3, 3]"))
    }

    @Test func matmulMismatchStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).matmul(.zeros([4, 5]))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("matmul") && message.contains("[2, 3]") && message.contains("[4, 5]"))
    }
}
