import Testing
@testable import GleanTensor

/// Finite-difference checks of every differentiable op (bounds explained in `checkGradients`).
/// Inputs for ops with kinks (ReLU, max, clamp, abs, max pool) are spaced so that no element
/// sits within the difference step of a kink.
@Suite struct GradientCheckTests {
    let a = pattern([3, 4], phase: 0.1)
    let b = pattern([3, 4], phase: 1.2)
    let row = pattern([1, 4], phase: 0.5)
    let positive = pattern([3, 4], phase: 0.3).abs() + 0.5

    @Test func broadcastingArithmetic() {
        checkGradients([a, row]) { $0[0] + $0[1] }
        checkGradients([a, row]) { $0[0] - $0[1] }
        checkGradients([a, row]) { $0[0] * $0[1] }
        checkGradients([a, positive]) { $0[0] / $0[1] }
        checkGradients([a]) { -$0[0] * 3 + 2 }
        checkGradients([a, pattern([4], phase: 2)]) { $0[0] * $0[1] }
    }

    @Test func unaryFunctions() {
        checkGradients([a]) { $0[0].exp() }
        checkGradients([positive]) { $0[0].log() }
        checkGradients([positive]) { $0[0].sqrt() }
        checkGradients([positive]) { $0[0].pow(2.5) }
        checkGradients([a]) { $0[0].squared() }
        checkGradients([spaced([3, 4])]) { $0[0].abs() }
        checkGradients([spaced([3, 4])]) { $0[0].clamped(min: -0.5, max: 0.45) }
    }

    @Test func whereSelectsGradients() {
        let condition = a .> 0
        checkGradients([a, b]) { Tensor.where(condition, $0[0], $0[1]) }
    }

    @Test func reductions() {
        checkGradients([a]) { $0[0].sum() }
        checkGradients([a]) { $0[0].sum(axis: 1, keepDims: true) }
        checkGradients([a]) { $0[0].mean(axis: 0) }
        checkGradients([a]) { $0[0].variance(axes: [1]) }
        checkGradients([spaced([3, 4])]) { $0[0].max(axis: 1) }
        checkGradients([spaced([3, 4])]) { $0[0].min(axis: 0) }
        checkGradients([a]) { $0[0].logSumExp(axis: 1) }
        checkGradients([a]) { $0[0].l2Normalized(axis: 1) }
    }

    @Test func shapeOperations() {
        let cube = pattern([2, 3, 4], phase: 0.7)
        checkGradients([cube]) { $0[0].reshaped(6, 4) }
        checkGradients([cube]) { $0[0].permuted([2, 0, 1]) }
        checkGradients([cube]) { $0[0].transposed(0, 2) }
        checkGradients([cube]) { $0[0].flattened() }
        checkGradients([cube]) { $0[0].unsqueezed(axis: 1).squeezed(axis: 1) }
        checkGradients([a, b]) { Tensor.concat([$0[0], $0[1]], axis: 1) }
        checkGradients([a, b]) { Tensor.stack([$0[0], $0[1]], axis: 0) }
        checkGradients([cube]) { $0[0].sliced(axis: 2, 1 ..< 3) }
        checkGradients([cube]) { $0[0].indexSelect(axis: 1, [2, 0, 2]) }
        let index = Tensor([0, 3, 3, 1, 2, 0], shape: [3, 2])
        checkGradients([a]) { $0[0].gathered(axis: 1, index: index) }
    }

    @Test func matrixProducts() {
        checkGradients([a, pattern([4, 5], phase: 0.9)]) { $0[0].matmul($0[1]) }
        checkGradients([pattern([2, 3, 4], phase: 0.2), pattern([2, 4, 2], phase: 0.4)]) { $0[0].matmul($0[1]) }
        checkGradients([pattern([2, 3, 4], phase: 0.2), pattern([4, 2], phase: 0.4)]) { $0[0].matmul($0[1]) }
        checkGradients([a, pattern([5, 4], phase: 0.6), pattern([5], phase: 0.8)]) {
            $0[0].linear(weight: $0[1], bias: $0[2])
        }
    }

    @Test func convolutions() {
        let x = pattern([2, 4, 6, 6], phase: 0.3)
        checkGradients([x, pattern([6, 2, 3, 3], phase: 0.5) * 0.5, pattern([6], phase: 0.1)]) {
            $0[0].conv2d(weight: $0[1], bias: $0[2], stride: (2, 1), padding: (1, 0), groups: 2)
        }
        checkGradients([x, pattern([3, 4, 3, 3], phase: 0.5) * 0.5]) {
            $0[0].conv2d(weight: $0[1], padding: (2, 2), dilation: (2, 2))
        }
    }

    @Test func normalization() {
        let x = pattern([4, 3, 3, 3], phase: 0.4) * 2
        let gamma = pattern([3], phase: 0.2) * 0.3 + 1, beta = pattern([3], phase: 0.6)
        checkGradients([x, gamma, beta], tolerance: 1e-2) {
            $0[0].batchNorm(scale: $0[1], shift: $0[2], runningMean: .zeros([3]), runningVariance: .ones([3]), training: true)
        }
        checkGradients([x, gamma, beta]) {
            $0[0].batchNorm(scale: $0[1], shift: $0[2], runningMean: .full(0.1, shape: [3]),
                            runningVariance: .full(2, shape: [3]), training: false)
        }
        checkGradients([pattern([5, 3], phase: 0.4), gamma, beta], tolerance: 1e-2) {
            $0[0].batchNorm(scale: $0[1], shift: $0[2], runningMean: .zeros([3]), runningVariance: .ones([3]), training: true)
        }
    }

