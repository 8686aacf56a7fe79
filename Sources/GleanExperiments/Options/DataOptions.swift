import Foundation
import GleanConfig
import Glean

/// Datasets the command line reads.
public enum DatasetChoice: String, OptionChoice {
    /// Fashion-MNIST IDX files (Debian's package by default).
    case fashionMNIST = "fashion-mnist"
    /// MNIST IDX files (classes "0"–"9").
    case mnist
    /// Any MNIST-style IDX set; class names from `classes.txt` (one per line) in the folder, else numbers.
    case idx
    case cifar10, imagefolder
}

/// How labeled training batches are drawn.
public enum SamplerChoice: String, OptionChoice {
    /// Every labeled image once per epoch, shuffled.
    case random
    /// PyTorch's WeightedRandomSampler with weight 1/count per class: classes come up equally
    /// often (drawn with replacement, as many draws per epoch as labeled images).
    case balanced
}

/// The images of an experiment, split once from the seed: labeled training images, the
/// labeled validation images that select epochs and checkpoints, the unlabeled pool (every
/// training image not held out for validation; labels hidden from the methods — or the images
/// of `--unlabeled-dir`) and the test split, which only the final report touches.
public struct ExperimentData {
    public let labeled: ImageDataset
    public let validation: ImageDataset?
    public let unlabeled: ImageDataset
    /// Whether `unlabeled` carries true labels (hidden from the methods, used only to report
    /// how right pseudo-labels are); false for the images of `--unlabeled-dir`.
    public var unlabeledLabelsKnown = true
    public let test: ImageDataset
    /// The full training split the others came from.
    public let trainingPool: ImageDataset
    /// Per-channel statistics of the training pool, for normalisation.
    public let mean: [Float], std: [Float]

    public init(labeled: ImageDataset, validation: ImageDataset?, unlabeled: ImageDataset, unlabeledLabelsKnown: Bool = true,
                test: ImageDataset, trainingPool: ImageDataset, mean: [Float], std: [Float]) {
        (self.labeled, self.validation, self.unlabeled, self.unlabeledLabelsKnown) = (labeled, validation, unlabeled, unlabeledLabelsKnown)
        (self.test, self.trainingPool, self.mean, self.std) = (test, trainingPool, mean, std)
    }

    /// Labels a run used: labeled plus validation images.
    public var labelsUsed: Int { labeled.count + (validation?.count ?? 0) }

    /// The same images, normalised as the checkpoint `info` expects.
    public func renormalized(_ info: CheckpointInfo) -> ExperimentData {
        ExperimentData(labeled: labeled, validation: validation, unlabeled: unlabeled, unlabeledLabelsKnown: unlabeledLabelsKnown, test: test,
                       trainingPool: trainingPool, mean: info.mean, std: info.std)
    }
}

/// A dataset's training and test images, and its own validation images where it has them.
public struct DatasetSplits {
    public var train: ImageDataset
    public var test: ImageDataset
    public var validation: ImageDataset? = nil

    public init(train: ImageDataset, test: ImageDataset, validation: ImageDataset? = nil) {
        self.train = train
        self.test = test
        self.validation = validation
    }
}

/// Options shared by every command that reads a dataset.
public struct DataOptions: Equatable {
    public var dataset = DatasetChoice.fashionMNIST
    public var dataDir = ""
    public var imageSize = 0
    public var testSplit: Float = 0.2
    public var labelsPerClass = 0
    public var validationPerClass = 5
    public var validationSplit: Float = 0.1
    public var sampler = SamplerChoice.random
    public var augmentation = AugmentationOptions()
    public var classes = ""
    public var subsampleClasses = ""
    public var unlabeledDir = ""
    public var testDir = ""
    public var subsampleFraction: Float = 0.1

    public init() {}

