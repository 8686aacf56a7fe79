import GleanTensor

/// A module's inference form (`Module.fusedForInference(inputShape:)`): its eval-mode forward
/// pass replayed as a fixed list of ops, with each batch norm that follows a convolution folded
/// into that convolution's weights and bias, each ReLU after a convolution run inside it, and
/// dropout and stochastic depth gone. Its weights keep the model's names (`layer1.0.conv1.weight`,
/// and `layer1.0.conv1.bias` for a folded bias); the folded batch norms' entries are absent.
///
/// The weights are a copy made when the form was built: after training further, build it again
/// (`Module.inference(_:)` does so by itself). It takes batches of any size, each image of the
/// shape it was built for.
public final class FusedModule: Module {
    let program: InferenceProgram
    private let parameterEntries: [(String, Parameter)]
    private let bufferEntries: [(String, Buffer)]

    init(program: InferenceProgram) {
        var program = program
        var parameters: [(String, Parameter)] = [], buffers: [(String, Buffer)] = []
        for index in program.constants.indices {
            guard let name = program.constants[index].name else { continue }
            if program.constants[index].isBuffer {
                let buffer = Buffer(program.constants[index].tensor)
                buffers.append((name, buffer))
                program.constants[index].tensor = buffer.value
            } else {
                let parameter = Parameter(program.constants[index].tensor, trainable: false)
                parameters.append((name, parameter))
                program.constants[index].tensor = parameter.value
            }
        }
        self.program = program
        parameterEntries = parameters
        bufferEntries = buffers
        super.init()
        eval()
    }

    /// The shape of one input image (`[C, H, W]` for images).
    public var inputShape: [Int] { program.perSampleShape }

    /// Ops the form runs per batch (after folding).
    public var opCount: Int { program.steps.count }

    public override var ownParameters: [(String, Parameter)] { parameterEntries }
    public override var ownBuffers: [(String, Buffer)] { bufferEntries }

    /// Outputs for `[N] + inputShape` input, without gradients.
    public override func forward(_ input: Tensor) -> Tensor { program.run(input) }
}

extension Module {
    /// Batch size of the traced passes (an unusual number, so that a constant whose first
    /// dimension is the batch is recognised).
    static let tracedBatch = 7

    /// The inference form of this module for inputs of `[N] + inputShape`: one eval-mode forward
    /// pass is traced and rewritten (batch norm folded into convolutions, ReLU fused), then checked
    /// against the module itself on a second input.
    ///
    /// Throws `FusionError` when the pass uses an op the form cannot replay, a constant that
    /// depends on the batch size, or when the check differs; the module then runs as it is.
    public func fusedForInference(inputShape: [Int]) throws -> FusedModule {
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw FusionError("input shape \(inputShape) must have positive extents")
        }
        let wasTraining = isTraining
        eval()
        defer { if wasTraining { train() } }
        var generator = RandomGenerator(seed: 0, stream: "inference/trace")
        let shape = Shape([Self.tracedBatch] + inputShape)
        let sample = Tensor.uniform(shape, low: -1, high: 1, generator: &generator)
        let check = Tensor.uniform(shape, low: -1, high: 1, generator: &generator)
        let (trace, output) = withoutGradients { OpTrace.recording { self(sample) } }
        let program = try InferenceProgram(trace: trace, input: sample, output: output,
                                           parameters: namedParameters().map { ($0.0, $0.1.value) },
                                           buffers: namedBuffers().map { ($0.0, $0.1.value) })
        let expected = withoutGradients { self(check) }, actual = program.run(check)
        guard actual.shape == expected.shape else {
            throw FusionError("the fused form gives shape \(actual.shape) where the module gives \(expected.shape)")
        }
        let reference = expected.scalars, replayed = actual.scalars
        let scale = max(1, reference.map(abs).max() ?? 0)
        let tolerance: Float = KernelConfiguration.current.precision == .fp32 ? 1e-3 : 5e-2
        let difference = zip(reference, replayed).map { abs($0 - $1) }.max() ?? 0
        guard difference <= tolerance * scale else {
            throw FusionError("the fused form differs from the module by \(difference) on a check input (tolerance \(tolerance * scale))")
        }
        return FusedModule(program: program)
    }

    /// `self(input)` in eval mode without gradients, through the fused inference form
    /// (`fusedForInference(inputShape:)`), which is built on the first call and again when a
    /// weight or the input's image shape has changed; a module that cannot be fused runs as it
    /// is. The module's training mode is left as it was.
    ///
    /// - Parameter input: `[N] + image shape` (e.g. `[N, C, H, W]`).
    public func inference(_ input: Tensor) -> Tensor {
        let imageShape = Array(input.shape.dims.dropFirst())
        let weights = WeightVersions(self)
        if inferenceCache?.imageShape != imageShape || inferenceCache?.weights != weights {
            inferenceCache = InferenceCache(imageShape: imageShape, weights: weights,
                                            fused: try? fusedForInference(inputShape: imageShape))
        }
        if let fused = inferenceCache?.fused { return fused(input) }
        let wasTraining = isTraining
        eval()
        defer { if wasTraining { train() } }
        return withoutGradients { self(input) }
    }
}

/// The fused form `Module.inference(_:)` built last, with what it was built for.
struct InferenceCache {
    let imageShape: [Int]
    let weights: WeightVersions
    /// Nil when the module could not be fused.
    let fused: FusedModule?
}

/// Which tensors a module's weights are and how often each was written in place: equal values
/// mean the weights have not changed.
struct WeightVersions: Equatable {
    private let entries: [OpTrace.Identity]
    private let versions: [Int]

    init(_ module: Module) {
        let tensors = module.namedParameters().map(\.1.value) + module.namedBuffers().map(\.1.value)
        entries = tensors.map(OpTrace.Identity.init)
        versions = tensors.map(\.version)
    }
}
