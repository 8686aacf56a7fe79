import GleanTensor

/// A model's inference pass as a list of tensor ops over numbered values, built from one traced
/// forward pass (`OpTrace`) and rewritten for inference: a batch norm that reads a convolution's
/// output alone is folded into the convolution's weights and bias (`w' = w·γ/√(σ²+ε)`,
/// `b' = (b − μ)·γ/√(σ²+ε) + β`), and a ReLU that reads a convolution's output alone runs inside
/// the convolution primitive. Dropout and stochastic depth are absent from an eval-mode trace.
struct InferenceProgram {
    /// Where an op's input comes from.
    enum Operand {
        /// A value computed earlier (0 is the program's input).
        case value(Int)
        /// A weight (an index into `constants`).
        case constant(Int)
        /// Zeros of shape `[batch] + perSample` (a constant the traced pass made for its batch).
        case batchZeros(perSample: [Int])
    }

    /// One op: what it computes, from which operands, into which value.
    struct Step {
        var kind: OpTrace.Kind
        var operands: [Operand]
        var output: Int
        /// The output's shape without the batch (a reshape's target).
        var outputPerSample: [Int]
        /// The values read here for the last time (released before the op runs, so that an op
        /// may reuse their memory).
        var lastUses: Set<Int> = []
    }

    /// A weight of the program, under the model's name for it where it has one.
    struct Constant {
        var tensor: Tensor
        var name: String?
        var isBuffer: Bool
    }

    var steps: [Step] = []
    var constants: [Constant] = []
    /// The value the program returns.
    var result = 0
    /// Values in all (the input included).
    var valueCount = 1
    /// The shape of one input image (everything but the batch).
    var perSampleShape: [Int]

    /// The program of `trace`, a pass over `input` (batch `input.shape[0]`) that returned `output`;
    /// `names` gives the model's parameter and buffer names by tensor.
    init(trace: OpTrace, input: Tensor, output: Tensor, parameters: [(String, Tensor)], buffers: [(String, Tensor)]) throws {
        perSampleShape = Array(input.shape.dims.dropFirst())
        let batch = input.shape[0]
        var names: [OpTrace.Identity: (String, Bool)] = [:]
        for (name, tensor) in parameters { names[OpTrace.Identity(tensor)] = (name, false) }
        for (name, tensor) in buffers { names[OpTrace.Identity(tensor)] = (name, true) }
        var values: [OpTrace.Identity: Int] = [OpTrace.Identity(input): 0]
        var constantIndex: [OpTrace.Identity: Int] = [:]
        for op in trace.ops {
            if case let .other(name) = op.kind {
                throw FusionError("the op '\(name)' (inputs \(op.inputs.map(\.shape))) cannot be replayed for inference")
            }
            if case .reshape = op.kind, op.inputs[0].shape.dims.first != batch || op.output.shape.dims.first != batch {
                throw FusionError("a reshape from \(op.inputs[0].shape) to \(op.output.shape) mixes the batch with other dimensions")
            }
            let operands = try op.inputs.map { tensor -> Operand in
                let identity = OpTrace.Identity(tensor)
                if let value = values[identity] { return .value(value) }
                if let index = constantIndex[identity] { return .constant(index) }
                let named = names[identity]
                if named == nil, tensor.rank >= 2, tensor.shape[0] == batch {
                    guard tensor.scalars.allSatisfy({ $0 == 0 }) else {
                        throw FusionError("a constant of shape \(tensor.shape) depends on the batch size")
                    }
                    return .batchZeros(perSample: Array(tensor.shape.dims.dropFirst()))
                }
                // A copy: the program keeps the weights of the moment it was built.
                constants.append(Constant(tensor: Tensor(tensor.scalars, shape: tensor.shape), name: named?.0, isBuffer: named?.1 ?? false))
                constantIndex[identity] = constants.count - 1
                return .constant(constants.count - 1)
            }
            values[OpTrace.Identity(op.output)] = valueCount
            steps.append(Step(kind: op.kind, operands: operands, output: valueCount, outputPerSample: Array(op.output.shape.dims.dropFirst())))
            valueCount += 1
        }
        guard let result = values[OpTrace.Identity(output)], result > 0 else {
            throw FusionError("the model's output is not computed by an op it ran (it returned a constant or its input)")
        }
        self.result = result
        foldIntoConvolutions()
        dropUnusedConstants()
        markLastUses()
    }

