import GleanNN
import GleanTensor

/// A model with one output z read as a binary classifier with a sigmoid, as Keras models with
/// `Dense(1, activation="sigmoid")` are: P(class 1) = σ(z). It returns the two class scores
/// `[0, z]` (`[N, 2]`), whose softmax is `[1 − σ(z), σ(z)]`, so cross-entropy on them is
/// exactly binary cross-entropy with logits on z and every classification tool (accuracy,
/// confusion matrix, predictions) works unchanged. Parameter names are those of the one-output
/// model.
public final class SigmoidBinaryClassifier: Module {
    public let base: Module

    /// - Parameter base: a model whose output is `[N, 1]`.
    public init(_ base: Module) {
        self.base = base
    }

    public override var children: [(String, Module)] { base.children }
    public override var ownParameters: [(String, Parameter)] { base.ownParameters }
    public override var ownBuffers: [(String, Buffer)] { base.ownBuffers }
    public override var ownCounters: [(String, Int64)] { base.ownCounters }
    public override func setCounter(_ name: String, to value: Int64) -> Bool { base.setCounter(name, to: value) }

    /// Scores `[N, 2]` = `[0, z]` for images `[N, C, H, W]`.
    public override func forward(_ input: Tensor) -> Tensor {
        // `base` shares its children with this module; its own mode flag follows this one's.
        if base.isTraining != isTraining { isTraining ? base.train() : base.eval() }
        let logit = base(input)
        require(logit.rank == 2 && logit.shape[1] == 1, "SigmoidBinaryClassifier: the model must output [N, 1], got \(logit.shape)")
        return Tensor.concat([Tensor.zeros([logit.shape[0], 1]), logit], axis: 1)
    }
}
