import GleanTensor

/// A module that draws random numbers in training (dropout, stochastic depth). Its generator's
/// state is saved in resume files and restored after timing runs, so a resumed run draws the
/// same numbers.
public protocol RandomizedModule: AnyObject {
    var generatorState: RandomGenerator { get set }
}

extension Dropout: RandomizedModule {}

/// How randomized modules draw in data-parallel training. Every process holds the same module
/// streams (they are saved in resume files); with `rank` set, each forward pass takes one number
/// from the module's stream and draws its mask from a generator made of that number and the
/// rank, so that the processes drop different units of their parts of the global batch instead
/// of repeating one pattern, while the streams stay equal on every process.
public enum ProcessDraws {
    /// This process's rank when several train together (set at start); nil: one process.
    nonisolated(unsafe) public static var rank: Int?

    /// `body` drawing from `stream` itself (one process) or from this process's generator of
    /// one forward pass, seeded by one number of `stream` (several processes).
    static func drawing<R>(from stream: inout RandomGenerator, _ body: (inout RandomGenerator) -> R) -> R {
        guard let rank else { return body(&stream) }
        var own = RandomGenerator(seed: stream.next(), stream: "rank \(rank)")
        return body(&own)
    }
}

/// Stochastic depth (Huang et al., 2016) for a residual branch: in training, each example's
/// branch output `[N, ...]` is zeroed with probability `probability` and scaled by
/// 1 / (1 − probability) otherwise; identity in evaluation.
public final class DropPath: Module, RandomizedModule {
    public let probability: Float
    public var generatorState: RandomGenerator

    public init(probability: Float, generator: inout RandomGenerator) {
        require(probability >= 0 && probability < 1, "DropPath: probability \(probability) must be in [0, 1)")
        self.probability = probability
        generatorState = RandomGenerator(seed: generator.next())
    }

    public override func forward(_ input: Tensor) -> Tensor {
        guard isTraining, probability > 0 else { return input }
        let count = input.shape[0], keep = 1 / (1 - probability)
        let mask = ProcessDraws.drawing(from: &generatorState) { generator in
            (0..<count).map { _ in generator.nextUniform() < probability ? 0 : keep }
        }
        var maskShape = [count]
        maskShape += [Int](repeating: 1, count: input.rank - 1)
        return input * Tensor(mask, shape: Shape(maskShape))
    }
}
