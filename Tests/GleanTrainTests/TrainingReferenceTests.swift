import Foundation
import Glean
import Testing

/// Optimizers, schedules and losses against PyTorch (Fixtures/generate_fixtures.py).
@Suite struct TrainingReferenceTests {
    static let fixtures: [String: Any] = {
        let url = Bundle.module.url(forResource: "torch_training_reference", withExtension: "json", subdirectory: "Fixtures")!
        let root = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return root["fixtures"] as! [String: Any]
    }()

    static func values(_ key: String) -> [Float] { (fixtures[key] as! [NSNumber]).map(\.floatValue) }

    static func pattern(_ shape: Shape, phase: Double) -> Tensor {
        Tensor((0..<shape.count).map { Float(sin(0.37 * Double($0) + phase)) }, shape: shape)
    }

    func close(_ a: [Float], _ b: [Float], _ tolerance: Float) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
    }

    /// Five steps on `Σ c·w³/3 + Σ d·w`.
    func run(_ make: ([Parameter]) -> Optimizer) -> [Float] {
        let w = Parameter(Self.pattern([6], phase: 0.4))
        let c = Self.pattern([6], phase: 1.1), d = Self.pattern([6], phase: 2.3)
        let optimizer = make([w])
        for _ in 0..<5 {
            optimizer.zeroGrad()
            ((w.value.pow(3) * c).sum() * (1 / 3) + (w.value * d).sum()).backward()
            optimizer.step()
        }
        return w.value.scalars
    }

    @Test func optimizersFollowPyTorch() {
        let sgd = run { SGD($0, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true) }
        #expect(close(sgd, Self.values("sgd_nesterov"), 1e-5), "SGD: \(sgd)")
        let adam = run { Adam($0, learningRate: 0.05, weightDecay: 0.01) }
        #expect(close(adam, Self.values("adam"), 1e-5), "Adam: \(adam)")
        let adamW = run { AdamW($0, learningRate: 0.05, weightDecay: 0.1) }
        #expect(close(adamW, Self.values("adamw"), 1e-5), "AdamW: \(adamW)")
    }

    @Test func schedulesFollowPyTorch() {
        func rates(_ schedule: LearningRateSchedule) -> [Float] { (0..<12).map { schedule.multiplier(at: $0) } }
        #expect(close(rates(StepDecay(stepSize: 3, gamma: 0.5)), Self.values("step_lr"), 1e-6))
        #expect(close(rates(MultiStepDecay(milestones: [2, 7], gamma: 0.1)), Self.values("multistep_lr"), 1e-6))
        #expect(close(rates(CosineWithWarmup(totalSteps: 12, minimumMultiplier: 0.1)), Self.values("cosine_lr"), 1e-6))
        #expect(close(rates(OneCycle(totalSteps: 12)), Self.values("one_cycle"), 1e-5))
    }

    @Test func reduceOnPlateauFollowsPyTorch() {
        let case_ = Self.fixtures["plateau"] as! [String: [NSNumber]]
        let optimizer = SGD([Parameter(Tensor([0]))], learningRate: 1)
        let plateau = ReduceOnPlateau(mode: .min, factor: 0.5, patience: 2)
        var rates: [Float] = []
        for metric in case_["metrics"]!.map(\.floatValue) {
            plateau.observe(metric, optimizer: optimizer)
            rates.append(optimizer.groups[0].learningRate)
        }
        #expect(rates == case_["rates"]!.map(\.floatValue))
    }

    @Test func lossesFollowPyTorch() {
        let logits = Self.pattern([4, 3], phase: 0.3) * 2
        let targets = Tensor(Self.pattern([4, 3], phase: 1.7).scalars.map { $0 > 0 ? 1 : 0 }, shape: [4, 3])
        let probabilities = Self.pattern([4, 3], phase: 2.2).softmax(axis: 1)
        let cases: [(String, (Tensor) -> Tensor)] = [
            ("bce_logits", { $0.binaryCrossEntropyWithLogits(targets: targets, positiveWeight: 2.5) }),
            ("mse", { $0.meanSquaredError(targets: Self.pattern([4, 3], phase: 0.9)) }),
            ("kl_div", { $0.logSoftmax(axis: 1).klDivergence(targets: probabilities) }),
            ("nll", { $0.logSoftmax(axis: 1).negativeLogLikelihood(labels: [2, 0, 1, 2], classWeights: [1, 0.5, 3]) }),
        ]
        for (name, loss) in cases {
            let reference = Self.fixtures[name] as! [String: Any]
            let x = logits.requiringGrad()
            let value = loss(x)
            value.backward()
            #expect(close([value.item], [(reference["loss"] as! NSNumber).floatValue], 1e-5), "\(name) loss")
            #expect(close(x.grad!.scalars, (reference["grad"] as! [NSNumber]).map(\.floatValue), 1e-5), "\(name) gradient")
        }
    }

    /// LARS by hand: w = [3, 4] (‖w‖ = 5), loss = w·[0.6, 0.8] so ‖g‖ = 1 (no decay):
    /// trust 0.001·5/1, first step moves w by lr·trust·g; an excluded parameter moves by lr·g.
    @Test func larsScalesByTrustRatio() {
        let weight = Parameter(Tensor([3, 4])), bias = Parameter(Tensor([1, 1]))
        let optimizer = LARS(groups: [ParameterGroup([weight, bias], learningRate: 2)], momentum: 0.9,
                             trustCoefficient: 0.001, excluded: [bias])
        (weight.value * Tensor([0.6, 0.8])).sum().backward()
        (bias.value * Tensor([0.6, 0.8])).sum().backward()
        optimizer.step()
        let step: Float = 2 * 0.005
        let expectedWeight: [Float] = [3 - step * 0.6, 4 - step * 0.8]
        let expectedBias: [Float] = [1 - 2 * 0.6, 1 - 2 * 0.8]
        #expect(close(weight.value.scalars, expectedWeight, 1e-6))
        #expect(close(bias.value.scalars, expectedBias, 1e-6))
    }

    @Test func optimizerStateRoundTrips() throws {
        let make = { (parameter: Parameter) in Adam([parameter], learningRate: 0.1) }
        let a = Parameter(Tensor([1, 2, 3])), b = Parameter(Tensor([1, 2, 3]))
        let first = make(a), second = make(b)
        for _ in 0..<2 {
            first.zeroGrad()
            a.value.squared().sum().backward()
            first.step()
        }
        try second.restore(first.state)
        b.assign(a.value)
        for (optimizer, parameter) in [(first, a), (second, b)] {
            optimizer.zeroGrad()
            parameter.value.squared().sum().backward()
            optimizer.step()
        }
        #expect(a.value.scalars == b.value.scalars)
        #expect(throws: OptimizerError.self) { try SGD([a, b], learningRate: 1, momentum: 0.9).restore(first.state) }
    }
}
