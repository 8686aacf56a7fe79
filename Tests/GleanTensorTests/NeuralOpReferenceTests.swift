import Testing
@testable import GleanTensor

/// Forward values and gradients against PyTorch (fixtures from `Fixtures/generate_fixtures.py`).
/// Bounds: forward values within 1e-4 · max(1, |expected|); gradients, which sum over many
/// more products in a different order, within 2e-4 · max(1, |expected|).
@Suite struct NeuralOpReferenceTests {
    let forwardTolerance: Float = 1e-4
    let gradientTolerance: Float = 2e-4

    @Test func conv2dStridedGroupedWithBias() {
        let x = pattern([2, 4, 7, 7], phase: 0.1).requiringGrad()
        let w = pattern([6, 2, 3, 3], phase: 0.7).requiringGrad()
        let b = pattern([6], phase: 1.3).requiringGrad()
        let y = x.conv2d(weight: w, bias: b, stride: (2, 2), padding: (1, 1), groups: 2)
        (y * pattern(y.shape, phase: 2.1)).sum().backward()
        expectClose(y, TorchReference.tensor("conv2d", "output"), tolerance: forwardTolerance, "output")
        expectClose(x.grad, TorchReference.tensor("conv2d", "grad_input"), tolerance: gradientTolerance, "grad input")
        expectClose(w.grad, TorchReference.tensor("conv2d", "grad_weight"), tolerance: gradientTolerance, "grad weight")
        expectClose(b.grad, TorchReference.tensor("conv2d", "grad_bias"), tolerance: gradientTolerance, "grad bias")
    }

    @Test func conv2dDilated() {
        let x = pattern([1, 3, 8, 9], phase: 0.4).requiringGrad()
        let w = pattern([5, 3, 3, 2], phase: 0.9).requiringGrad()
        let y = x.conv2d(weight: w, padding: (2, 1), dilation: (2, 2))
        (y * pattern(y.shape, phase: 1.7)).sum().backward()
        expectClose(y, TorchReference.tensor("conv2d_dilated", "output"), tolerance: forwardTolerance, "output")
        expectClose(x.grad, TorchReference.tensor("conv2d_dilated", "grad_input"), tolerance: gradientTolerance, "grad input")
        expectClose(w.grad, TorchReference.tensor("conv2d_dilated", "grad_weight"), tolerance: gradientTolerance, "grad weight")
    }

    @Test func batchNormTrainingAndEval() {
        let x = pattern([4, 3, 5, 5], phase: 0.2).requiringGrad()
        let gamma = (pattern([3], phase: 0.3) * 0.5 + 1).requiringGrad()
        let beta = pattern([3], phase: 0.8).requiringGrad()
        let runningMean = Tensor.zeros([3]), runningVariance = Tensor.ones([3])
        let y = x.batchNorm(scale: gamma, shift: beta, runningMean: runningMean, runningVariance: runningVariance,
                            training: true)
        (y * pattern(y.shape, phase: 0.5)).sum().backward()
        let group = "batchnorm_train"
        expectClose(y, TorchReference.tensor(group, "output"), tolerance: forwardTolerance, "output")
        expectClose(x.grad, TorchReference.tensor(group, "grad_input"), tolerance: gradientTolerance, "grad input")
        expectClose(gamma.grad, TorchReference.tensor(group, "grad_scale"), tolerance: gradientTolerance, "grad scale")
        expectClose(beta.grad, TorchReference.tensor(group, "grad_shift"), tolerance: gradientTolerance, "grad shift")
        expectClose(runningMean, TorchReference.tensor(group, "running_mean"), tolerance: forwardTolerance, "running mean")
        expectClose(runningVariance, TorchReference.tensor(group, "running_var"), tolerance: forwardTolerance, "running var")
        let evalOutput = x.detached().batchNorm(scale: gamma.detached(), shift: beta.detached(), runningMean: runningMean,
                                                runningVariance: runningVariance, training: false)
        expectClose(evalOutput, TorchReference.tensor("batchnorm_eval", "output"), tolerance: forwardTolerance, "eval output")
    }

