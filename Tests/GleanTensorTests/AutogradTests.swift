import Testing
@testable import GleanTensor

@Suite struct AutogradTests {
    @Test func gradientsAccumulateUntilCleared() {
        let x = Tensor([1, 2, 3]).requiringGrad()
        (x * x).sum().backward()
        #expect(x.grad?.scalars == [2, 4, 6])
        (x * 3).sum().backward()
        #expect(x.grad?.scalars == [5, 7, 9])
        x.zeroGrad()
        #expect(x.grad == nil)
        x.sum().backward()
        #expect(x.grad?.scalars == [1, 1, 1])
    }

    @Test func detachAndNoGradientScopeStopRecording() {
        let x = Tensor([1, 2]).requiringGrad()
        #expect((x.detached() * 2).requiresGrad == false)
        let inside = withoutGradients { x * 2 }
        #expect(inside.requiresGrad == false)
        #expect(GradMode.isEnabled)
        let y = x * x.detached()
        y.sum().backward()
        #expect(x.grad?.scalars == [1, 2])
    }

    @Test func sharedSubexpressionsReceiveEveryPath() {
        let x = Tensor([0.5, -1.5]).requiringGrad()
        let a = x * 2
        let loss = (a * a + a).sum()
        loss.backward()
        // d/dx (4x² + 2x) = 8x + 2
        #expect(x.grad?.scalars == [6, -10])
    }

    @Test func gradientsReachEveryParameterOfAConvNet() {
        var generator = RandomGenerator(seed: 5)
        let w1 = Tensor.normal([8, 3, 3, 3], standardDeviation: 0.2, generator: &generator).requiringGrad()
        let gamma = Tensor.ones([8]).requiringGrad(), beta = Tensor.zeros([8]).requiringGrad()
        let w2 = Tensor.normal([10, 8], standardDeviation: 0.2, generator: &generator).requiringGrad()
        let images = Tensor.normal([4, 3, 8, 8], generator: &generator)
        let features = images.conv2d(weight: w1, padding: (1, 1))
            .batchNorm(scale: gamma, shift: beta, runningMean: .zeros([8]), runningVariance: .ones([8]), training: true)
            .relu().maxPool2d(kernel: (2, 2)).adaptiveAvgPool2d((1, 1)).flattened()
        features.linear(weight: w2).crossEntropy(labels: [0, 1, 2, 3]).backward()
        for parameter in [w1, gamma, beta, w2] {
            let gradient = parameter.grad
            #expect(gradient != nil)
            #expect(gradient?.scalars.contains { $0 != 0 } == true)
            #expect(gradient?.isBlocked == false)
        }
    }

    @Test func reluOfSumMatchesSeparateOps() {
        // b is chosen so that |a + b| >= 0.05, away from the kink at 0 by more than the step.
        let a = pattern([2, 16, 5, 5], phase: 0.1)
        let b = Tensor(a.scalars.map { 0.5 * $0 + ($0 >= 0 ? 0.05 : -0.05) }, shape: a.shape)
        checkGradients([a, b]) { Tensor.reluOfSum($0[0], $0[1]) }
        #expect(maxScaledError(Tensor.reluOfSum(a, b), (a + b).relu()) == 0)
    }

    /// Without gradients the sum may reuse the first operand's memory, but only when nothing
    /// else holds it.
    @Test func reluOfSumNeverChangesATensorSomeoneHolds() {
        let a = pattern([2, 16, 3, 3], phase: 0.2), b = pattern([2, 16, 3, 3], phase: 1.4)
        let before = a.scalars
        let shared = withoutGradients { Tensor.reluOfSum(a, b) }
        #expect(a.scalars == before)
        let owned = withoutGradients { Tensor.reluOfSum(a * 1, b) }
        #expect(owned.scalars == shared.scalars && shared.scalars == (a + b).relu().scalars)
    }

