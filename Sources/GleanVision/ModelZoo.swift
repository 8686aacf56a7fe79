import GleanNN
import GleanTensor

/// Builds zoo models by name, for the command line and configs.
public enum ModelZoo {
    public enum Name: String, CaseIterable, Sendable {
        case seednet, resnet18, resnet34, resnet50, alexnetMini = "alexnet-mini", googlenet

        /// Whether the model is a ResNet (the models that take a width).
        public var isResNet: Bool { self == .resnet18 || self == .resnet34 || self == .resnet50 }
    }

    /// The classifier on top of a zoo model's features.
    public enum Head: Equatable, Sendable {
        /// One linear layer (the zoo's own head).
        case linear
        /// Linear–ReLU–Dropout–Linear–LogSoftmax (the source documents' transfer head; its
        /// outputs are log-probabilities, which cross-entropy treats exactly like logits).
        case mlp(hidden: Int, dropout: Float)
        /// One output with a sigmoid for two classes (see `SigmoidBinaryClassifier`); any model.
        case sigmoid

        /// `linear`, `sigmoid` or `mlp-<hidden>-<dropout>`, as checkpoint metadata keeps it.
        public var name: String {
            switch self {
            case .linear: return "linear"
            case .sigmoid: return "sigmoid"
            case let .mlp(hidden, dropout): return "mlp-\(hidden)-\(dropout)"
            }
        }

        /// Widest hidden layer an MLP head may have.
        public static let maximumHidden = 65_536

        /// Reads `name` back (nil when it names no head or an MLP wider than `maximumHidden`).
        public init?(name: String) {
            if name == "linear" { self = .linear; return }
            if name == "sigmoid" { self = .sigmoid; return }
            let parts = name.split(separator: "-")
            guard parts.count == 3, parts[0] == "mlp", let hidden = Int(parts[1]), (1...Head.maximumHidden).contains(hidden), let dropout = Float(parts[2]),
                  dropout >= 0, dropout < 1 else { return nil }
            self = .mlp(hidden: hidden, dropout: dropout)
        }

        func make(features: Int, classes: Int, generator: inout RandomGenerator) -> Module {
            switch self {
            case .linear, .sigmoid: return Linear(features, classes, generator: &generator)
            case let .mlp(hidden, dropout):
                return MLP.classifierHead(features, hidden: hidden, classes: classes, dropout: dropout, logSoftmax: true,
                                          generator: &generator)
            }
        }
    }

    /// `make` with the classifier replaced by `head` (ResNets and SeedNet; `sigmoid` fits every
    /// model and needs `classCount` 2).
    public static func make(_ name: String, classCount: Int, inputChannels: Int, imageSize: Int, width: Int = 64, head: Head,
                            stochasticDepth: Float = 0, dropout: Float? = nil, generator: inout RandomGenerator) throws -> Module {
        if head == .sigmoid {
            guard classCount == 2 else {
                throw ModelError.unsupportedInput(model: name, reason: "a sigmoid output classifies 2 classes, the data has \(classCount)")
            }
            return SigmoidBinaryClassifier(try make(name, classCount: 1, inputChannels: inputChannels, imageSize: imageSize, width: width,
                                                    stochasticDepth: stochasticDepth, dropout: dropout, generator: &generator))
        }
        let network = try make(name, classCount: classCount, inputChannels: inputChannels, imageSize: imageSize, width: width,
                               stochasticDepth: stochasticDepth, dropout: dropout, generator: &generator)
        guard head != .linear else { return network }
        switch network {
        case let resnet as ResNet:
            resnet.fc = head.make(features: resnet.featureCount, classes: classCount, generator: &generator)
        case let seednet as SeedNet:
            seednet.replaceHead(head.make(features: 512, classes: classCount, generator: &generator))
        default:
            throw ModelError.unsupportedInput(model: name, reason: "takes only its own linear head; other heads fit seednet and the resnets")
        }
        return network
    }

    /// A zoo model without its classifier: images `[N, C, H, W]` in, features `[N, featureCount]`
    /// out. Parameter names are those of the full model (the classifier's are absent), so an
    /// encoder checkpoint loads into the classifier with only the head missing.
    public struct Encoder {
        public let module: Module
        public let featureCount: Int
        /// Names of the classifier's parameters that the encoder lacks (e.g. `fc.weight`).
        public let headPrefix: String
    }

    /// The encoder of zoo model `name` (ResNets: everything up to the pooled features, `fc`
    /// replaced by identity; SeedNet: everything up to its 512-wide last hidden layer).
    public static func makeEncoder(_ name: String, inputChannels: Int, imageSize: Int, width: Int = 64, dropout: Float? = nil,
                                   generator: inout RandomGenerator) throws -> Encoder {
        let network = try make(name, classCount: 1, inputChannels: inputChannels, imageSize: imageSize, width: width,
                               dropout: dropout, generator: &generator)
        switch network {
        case let resnet as ResNet:
            resnet.fc = Lambda.identity()
            return Encoder(module: resnet, featureCount: resnet.featureCount, headPrefix: "fc.")
        case let seednet as SeedNet:
            seednet.dropHead()
            return Encoder(module: seednet, featureCount: 512, headPrefix: "classifier.6.")
        default:
            throw ModelError.unsupportedInput(model: name, reason: "has no encoder form yet; use seednet or a resnet")
        }
    }