    public static let options: [OptionSpec<DataOptions>] = [
        .value("dataset", \.dataset, "Dataset to read."),
        .value("data-dir", \.dataDir, "Data folder: Fashion-MNIST IDX files (empty: $GLEAN_FASHION_MNIST or Debian's dataset-fashion-mnist), MNIST or other IDX files (train-*/t10k-*; idx: names from classes.txt), CIFAR-10 .bin files, or an ImageFolder root (one sub-folder per class, or train/, val/ and test/ with one each)."),
        .value("image-size", \.imageSize, "Resize every image to this square size, bilinear (0 = keep; ImageFolder images must then be square and equal); e.g. evaluate an encoder pretrained on smaller --view-size crops at another size."),
        .value("test-split", \.testSplit, "ImageFolder: fraction of the images held out as the test split (seeded)."),
        .value("labels-per-class", \.labelsPerClass, "Labeled training images per class (0 = every training image)."),
        .value("validation-per-class", \.validationPerClass, "With --labels-per-class: labeled validation images per class, drawn from the other training images and counted in the labels used (0 = no validation)."),
        .value("validation-split", \.validationSplit, "Without --labels-per-class: fraction of the training images held out for validation (0 = none)."),
        .value("sampler", \.sampler, "How labeled batches are drawn: random, or balanced (weight 1/count per class, for imbalanced data)."),
        .value("classes", \.classes, "Use only these classes, e.g. '0-4' or '5,7,9' (relabelled 0, 1, … in that order; empty: all)."),
        .value("unlabeled-dir", \.unlabeledDir, "Folder of unlabeled images (PNG/JPEG, all in it or all in sub-folders, whose names are ignored; resized to the training images' size): glean semi learns from them instead of the other training images, glean pretrain adds them."),
        .value("test-dir", \.testDir, "Folder of test images in class sub-folders named as the training classes (PNG/JPEG, resized to the training images' size): the test split, read once for the final report; an ImageFolder data folder then trains on all its images (no test split is cut from it), so few labels all go to training."),
        .value("subsample-classes", \.subsampleClasses, "Classes whose training images are cut to the fraction below, e.g. '0-4' (seeded; to study class imbalance; the test split is untouched)."),
        .value("subsample-fraction", \.subsampleFraction, "Fraction of the training images kept in each of those classes."),
    ] + AugmentationOptions.options.lifted(\.augmentation)

    /// The class numbers `classes` lists (nil: all), or why it cannot be read.
    public func selectedClasses(source: String) throws -> [Int]? { try Self.classList(classes, key: "classes", source: source) }