    /// How many steps read each value (the result counts as one more reader).
    private var readers: [Int: Int] {
        var count: [Int: Int] = [result: 1]
        for step in steps {
            for case let .value(value) in step.operands { count[value, default: 0] += 1 }
        }
        return count
    }

    /// Folds each batch norm (and each ReLU) whose only input is a convolution's output read by
    /// nothing else into that convolution.
    private mutating func foldIntoConvolutions() {
        var index = 0
        while index < steps.count {
            guard case let .convolution(stride, padding, dilation, groups, relu: false) = steps[index].kind,
                  readers[steps[index].output] == 1,
                  let next = steps.indices.first(where: { $0 > index && steps[$0].reads(steps[index].output) }) else {
                index += 1
                continue
            }
            switch steps[next].kind {
            case let .batchNorm(epsilon, relu) where steps[next].operands.count == 5:
                let (weight, bias) = folded(convolution: steps[index], batchNorm: steps[next], epsilon: epsilon)
                steps[index].operands = [steps[index].operands[0], .constant(weight), .constant(bias)]
                steps[index].kind = .convolution(stride: stride, padding: padding, dilation: dilation, groups: groups, relu: relu)
            case .activation(name: "relu", _):
                steps[index].kind = .convolution(stride: stride, padding: padding, dilation: dilation, groups: groups, relu: true)
            default:
                index += 1
                continue
            }
            steps[index].output = steps[next].output
            steps[index].outputPerSample = steps[next].outputPerSample
            steps.remove(at: next)
        }
    }

    /// The constants of one convolution equal to `convolution` followed by `batchNorm` in eval
    /// mode (appended to `constants`, named as the convolution's weight and bias).
    private mutating func folded(convolution: Step, batchNorm: Step, epsilon: Float) -> (weight: Int, bias: Int) {
        func tensor(_ operand: Operand) -> Constant? {
            if case let .constant(index) = operand { return constants[index] }
            return nil
        }
        let weight = tensor(convolution.operands[1])!.tensor
        let gamma = tensor(batchNorm.operands[1])!.tensor.scalars, beta = tensor(batchNorm.operands[2])!.tensor.scalars
        let mean = tensor(batchNorm.operands[3])!.tensor.scalars, variance = tensor(batchNorm.operands[4])!.tensor.scalars
        let channels = weight.shape[0]
        let scale = (0..<channels).map { gamma[$0] / (variance[$0] + epsilon).squareRoot() }
        let original = convolution.operands.count > 2 ? tensor(convolution.operands[2])!.tensor.scalars : [Float](repeating: 0, count: channels)
        let foldedBias = Tensor((0..<channels).map { (original[$0] - mean[$0]) * scale[$0] + beta[$0] })
        let perChannel = weight.count / channels
        let foldedWeight = weight.withUnsafeScalars { source in
            Tensor(shape: weight.shape) { target in
                for channel in 0..<channels {
                    for index in channel * perChannel ..< (channel + 1) * perChannel { target[index] = source[index] * scale[channel] }
                }
            }
        }
        let weightName = tensor(convolution.operands[1])!.name
        let prefix = weightName.map { $0.hasSuffix(".weight") ? String($0.dropLast(".weight".count)) : $0 }
        constants.append(Constant(tensor: foldedWeight, name: weightName, isBuffer: false))
        constants.append(Constant(tensor: foldedBias, name: prefix.map { $0 + ".bias" }, isBuffer: false))
        return (constants.count - 2, constants.count - 1)
    }

    /// Removes the constants no step reads any more (the folded batch norms' and convolutions'
    /// originals).
    private mutating func dropUnusedConstants() {
        var read = Set<Int>()
        for step in steps {
            for case let .constant(index) in step.operands { read.insert(index) }
        }
        let used = read.sorted()
        let newIndex = Dictionary(uniqueKeysWithValues: used.enumerated().map { ($0.element, $0.offset) })
        constants = used.map { constants[$0] }
        for index in steps.indices {
            steps[index].operands = steps[index].operands.map {
                if case let .constant(old) = $0 { return .constant(newIndex[old]!) }
                return $0
            }
        }
    }

