import Foundation

/// Which convolution algorithm runs on layers that could take Winograd.
public enum ConvolutionAlgorithm: String, Sendable, CaseIterable {
    /// Direct convolution everywhere.
    case direct
    /// Winograd for 3x3 stride-1 layers with at least 16 input and output channels (where it
    /// measured faster here), direct elsewhere.
    case auto
}

/// Where Glean's own convolution kernels replace oneDNN's.
public enum OwnKernelUse: String, Sendable, CaseIterable {
    /// Where they are faster: the AVX2 kernels where oneDNN dispatches below AVX-512 (it has no
    /// Winograd there), the bf16 Winograd wherever bf16 mixed precision runs.
    case whereFaster
    /// Wherever this CPU can run them (AVX2 + FMA), also where oneDNN has AVX-512: for comparing
    /// both paths on one machine.
    case always
    /// Never: oneDNN only.
    case never
}

/// How the engine computes: convolution algorithm, own kernels and arithmetic precision. One
/// value for the whole process (from the environment, replaced by `install`), which a task can
/// override for the code it runs (`with`). `ConvolutionPlan.choose` reads it, once per layer
/// call.
public struct KernelConfiguration: Sendable, Equatable {
    /// Winograd where it pays, or direct convolution only.
    public var algorithm: ConvolutionAlgorithm
    /// Where Glean's own kernels replace oneDNN's.
    public var ownKernels: OwnKernelUse
    /// The arithmetic of convolutions and matrix products: `.fp32` or `.bf16` (`.auto` and
    /// `.bf16` are resolved against this CPU by `MixedPrecision.resolve` when installed).
    public var precision: Precision

    public init(algorithm: ConvolutionAlgorithm = .auto, ownKernels: OwnKernelUse = .whereFaster, precision: Precision = .fp32) {
        self.algorithm = algorithm
        self.ownKernels = ownKernels
        self.precision = precision
    }

    /// The configuration an environment asks for: `GLEAN_CONV_ALGORITHM` (`direct` or `auto`),
    /// `GLEAN_OWN_KERNELS` (`0` never, `1` always, else where faster); fp32.
    public static func fromEnvironment(_ environment: [String: String]) -> KernelConfiguration {
        let ownKernels: OwnKernelUse = switch environment["GLEAN_OWN_KERNELS"] {
        case "0": .never
        case "1": .always
        default: .whereFaster
        }
        return KernelConfiguration(algorithm: environment["GLEAN_CONV_ALGORITHM"].flatMap(ConvolutionAlgorithm.init(rawValue:)) ?? .auto,
                                   ownKernels: ownKernels)
    }

    /// The whole process's configuration: the environment's until `install` replaces it.
    public private(set) nonisolated(unsafe) static var processWide = fromEnvironment(ProcessInfo.processInfo.environment)
    @TaskLocal private static var scoped: KernelConfiguration?

    /// The configuration in force for the current task.
    public static var current: KernelConfiguration { scoped ?? processWide }

    /// Makes `configuration` (its precision resolved against this CPU) the whole process's.
    /// Call it at start, before any task runs with its own configuration.
    public static func install(_ configuration: KernelConfiguration) {
        processWide = configuration.resolved
    }

    /// Runs `body` with `configuration` (its precision resolved against this CPU) for this task.
    public static func with<T>(_ configuration: KernelConfiguration, _ body: () throws -> T) rethrows -> T {
        try $scoped.withValue(configuration.resolved, operation: body)
    }

    /// Runs `body` with the current configuration changed by `change`, for this task.
    public static func with<T>(_ change: (inout KernelConfiguration) -> Void, _ body: () throws -> T) rethrows -> T {
        var configuration = current
        change(&configuration)
        return try with(configuration, body)
    }

    private var resolved: KernelConfiguration {
        var copy = self
        copy.precision = MixedPrecision.resolve(precision).precision
        return copy
    }
}