    /// The class numbers of a list like `0-4` or `5,7,9` in option `key` (nil when empty).
    public static func classList(_ text: String, key: String, source: String) throws -> [Int]? {
        guard !text.isEmpty else { return nil }
        var selected: [Int] = []
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard (1...2).contains(bounds.count), let low = bounds.first!, let high = bounds.last!, 0 <= low, low <= high, high < 100_000 else {
                throw SettingError(source: source, key: key, reason: "must list class numbers like '0-4' or '5,7,9', got '\(text)'")
            }
            selected += Array(low...high)
        }
        guard Set(selected).count == selected.count else {
            throw SettingError(source: source, key: key, reason: "lists a class twice: '\(text)'")
        }
        return selected
    }

    /// Range checks; `batchMixing` says whether the command can apply MixUp or CutMix.
    public func validate(source: String, batchMixing: Bool = false) throws {
        try check(imageSize >= 0 && imageSize <= ModelZoo.maximumImageSize, source, "image-size",
                  "must be in 0...\(ModelZoo.maximumImageSize), got \(imageSize)")
        try check(testSplit > 0 && testSplit < 1, source, "test-split", "must be in (0, 1), got \(testSplit)")
        try check(labelsPerClass >= 0, source, "labels-per-class", "must be >= 0, got \(labelsPerClass)")
        try check(validationPerClass >= 0, source, "validation-per-class", "must be >= 0, got \(validationPerClass)")
        try check(validationSplit >= 0 && validationSplit < 1, source, "validation-split", "must be in [0, 1), got \(validationSplit)")
        try check(dataset == .fashionMNIST || !dataDir.isEmpty, source, "data-dir", "is required for dataset \(dataset.rawValue)")
        _ = try selectedClasses(source: source)
        _ = try Self.classList(subsampleClasses, key: "subsample-classes", source: source)
        try check(subsampleFraction > 0 && subsampleFraction <= 1, source, "subsample-fraction", "must be in (0, 1], got \(subsampleFraction)")
        try augmentation.validate(source: source)
        try check(batchMixing || !augmentation.mixesBatches, source, "augment", "mixup and cutmix apply to glean train and glean semi")
    }

    /// The per-image training augmentation for images like `images`.
    public func transform(for images: ImageDataset) -> Transform? { augmentation.transform(size: images.height, channels: images.channels) }

    /// The data folder actually read.
    public var resolvedDataDir: String { dataset == .fashionMNIST ? IDXReader.fashionMNISTDirectory(dataDir.isEmpty ? nil : dataDir) : dataDir }

    /// Training and test images of the dataset, and validation images where the dataset has its
    /// own (an ImageFolder root with `train/`, `val/` and `test/` folders; otherwise one folder is
    /// split by `testSplit`, seeded).
    public func loadTrainAndTest(seed: UInt64) throws -> DatasetSplits {
        let splits = try readTrainAndTest(seed: seed)
        guard imageSize > 0 else { return DatasetSplits(train: try squareImages(splits.train, folder: resolvedDataDir), test: splits.test,
                                                        validation: splits.validation) }
        guard dataset != .imagefolder else { return splits }
        return DatasetSplits(train: splits.train.resized(height: imageSize, width: imageSize),
                             test: splits.test.resized(height: imageSize, width: imageSize),
                             validation: splits.validation?.resized(height: imageSize, width: imageSize))
    }

    /// The splits as the files hold them (ImageFolder images already at `imageSize`).
    private func readTrainAndTest(seed: UInt64) throws -> DatasetSplits {
        let splits = try readDataset(seed: seed)
        guard !testDir.isEmpty else { return splits }
        return DatasetSplits(train: splits.train, test: try readTestFolder(like: splits.train), validation: splits.validation)
    }

    /// The images of `--test-dir`, labelled by their folders' names among `train`'s classes.
    private func readTestFolder(like train: ImageDataset) throws -> ImageDataset {
        let folder = try ImageFolder.load(root: testDir, channels: train.channels, size: (train.height, train.width))
        let classes = try folder.classNames.map { name -> Int in
            guard let index = train.classNames.firstIndex(of: name) else {
                throw SettingError(source: testDir, key: "test-dir", reason: "has the class folder '\(name)', which the training images do not have "
                                       + "(\(train.classNames.joined(separator: ", ")))")
            }
            return index
        }
        return ImageDataset(pixels: folder.pixels, labels: folder.labels.map { classes[$0] }, channels: train.channels, height: train.height,
                            width: train.width, classCount: train.classCount, classNames: train.classNames, sources: folder.sources)
    }

    /// The dataset's own splits (ImageFolder: `train/`, `val/`, `test/`, or one folder cut by
    /// `testSplit`, or all of it for training when `--test-dir` gives the test images).
    private func readDataset(seed: UInt64) throws -> DatasetSplits {
        switch dataset {
        case .cifar10:
            let trainFiles = (1...5).map { "\(dataDir)/data_batch_\($0).bin" }
            let names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
            return DatasetSplits(train: try BinaryImageReader.cifar(files: trainFiles, variant: .cifar10, classNames: names),
                                 test: try BinaryImageReader.cifar(files: ["\(dataDir)/test_batch.bin"], variant: .cifar10, classNames: names))
        case .imagefolder:
            let size = imageSize > 0 ? (imageSize, imageSize) : nil
            if let layout = ImageFolder.splitFolders(root: dataDir) {
                let train = try squareImages(ImageFolder.load(root: layout.train, size: size), folder: layout.train)
                func read(_ folder: String) throws -> ImageDataset {
                    let split = try ImageFolder.load(root: folder, channels: train.channels, size: size)
                    guard split.classNames == train.classNames else {
                        throw SettingError(source: folder, key: "data-dir", reason: "has classes \(split.classNames), \(layout.train) has \(train.classNames)")
                    }
                    guard split.height == train.height && split.width == train.width else {
                        throw SettingError(source: folder, key: "image-size", reason: "must be set: these images are \(split.height)x\(split.width), the training images \(train.height)x\(train.width)")
                    }
                    return split
                }
                // With --test-dir, that folder is the test split (readTrainAndTest reads it) and val/ stays validation.
                guard testDir.isEmpty else { return DatasetSplits(train: train, test: train.subset([]), validation: try layout.validation.map(read)) }
                // Without test/, val/ is the held-out split to report on and validation is carved from train/.
                guard let test = layout.test else { return DatasetSplits(train: train, test: try read(layout.validation!)) }
                return DatasetSplits(train: train, test: try read(test), validation: try layout.validation.map(read))
            }
            let all = try squareImages(ImageFolder.load(root: dataDir, size: size), folder: dataDir)
            // The test images come from --test-dir (readTrainAndTest puts them in): every image here trains.
            guard testDir.isEmpty else { return DatasetSplits(train: all, test: all.subset([])) }
            var generator = RandomGenerator(seed: seed, stream: "holdout")
            let parts = Splits.ratio(count: all.count, ratios: [Double(1 - testSplit), Double(testSplit)], generator: &generator)
            return DatasetSplits(train: all.subset(parts[0]), test: all.subset(parts[1]))
        case .fashionMNIST:
            let (train, test) = try IDXReader.fashionMNIST(directory: dataDir.isEmpty ? nil : dataDir)
            return DatasetSplits(train: train, test: test)
        case .mnist, .idx:
            let names = dataset == .mnist ? (0...9).map(String.init) : try IDXReader.classNames(directory: dataDir)
            return DatasetSplits(train: try IDXReader.loadSplit(directory: dataDir, split: "train", classNames: names),
                                 test: try IDXReader.loadSplit(directory: dataDir, split: "t10k", classNames: names))
        }
    }

    /// `images`, if they are square: every model of the zoo takes square input, so other shapes
    /// are refused before any model is built, with the way to resize them.
    private func squareImages(_ images: ImageDataset, folder: String) throws -> ImageDataset {
        guard images.height == images.width else {
            let models = ModelZoo.Name.allCases.map(\.rawValue).joined(separator: ", ")
            throw SettingError(source: folder, key: "image-size",
                               reason: "must be set: the images are \(images.height)x\(images.width) (height x width) and the models (\(models)) "
                                   + "take square images; --image-size N resizes every image to N x N")
        }
        return images
    }

    /// Loads the dataset and splits its training images into labeled, validation and unlabeled
    /// parts (seeded by `seed`); see `ExperimentData`. `needsClasses`: whether the command
    /// classifies (then one class only is an error; SimCLR pretraining reads unlabeled folders).
    public func load(seed: UInt64, needsClasses: Bool = true) throws -> ExperimentData {
        let splits = try loadSelectedClasses(seed: seed)
        let pool = splits.train
        let data = try split(pool: pool, test: splits.test, validation: splits.validation, seed: seed, needsClasses: needsClasses)
        guard !unlabeledDir.isEmpty else { return data }
        let folder = try ImageFolder.load(root: unlabeledDir, channels: pool.channels, size: (pool.height, pool.width))
        let unlabeled = ImageDataset(pixels: folder.pixels, labels: [Int](repeating: 0, count: folder.count), channels: pool.channels,
                                     height: pool.height, width: pool.width, classCount: pool.classCount, classNames: pool.classNames,
                                     sources: folder.sources)
        return ExperimentData(labeled: data.labeled, validation: data.validation, unlabeled: unlabeled, unlabeledLabelsKnown: false,
                              test: data.test, trainingPool: data.trainingPool, mean: data.mean, std: data.std)
    }

    /// Training and test images of the classes `--classes` selects (all without it), the
    /// training images of `--subsample-classes` cut to `--subsample-fraction`.
    public func loadSelectedClasses(seed: UInt64) throws -> DatasetSplits {
        let splits = try loadTrainAndTest(seed: seed)
        var pool = splits.train
        if let reduced = try Self.classList(subsampleClasses, key: "subsample-classes", source: "--subsample-classes") {
            if let outside = reduced.first(where: { $0 >= pool.classCount }) {
                throw SettingError(source: resolvedDataDir, key: "subsample-classes", reason: "lists class \(outside); the dataset has classes 0-\(pool.classCount - 1)")
            }
            var generator = RandomGenerator(seed: seed, stream: "subsample")
            var kept: [Int] = []
            for label in 0..<pool.classCount {
                let members = pool.labels.indices.filter { pool.labels[$0] == label }
                let count = reduced.contains(label) ? max(1, Int((Float(members.count) * subsampleFraction).rounded())) : members.count
                kept += members.shuffled(using: &generator).prefix(count)
            }
            pool = pool.subset(kept.sorted())
        }
        guard let selected = try selectedClasses(source: "--classes") else { return DatasetSplits(train: pool, test: splits.test, validation: splits.validation) }
        if let outside = selected.first(where: { $0 >= pool.classCount }) {
            throw SettingError(source: resolvedDataDir, key: "classes", reason: "lists class \(outside); the dataset has classes 0-\(pool.classCount - 1)")
        }
        let counts = pool.classCounts
        if let empty = selected.first(where: { counts[$0] == 0 }) {
            throw SettingError(source: resolvedDataDir, key: "classes", reason: "lists class \(empty) (\(pool.classNames[empty])), which has no training images")
        }
        return DatasetSplits(train: pool.restricted(to: selected), test: splits.test.restricted(to: selected),
                             validation: splits.validation?.restricted(to: selected))
    }

    /// Splits the training images `pool` into labeled, validation and unlabeled parts.
    /// Empty splits are an error, and so is a single class when `needsClasses`.
    /// A dataset's own `validation` images replace the carved ones (`--validation-per-class`
    /// of them per class with `--labels-per-class`, else all).
    public func split(pool: ImageDataset, test: ImageDataset, validation given: ImageDataset? = nil, seed: UInt64,
               needsClasses: Bool = true) throws -> ExperimentData {
        guard pool.count > 0, test.count > 0 else {
            throw SettingError(source: resolvedDataDir, key: "dataset", reason: "has an empty training or test split (\(pool.count) and \(test.count) images)")
        }
        let present = Set(pool.labels)
        guard present.count >= 2 || !needsClasses else {
            let name = present.first.map { pool.classNames.indices.contains($0) ? pool.classNames[$0] : "class \($0)" } ?? ""
            throw SettingError(source: resolvedDataDir, key: "dataset",
                               reason: "has training images of one class only (\(name)); a classifier needs at least two")
        }
        var generator = RandomGenerator(seed: seed, stream: "split")
        let labeledIndices: [Int], validationIndices: [Int]
        if labelsPerClass > 0 {
            let (labeled, rest) = Splits.balanced(labels: pool.labels, perClass: labelsPerClass, classCount: pool.classCount,
                                                  generator: &generator)
            let restLabels = rest.map { pool.labels[$0] }
            let held = Splits.balanced(labels: restLabels, perClass: validationPerClass, classCount: pool.classCount,
                                       generator: &generator).selected
            (labeledIndices, validationIndices) = (labeled, held.map { rest[$0] })
        } else {
            let parts = Splits.ratio(count: pool.count, ratios: [Double(1 - validationSplit), Double(validationSplit)],
                                     generator: &generator)
            (labeledIndices, validationIndices) = (parts[0], parts[1])
        }
        let (mean, std) = pool.channelStatistics()
        if let given {
            let validation = labelsPerClass > 0
                ? given.subset(Splits.balanced(labels: given.labels, perClass: validationPerClass, classCount: given.classCount,
                                               generator: &generator).selected)
                : given
            return ExperimentData(labeled: pool.subset(labelsPerClass > 0 ? labeledIndices : Array(0..<pool.count)),
                                  validation: validation.count == 0 ? nil : validation, unlabeled: pool, test: test,
                                  trainingPool: pool, mean: mean, std: std)
        }
        let heldOut = Set(validationIndices)
        return ExperimentData(labeled: pool.subset(labeledIndices),
                              validation: validationIndices.isEmpty ? nil : pool.subset(validationIndices),
                              unlabeled: pool.subset((0..<pool.count).filter { !heldOut.contains($0) }),
                              test: test, trainingPool: pool, mean: mean, std: std)
    }

    /// How the labeled images were drawn, e.g. "100 per class + 5 per class for validation".
    public func describe(_ data: ExperimentData) -> String {
        let counts = data.trainingPool.classCounts
        let validation = data.validation.map { labelsPerClass > 0 ? " + \(validationPerClass) per class for validation (\($0.count))"
                                                                 : " + \($0.count) held out for validation" } ?? ", no validation"
        guard labelsPerClass > 0 else { return "\(data.labeled.count) labeled images (all but validation)" + validation }
        let (smallest, largest) = (counts.min() ?? 0, counts.max() ?? 0)
        let perClass = labelsPerClass >= largest ? "all: --labels-per-class \(labelsPerClass) is at least the largest class, \(largest) images"
            : labelsPerClass > smallest ? "\(labelsPerClass) per class; smaller classes give all theirs, the smallest \(smallest)"
            : "\(labelsPerClass) per class"
        return "\(data.labeled.count) labeled images (\(perClass))" + validation + "; \(data.labelsUsed) labels used"
    }
}
