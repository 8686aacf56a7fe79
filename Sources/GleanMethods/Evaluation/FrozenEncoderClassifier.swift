import GleanNN
import GleanTensor

/// A frozen encoder followed by a trainable head (linear evaluation with augmentation, or the
/// frozen phase of fine-tuning): the encoder always runs in its inference form
/// (`Module.inference(_:)`: eval mode, batch norm folded, no gradients), so only the head
/// learns. Parameters are named `encoder.…` and `head.…`.
public final class FrozenEncoderClassifier: Module {
    public let encoder: Module
    public let head: Module

    public init(encoder: Module, head: Module) {
        self.encoder = encoder
        self.head = head
        for parameter in encoder.parameters { parameter.isTrainable = false }
    }

    /// Class scores `[N, classes]` of images `[N, C, H, W]`.
    public override func forward(_ input: Tensor) -> Tensor {
        head(encoder.inference(input).flattened())
    }
}