    /// Notes where each value is read for the last time.
    private mutating func markLastUses() {
        var seen: Set<Int> = [result]
        for index in steps.indices.reversed() {
            for case let .value(value) in steps[index].operands where !seen.contains(value) {
                steps[index].lastUses.insert(value)
                seen.insert(value)
            }
        }
    }

    /// Runs the program on `input` `[N] + perSampleShape` (no gradients are recorded).
    func run(_ input: Tensor) -> Tensor {
        require(Array(input.shape.dims.dropFirst()) == perSampleShape,
                "fused inference: input shape \(input.shape) differs from the traced [N, \(perSampleShape.map(String.init).joined(separator: ", "))]")
        return withoutGradients {
            var values = [Tensor?](repeating: nil, count: valueCount)
            values[0] = input
            for step in steps {
                var operands: [Tensor] = []
                for operand in step.operands {
                    switch operand {
                    case let .value(value):
                        operands.append(values[value]!)
                        if step.lastUses.contains(value) { values[value] = nil }
                    case let .constant(index): operands.append(constants[index].tensor)
                    case let .batchZeros(perSample): operands.append(.zeros(Shape([input.shape[0]] + perSample)))
                    }
                }
                values[step.output] = Self.apply(step, batch: input.shape[0], &operands)
            }
            return values[result]!
        }
    }

    /// One op of the program on its operands (which it may consume).
    private static func apply(_ step: Step, batch: Int, _ operands: inout [Tensor]) -> Tensor {
        switch step.kind {
        case let .convolution(stride, padding, dilation, groups, relu):
            return operands[0].conv2d(weight: operands[1], bias: operands.count > 2 ? operands[2] : nil, stride: (stride[0], stride[1]),
                                      padding: (padding[0], padding[1]), dilation: (dilation[0], dilation[1]), groups: groups,
                                      fusedReLU: relu)
        case let .batchNorm(epsilon, relu):
            return operands[0].batchNorm(scale: operands[1], shift: operands[2], runningMean: operands[3], runningVariance: operands[4],
                                         training: false, epsilon: epsilon, relu: relu)
        case let .activation(name, alpha):
            switch name {
            case "relu": return operands[0].relu()
            case "leakyRelu": return operands[0].leakyRelu(negativeSlope: alpha)
            case "gelu": return operands[0].gelu()
            case "sigmoid": return operands[0].sigmoid()
            default: return operands[0].tanh()
            }
        case .add:
            return operands[0] + operands[1]
        case .reluOfSum:
            // The left operand's memory takes the result when this was its last reader.
            let right = operands[1]
            let left = operands.removeFirst()
            operands.removeAll()
            return Tensor.reluOfSum(consume left, right)
        case .linear:
            return operands[0].linear(weight: operands[1], bias: operands.count > 2 ? operands[2] : nil)
        case let .pooling(isMax, kernel, stride, padding, countIncludePad):
            return isMax
                ? operands[0].maxPool2d(kernel: (kernel[0], kernel[1]), stride: (stride[0], stride[1]), padding: (padding[0], padding[1]))
                : operands[0].avgPool2d(kernel: (kernel[0], kernel[1]), stride: (stride[0], stride[1]), padding: (padding[0], padding[1]),
                                        countIncludePad: countIncludePad)
        case .reshape:
            return operands[0].reshaped(to: Shape([batch] + step.outputPerSample))
        case let .softmax(axis, log):
            return log ? operands[0].logSoftmax(axis: axis) : operands[0].softmax(axis: axis)
        case let .concat(axis):
            return Tensor.concat(operands, axis: axis)
        case .other:
            preconditionFailure("an unreplayable op is refused when the program is built")
        }
    }
}

extension InferenceProgram.Step {
    /// Whether the step reads `value`.
    func reads(_ value: Int) -> Bool {
        operands.contains { if case let .value(read) = $0 { return read == value } else { return false } }
    }
}

/// Why a module has no fused inference form: the message names the op or value at fault.
public struct FusionError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) { self.description = description }
}