    /// Batch norm with the ReLU in its pass gives the output, gradients and running statistics
    /// of batch norm followed by ReLU, in training and eval mode, in plain (3 channels) and
    /// blocked (16 channels) layouts.
    @Test(arguments: [(3, true), (3, false), (16, true), (16, false)])
    func batchNormWithReLUMatchesSeparateOps(channels: Int, training: Bool) {
        var generator = RandomGenerator(seed: 9)
        let x = Tensor.normal([4, channels, 5, 5], generator: &generator)
        let upstream = Tensor.normal([4, channels, 5, 5], generator: &generator)
        let gammaValues = Tensor.normal([channels], mean: 1, standardDeviation: 0.3, generator: &generator)
        let betaValues = Tensor.normal([channels], standardDeviation: 0.5, generator: &generator)
        func run(fused: Bool) -> (output: Tensor, gradients: [Tensor?], running: [Float]) {
            let input = (x * 1).requiringGrad(), gamma = (gammaValues * 1).requiringGrad(), beta = (betaValues * 1).requiringGrad()
            let mean = Tensor.full(0.1, shape: [channels]), variance = Tensor.full(1.5, shape: [channels])
            let normalized = input.batchNorm(scale: gamma, shift: beta, runningMean: mean, runningVariance: variance,
                                             training: training, relu: fused)
            let output = fused ? normalized : normalized.relu()
            (output * upstream).sum().backward()
            return (output, [input.grad, gamma.grad, beta.grad], mean.scalars + variance.scalars)
        }
        let fused = run(fused: true), separate = run(fused: false)
        #expect(maxScaledError(fused.output, separate.output) < 1e-6)
        #expect(fused.output.scalars.contains(0) && fused.output.scalars.contains { $0 > 0 })
        for (a, b) in zip(fused.gradients, separate.gradients) {
            #expect(a != nil && b != nil && maxScaledError(a!, b!) < 1e-5)
        }
        #expect(fused.running == separate.running)
    }

    @Test func fusedReLUConvolutionMatchesSeparateOps() {
        var generator = RandomGenerator(seed: 2)
        let x = Tensor.normal([2, 16, 6, 6], generator: &generator)
        let w = Tensor.normal([16, 16, 3, 3], standardDeviation: 0.1, generator: &generator)
        let b = Tensor.normal([16], generator: &generator)
        let fused = withoutGradients { x.conv2d(weight: w, bias: b, padding: (1, 1), fusedReLU: true) }
        let separate = x.conv2d(weight: w, bias: b, padding: (1, 1)).relu()
        #expect(maxScaledError(fused, separate) < 1e-5)
    }
}

@Suite struct DeterminismTests {
    @Test func sameSeedSameNumbers() {
        var a = RandomGenerator(seed: 42, stream: "init"), b = RandomGenerator(seed: 42, stream: "init")
        #expect(Tensor.normal([100], generator: &a).scalars == Tensor.normal([100], generator: &b).scalars)
        var c = RandomGenerator(seed: 42, stream: "dropout")
        var d = RandomGenerator(seed: 42, stream: "init")
        #expect(Tensor.uniform([10], generator: &c).scalars != Tensor.uniform([10], generator: &d).scalars)
        let restored = RandomGenerator(stateWords: a.stateWords)
        #expect(restored == a)
    }

    @Test func uniformAndNormalHaveTheRightMoments() {
        var generator = RandomGenerator(seed: 7)
        let uniform = Tensor.uniform([100_000], low: -1, high: 3, generator: &generator)
        #expect(abs(uniform.mean().item - 1) < 0.02)
        #expect(uniform.min() >= -1 && uniform.max() < 3)
        let normal = Tensor.normal([100_000], mean: 2, standardDeviation: 0.5, generator: &generator)
        #expect(abs(normal.mean().item - 2) < 0.01)
        #expect(abs(normal.variance().item.squareRoot() - 0.5) < 0.01)
    }

    @Test func dropoutIsSeededAndScaled() {
        let x = Tensor.ones([10_000])
        var first = RandomGenerator(seed: 1), second = RandomGenerator(seed: 1)
        let a = x.dropout(probability: 0.25, generator: &first), b = x.dropout(probability: 0.25, generator: &second)
        #expect(a.scalars == b.scalars)
        let kept = a.scalars.filter { $0 != 0 }
        #expect(Set(kept) == [Float(1) / 0.75])
        #expect(abs(Float(kept.count) / 10_000 - 0.75) < 0.02)
    }
}

@Suite struct AllocatorTests {
    @Test func sizeClassesBoundTheSlack() {
        for bytes in [1, 255, 256, 257, 1000, 4096, 5000, 1 << 20, (1 << 20) + 1, 123_456_789] {
            let size = BufferAllocator.sizeClass(bytes)
            #expect(size >= bytes)
            #expect(Double(size) <= max(256, Double(bytes) * 1.125 + 64))
        }
    }

    @Test func freedBuffersAreReused() {
        let first = TensorStorage(count: 12_345)
        let address = first.pointer
        _ = consume first
        let second = TensorStorage(count: 12_345)
        #expect(second.pointer == address)
    }
}