    /// Why a model could not be built.
    public enum ModelError: Error, CustomStringConvertible, Equatable {
        case unknownModel(String)
        case unsupportedInput(model: String, reason: String)

        public var description: String {
            switch self {
            case let .unknownModel(name):
                return "unknown model '\(name)'; known: \(Name.allCases.map(\.rawValue).joined(separator: ", "))"
            case let .unsupportedInput(model, reason):
                return "model \(model): \(reason)"
            }
        }
    }

    /// Largest input side, channel count and class count `make` accepts (beyond them a single
    /// forward pass would need more memory than a workstation has).
    public static let maximumImageSize = 1024, maximumChannels = 64, maximumClasses = 100_000

    /// A model for `classCount` classes on `inputChannels` x `imageSize` x `imageSize` images.
    /// ResNets use the CIFAR stem below 64 px; `width` is their base channel count (64 as in
    /// torchvision; other models accept only 64); `stochasticDepth` is their last block's
    /// drop-path probability (other models have no residual blocks and accept only 0);
    /// `dropout` is the probability of SeedNet's and GoogLeNet's dropout layers (nil: their own,
    /// 0.5 and 0.4; models without dropout layers accept only nil).
    public static func make(_ name: String, classCount: Int, inputChannels: Int, imageSize: Int, width: Int = 64,
                            stochasticDepth: Float = 0, dropout: Float? = nil, generator: inout RandomGenerator) throws -> Module {
        guard let model = Name(rawValue: name) else { throw ModelError.unknownModel(name) }
        if let dropout {
            guard model == .seednet || model == .googlenet else {
                throw ModelError.unsupportedInput(model: name, reason: "has no dropout layers (got dropout \(dropout))"
                                                  + (model.isResNet ? "; use stochastic depth" : ""))
            }
            guard dropout >= 0 && dropout < 1 else {
                throw ModelError.unsupportedInput(model: name, reason: "dropout must be in [0, 1), got \(dropout)")
            }
        }
        guard stochasticDepth == 0 || (model.isResNet && stochasticDepth > 0 && stochasticDepth < 1) else {
            throw ModelError.unsupportedInput(model: name, reason: model.isResNet ? "stochastic depth must be in [0, 1), got \(stochasticDepth)"
                                                  : "has no residual blocks for stochastic depth (got \(stochasticDepth)); use a resnet")
        }
        guard width == 64 || (model.isResNet && (1...512).contains(width)) else {
            throw ModelError.unsupportedInput(model: name, reason: model.isResNet ? "width must be in 1...512, got \(width)"
                                                  : "has a fixed width; only ResNets take a width other than 64 (got \(width))")
        }
        guard classCount > 0, inputChannels > 0, imageSize > 0 else {
            throw ModelError.unsupportedInput(model: name, reason: "classes, channels and image size must be positive")
        }
        guard imageSize <= maximumImageSize, inputChannels <= maximumChannels, classCount <= maximumClasses else {
            throw ModelError.unsupportedInput(
                model: name, reason: "at most \(maximumImageSize) px, \(maximumChannels) channels and \(maximumClasses) classes; "
                    + "got \(imageSize) px, \(inputChannels) channels, \(classCount) classes")
        }
        switch model {
        case .seednet:
            guard SeedNet.imageSizes.contains(imageSize) else {
                throw ModelError.unsupportedInput(model: name, reason: "takes images of \(SeedNet.imageSizes.lowerBound)-\(SeedNet.imageSizes.upperBound) pixels "
                                                  + "(its first dense layer grows with the square of the size), got \(imageSize); use a resnet")
            }
            return SeedNet(classCount: classCount, inputChannels: inputChannels, imageSize: imageSize, dropout: dropout ?? SeedNet.defaultDropout,
                           generator: &generator)
        case .resnet18, .resnet34, .resnet50:
            guard imageSize >= ResNet.minimumImageSize else {
                throw ModelError.unsupportedInput(model: name, reason: "needs images of at least \(ResNet.minimumImageSize)x\(ResNet.minimumImageSize) "
                                                  + "(its last stage would see only padding), got \(imageSize)")
            }
            return ResNet(ResNet.Depth(rawValue: model.rawValue)!, classCount: classCount, inputChannels: inputChannels,
                          cifarStem: imageSize < 64, width: width, stochasticDepth: stochasticDepth, generator: &generator)
        case .alexnetMini:
            guard imageSize >= 67 else {
                throw ModelError.unsupportedInput(model: name, reason: "needs images of at least 67x67, got \(imageSize)")
            }
            return AlexNetMini(imageSize: imageSize, inputChannels: inputChannels, outputs: classCount, generator: &generator)
        case .googlenet:
            guard imageSize >= 32 else {
                throw ModelError.unsupportedInput(model: name, reason: "needs images of at least 32x32, got \(imageSize)")
            }
            return GoogLeNet(classCount: classCount, inputChannels: inputChannels, dropout: dropout ?? GoogLeNet.defaultDropout,
                             generator: &generator)
        }
    }
}