    @Test func maxPool() {
        let x = pattern([2, 3, 9, 9], phase: 0.6).requiringGrad()
        let y = x.maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1))
        (y * pattern(y.shape, phase: 1.1)).sum().backward()
        expectClose(y, TorchReference.tensor("maxpool", "output"), tolerance: forwardTolerance, "output")
        expectClose(x.grad, TorchReference.tensor("maxpool", "grad_input"), tolerance: gradientTolerance, "grad input")
    }

    @Test func averagePools() {
        let x = pattern([1, 2, 7, 7], phase: 0.15)
        expectClose(x.avgPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)),
                    TorchReference.tensor("pooling_avg", "avg"), tolerance: forwardTolerance, "avg pool")
        expectClose(x.adaptiveAvgPool2d((3, 2)), TorchReference.tensor("pooling_avg", "adaptive"),
                    tolerance: forwardTolerance, "adaptive avg pool")
    }

    @Test func activations() {
        let x = pattern([3, 7], phase: 0.5) * 3
        let group = "activations"
        expectClose(x.gelu(), TorchReference.tensor(group, "gelu"), tolerance: forwardTolerance, "gelu")
        expectClose(x.sigmoid(), TorchReference.tensor(group, "sigmoid"), tolerance: forwardTolerance, "sigmoid")
        expectClose(x.tanh(), TorchReference.tensor(group, "tanh"), tolerance: forwardTolerance, "tanh")
        expectClose(x.leakyRelu(negativeSlope: 0.1), TorchReference.tensor(group, "leaky_relu"), tolerance: forwardTolerance, "leaky relu")
        expectClose(x.softmax(axis: 1), TorchReference.tensor(group, "softmax"), tolerance: forwardTolerance, "softmax")
        expectClose(x.logSoftmax(axis: 1), TorchReference.tensor(group, "log_softmax"), tolerance: forwardTolerance, "log softmax")
    }

    @Test func crossEntropyWeightedAndSmoothed() {
        let logits = pattern([4, 5], phase: 0.2).requiringGrad()
        let weighted = logits.crossEntropy(labels: [1, 0, 4, 2], classWeights: [1, 2, 0.5, 1, 3])
        weighted.backward()
        expectClose(weighted, TorchReference.tensor("cross_entropy_weighted", "loss"), tolerance: forwardTolerance, "weighted loss")
        expectClose(logits.grad, TorchReference.tensor("cross_entropy_weighted", "grad_logits"), tolerance: gradientTolerance, "weighted grad")
        logits.zeroGrad()
        let smoothed = logits.crossEntropy(labels: [1, 0, 4, 2], labelSmoothing: 0.1)
        smoothed.backward()
        expectClose(smoothed, TorchReference.tensor("cross_entropy_smoothed", "loss"), tolerance: forwardTolerance, "smoothed loss")
        expectClose(logits.grad, TorchReference.tensor("cross_entropy_smoothed", "grad_logits"), tolerance: gradientTolerance, "smoothed grad")
    }

    @Test func resnetBasicBlockForwardAndBackward() {
        let x = pattern([2, 4, 8, 8], phase: 0.3).requiringGrad()
        let parameters: [String: Tensor] = [
            "conv1": pattern([8, 4, 3, 3], phase: 0.11) * 0.3,
            "bn1_weight": pattern([8], phase: 0.21) * 0.2 + 1, "bn1_bias": pattern([8], phase: 0.31) * 0.1,
            "conv2": pattern([8, 8, 3, 3], phase: 0.41) * 0.2,
            "bn2_weight": pattern([8], phase: 0.51) * 0.2 + 1, "bn2_bias": pattern([8], phase: 0.61) * 0.1,
            "down_conv": pattern([8, 4, 1, 1], phase: 0.71) * 0.5,
            "down_bn_weight": pattern([8], phase: 0.81) * 0.2 + 1, "down_bn_bias": pattern([8], phase: 0.91) * 0.1,
        ].mapValues { $0.requiringGrad() }
        func bn(_ t: Tensor, _ name: String) -> Tensor {
            t.batchNorm(scale: parameters[name + "_weight"]!, shift: parameters[name + "_bias"]!,
                        runningMean: .zeros([8]), runningVariance: .ones([8]), training: true)
        }
        var out = bn(x.conv2d(weight: parameters["conv1"]!, stride: (2, 2), padding: (1, 1)), "bn1").relu()
        out = bn(out.conv2d(weight: parameters["conv2"]!, padding: (1, 1)), "bn2")
        let shortcut = bn(x.conv2d(weight: parameters["down_conv"]!, stride: (2, 2)), "down_bn")
        let y = (out + shortcut).relu()
        (y * pattern(y.shape, phase: 0.9)).sum().backward()
        expectClose(y, TorchReference.tensor("basic_block", "output"), tolerance: forwardTolerance, "output")
        expectClose(x.grad, TorchReference.tensor("basic_block", "grad_input"), tolerance: gradientTolerance, "grad input")
        for (name, parameter) in parameters {
            expectClose(parameter.grad, TorchReference.tensor("basic_block", "grad_" + name),
                        tolerance: gradientTolerance, "grad \(name)")
        }
    }
}
