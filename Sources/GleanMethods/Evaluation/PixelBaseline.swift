import GleanData
import GleanTensor
import Synchronization

extension FeatureSet {
    /// The raw pixels of `images` as features: `[count, channels · height · width]`, each value
    /// its byte scaled to [0, 1] (no normalisation, no model), with the images' labels.
    public static func pixels(of images: ImageDataset) -> FeatureSet {
        let width = images.imageSize
        let features = Tensor(shape: [images.count, width]) { buffer in
            images.pixels.withUnsafeBufferPointer { bytes in
                for index in 0..<(images.count * width) { buffer[index] = Float(bytes[index]) / 255 }
            }
        }
        return FeatureSet(features: features, labels: images.labels, classCount: images.classCount)
    }
}

/// The trivial baseline every label-efficient result is read against: a kNN vote over the raw
/// pixels of the same labeled images (cosine similarity, the rule of `KNNEvaluation`). A method
/// or an encoder that does not beat it has not paid off.
public enum PixelBaseline {
    /// Neighbours that vote (fewer when the bank is smaller), as in the encoder's kNN read-out.
    public static let k = 200

    /// Raw-pixel kNN with `labeled` as the bank, the vote temperature chosen on `validation`
    /// (without it, on `labeled` leaving each image out of its own vote), scored on `test`. Results are kept for
    /// the life of the process, keyed by the three sets, so a driver that runs several methods on
    /// the same split computes it once.
    public static func knn(labeled: ImageDataset, validation: ImageDataset?, test: ImageDataset, k: Int = k) -> KNNResult {
        let key = Key(sets: [labeled, validation, test].map { $0.map(Fingerprint.init) }, k: k)
        if let cached = cache.withLock({ $0[key] }) { return cached }
        let result = KNNEvaluation.evaluate(bank: .pixels(of: labeled), validation: validation.map(FeatureSet.pixels(of:)),
                                            test: .pixels(of: test), k: k, temperature: nil)
        cache.withLock { $0[key] = result }
        return result
    }

    /// The report's lines for a method that reached `top1` on the test images: the baseline's
    /// figure and how it was computed, and whether the method beat it (`method` names it).
    public static func summary(_ baseline: KNNResult, method: String, top1: Double) -> [String] {
        let gain = 100 * (top1 - baseline.top1)
        return ["baseline: raw-pixel kNN on the same \(baseline.bankCount) labeled images: \(KNNResult.percent(baseline.top1)) test top-1 "
                + "(k = \(baseline.k), temperature \(baseline.temperature), \(baseline.choice.rawValue))",
                String(format: "%@ vs raw-pixel kNN: %+.2f points", method, gain)
                + (gain > 0 ? "" : " — it does not beat the pixels themselves on these labels")]
    }

    /// What identifies an image set for the cache: its size, shape, labels and a hash of its bytes.
    struct Fingerprint: Hashable {
        let count: Int, imageSize: Int, labels: [Int], bytes: Int
        init(_ images: ImageDataset) {
            count = images.count
            imageSize = images.imageSize
            labels = images.labels
            var hasher = Hasher()
            hasher.combine(images.pixels)
            bytes = hasher.finalize()
        }
    }

    struct Key: Hashable {
        let sets: [Fingerprint?]
        let k: Int
    }

    private static let cache = Mutex<[Key: KNNResult]>([:])
}
