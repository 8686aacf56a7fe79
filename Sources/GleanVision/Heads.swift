import GleanNN
import GleanTensor

/// Multi-layer perceptrons and classifier heads.
public enum MLP {
    /// `inputs → hidden[0] → ... → outputs` with ReLU and optional dropout after each hidden
    /// layer (e.g. the source documents' 13→50→1 regressor: `MLP.make(13, hidden: [50], outputs: 1)`).
    public static func make(_ inputs: Int, hidden: [Int], outputs: Int, dropout: Float = 0,
                            generator: inout RandomGenerator) -> Sequential {
        var layers: [Module] = []
        var width = inputs
        for size in hidden {
            layers.append(Linear(width, size, generator: &generator))
            layers.append(Lambda.relu())
            if dropout > 0 { layers.append(Dropout(probability: dropout, generator: &generator)) }
            width = size
        }
        layers.append(Linear(width, outputs, generator: &generator))
        return Sequential(layers)
    }

    /// A single linear classifier (for linear evaluation and frozen-backbone transfer).
    public static func linearHead(_ features: Int, classes: Int, generator: inout RandomGenerator) -> Linear {
        Linear(features, classes, generator: &generator)
    }

    /// Linear–ReLU–Dropout–Linear, optionally ending in LogSoftmax (the source documents'
    /// ResNet-50 transfer head: dropout 0.4 and LogSoftmax, trained with `negativeLogLikelihood`).
    public static func classifierHead(_ features: Int, hidden: Int, classes: Int, dropout: Float = 0.4,
                                      logSoftmax: Bool = false, generator: inout RandomGenerator) -> Sequential {
        Sequential([
            Linear(features, hidden, generator: &generator), Lambda.relu(),
            Dropout(probability: dropout, generator: &generator),
            Linear(hidden, classes, generator: &generator),
        ] + (logSoftmax ? [Lambda.logSoftmax(axis: 1)] : []))
    }
}