    /// Synchronised batch norm where the other process holds the same batch (every sum comes
    /// back doubled): the statistics are this batch's, so the gradients match finite differences,
    /// and values and gradients, with the fused ReLU too and on a convolution's blocked output,
    /// are batch norm's own.
    @Test func synchronizedBatchNormOverIdenticalProcesses() {
        let twice: (inout [Double]) -> Void = { values in values = values.map { 2 * $0 } }
        let gamma = pattern([3], phase: 0.2) * 0.3 + 1, beta = pattern([3], phase: 0.6)
        for x in [pattern([4, 3, 3, 3], phase: 0.4) * 2, pattern([5, 3], phase: 0.4)] {
            checkGradients([x, gamma, beta], tolerance: 1e-2) {
                $0[0].batchNorm(scale: $0[1], shift: $0[2], runningMean: .zeros([3]), runningVariance: .ones([3]), training: true,
                                sumOverProcesses: twice)
            }
        }
        let channels = 16
        let images = pattern([4, 3, 14, 14], phase: 0.4) * 2, kernel = pattern([channels, 3, 3, 3], phase: 0.1) * 0.3
        let scale = pattern([channels], phase: 0.2) * 0.3 + 1, shift = pattern([channels], phase: 0.6)
        var generator = RandomGenerator(seed: 99)
        let upstream = Tensor.uniform([4, channels, 14, 14], low: -1, high: 1, generator: &generator)
        for relu in [false, true] {
            let passes = [false, true].map { synchronized in
                let leaves = [images, kernel, scale, shift].map { $0.requiringGrad() }
                let output = leaves[0].conv2d(weight: leaves[1], padding: (1, 1))
                    .batchNorm(scale: leaves[2], shift: leaves[3], runningMean: .zeros([channels]), runningVariance: .ones([channels]),
                               training: true, relu: relu, sumOverProcesses: synchronized ? twice : nil)
                (output * upstream).sum().backward()
                return [output] + leaves.map { $0.grad! }
            }
            for (own, synchronized) in zip(passes[0], passes[1]) { #expect(maxScaledError(synchronized, own) < 1e-5) }
        }
    }

    @Test func pooling() {
        checkGradients([spaced([2, 3, 6, 6])]) { $0[0].maxPool2d(kernel: (2, 2)) }
        checkGradients([spaced([1, 16, 13, 13])]) { $0[0].maxPool2d(kernel: (2, 2)) }
        checkGradients([spaced([1, 2, 7, 7])]) { $0[0].maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        let x = pattern([2, 3, 6, 6], phase: 0.2)
        checkGradients([x]) { $0[0].avgPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        checkGradients([x]) { $0[0].avgPool2d(kernel: (2, 2), countIncludePad: false) }
        checkGradients([x]) { $0[0].adaptiveAvgPool2d((1, 1)) }
        checkGradients([x]) { $0[0].adaptiveAvgPool2d((4, 5)) }
    }

    /// The seed CNN's path: blocked conv output, odd-sized 2x2 pooling (13 → 6), flatten to
    /// plain memory, linear layer. (Average pooling: conv outputs can tie within the step in a
    /// max-pool window; max pooling on odd sizes is checked on spaced inputs in `pooling`.)
    @Test func blockedConvPoolFlattenLinear() {
        let x = pattern([2, 3, 13, 13], phase: 0.2)
        let w = pattern([16, 3, 3, 3], phase: 0.4) * 0.3
        let fc = pattern([4, 16 * 6 * 6], phase: 0.6) * 0.1
        checkGradients([x, w, fc]) { inputs in
            inputs[0].conv2d(weight: inputs[1], padding: (1, 1)).avgPool2d(kernel: (2, 2)).flattened()
                .linear(weight: inputs[2])
        }
    }

    @Test func activations() {
        let x = spaced([3, 5])
        checkGradients([x]) { $0[0].relu() }
        checkGradients([x]) { $0[0].leakyRelu(negativeSlope: 0.2) }
        checkGradients([x]) { $0[0].gelu() }
        checkGradients([x]) { $0[0].sigmoid() }
        checkGradients([x]) { $0[0].tanh() }
        checkGradients([x]) { $0[0].softmax(axis: 1) }
        checkGradients([x]) { $0[0].logSoftmax(axis: 0) }
    }

    @Test func dropoutAndLosses() {
        let x = pattern([4, 6], phase: 0.8)
        checkGradients([x]) { inputs in
            var generator = RandomGenerator(seed: 3)
            return inputs[0].dropout(probability: 0.3, generator: &generator)
        }
        checkGradients([x]) { $0[0].crossEntropy(labels: [0, 5, 2, 2], classWeights: [1, 2, 1, 1, 1, 0.5], labelSmoothing: 0.2) }
        let soft = pattern([4, 6], phase: 0.1).softmax(axis: 1)
        checkGradients([x]) { $0[0].crossEntropy(targets: soft) }
    }

    /// Distinct values at least 0.05 apart and at least 0.025 from zero, in scrambled order.
    private func spaced(_ shape: Shape) -> Tensor {
        let count = shape.count
        let values = (0..<count).map { index -> Float in
            let rank = (index * 7919) % count
            return Float(rank - count / 2) * 0.05 + 0.025
        }
        return Tensor(values, shape: shape)
    }
}
