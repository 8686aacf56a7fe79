import Foundation
import GleanConfig
import Glean

/// Everything `glean select` can be told.
public struct SelectSettings: CommandSettings {
    public var select = SelectOptions()
    public var run = RunOptions()

    public init() {}

    public static let options: [OptionSpec<SelectSettings>] = SelectOptions.options.lifted(\.select) + RunOptions.options.lifted(\.run)
    public static let sections: [(title: String, firstKey: String)] = [("Selection", "images"), ("Run", "seed")]

    public func validate(source: String) throws { try select.validate(source: source) }
}

/// `glean select`: which images of an unlabeled folder a person should label next
/// (`ActiveSelection`), as a CSV of path, rank, strategy and reason that `glean label` and the
/// training commands read. Images are embedded in batches (never all in memory as pixels) and
/// the embeddings kept under `<runs-dir>/embeddings/`, so that the next round reuses them.
public struct SelectRun {
    public let request: CommandLineRequest<SelectSettings>

    public init(_ request: CommandLineRequest<SelectSettings>) { self.request = request }

    /// The chosen images (paths) in order, and where the CSV is.
    public struct Outcome {
        public let chosen: [String]
        public let csv: String
    }

    /// Images embedded per batch.
    static let batchSize = 256

    @discardableResult
    public func run() throws -> Outcome {
        guard request.resume == nil else { throw ExperimentError("glean select does not resume: run it again (embeddings are cached)") }
        let options = request.settings.select, seed = request.settings.run.seed
        let strategy = options.strategy ?? (options.encoder == "pixels" ? .random : .typiclust)
        let files = try ImageFolder.imageFiles(root: options.images)
        let listedPaths = try excludedPaths(options.exclude)
        let excluded = Set(listedPaths + listedPaths.map { ($0 as NSString).standardizingPath })
        let experiment = try Experiment(settings: request.settings, defaultName: "select", resume: nil)
        let embedder = try Embedder(options)
        experiment.say("glean select: \(files.count) images in \(options.images); \(strategy.rawValue)"
                       + (options.strategy == nil && strategy == .random ? " (auto: on raw pixels TypiClust chose worse sets than random; give --encoder to use it)" : "")
                       + ", budget \(options.budget); "
                       + "embedded by \(embedder.description)" + (listedPaths.isEmpty ? "" : "; \(listedPaths.count) paths excluded"))
        let cache = request.settings.run.runsDir + "/embeddings"
        let (paths, features) = try embedder.embed(files, cacheFolder: cache, say: experiment.say)
        let labeled = Set(paths.indices.filter { excluded.contains(paths[$0]) || excluded.contains((paths[$0] as NSString).standardizingPath) })
        if !listedPaths.isEmpty {
            let listed = listedPaths.count
            guard !labeled.isEmpty else {
                throw ExperimentError("--exclude \(options.exclude): none of its \(listed) paths is an image of \(options.images) (a list of another folder?)")
            }
            if labeled.count < listed {
                experiment.say("warning: \(listed - labeled.count) of the \(listed) paths in \(options.exclude) are not images of \(options.images); ignored")
            }
        }
        let available = paths.count - labeled.count
        guard options.budget <= available else {
            throw ExperimentError("--budget \(options.budget) is more than the \(available) images left to choose in \(options.images)")
        }
        var generator = RandomGenerator(seed: seed, stream: "select")
        let choices: [ActiveSelection.Choice]
        switch strategy {
        case .typiclust: choices = ActiveSelection.typiclust(features, labeled: labeled, budget: options.budget, generator: &generator)
        case .kcenter: choices = ActiveSelection.kCenterGreedy(features, labeled: labeled, budget: options.budget, generator: &generator)
        case .random: choices = ActiveSelection.random(count: paths.count, labeled: labeled, budget: options.budget, generator: &generator)
        case .margin:
            let probabilities = try Classifier(path: options.classifier).probabilities(paths, say: experiment.say)
            choices = ActiveSelection.marginInClusters(features, probabilities: probabilities, labeled: labeled, budget: options.budget,
                                                       generator: &generator)
        }
        let csv = "path,rank,strategy,reason\n" + choices.enumerated().map { rank, choice in
            CSVFields.line([paths[choice.index], String(rank + 1), strategy.rawValue, choice.reason])
        }.joined(separator: "\n") + "\n"
        let target = options.out.isEmpty ? experiment.directory.path + "/selection.csv" : options.out
        try AtomicFile.write(Data(csv.utf8), to: target)
        choices.prefix(5).forEach { experiment.say("  \(paths[$0.index]): \($0.reason)") }
        experiment.say("\(choices.count) images chosen: \(target)")
        return Outcome(chosen: choices.map { paths[$0.index] }, csv: target)
    }

    /// The first column of `csv` (a header row naming `path` is skipped).
    private func excludedPaths(_ csv: String) throws -> [String] {
        guard !csv.isEmpty else { return [] }
        guard let text = try? String(contentsOfFile: csv, encoding: .utf8) else {
            throw ExperimentError("--exclude \(csv): cannot be read as UTF-8 text")
        }
        var paths: [String] = []
        for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            guard let field = CSVFields.split(line)?.first else {
                throw ExperimentError("--exclude \(csv): line \(number + 1) has a quoted field that is not closed")
            }
            if !field.isEmpty && field != "path" { paths.append(field) }
        }
        return paths
    }
}

/// Turns image files into the vectors selection compares: an encoder's features, or the pixels.
struct Embedder {
    let module: Module?
    let channels: Int, size: Int
    let mean: [Float], std: [Float]
    let description: String
    /// What the cache key depends on besides the files.
    let identity: String

    init(_ options: SelectOptions) throws {
        guard options.encoder != "pixels" else {
            (module, channels, size, mean, std) = (nil, 0, options.imageSize, [], [])
            description = "pixels at \(options.imageSize)x\(options.imageSize)"
            identity = "pixels-\(options.imageSize)"
            return
        }
        let (_, metadata) = try SafeTensors.read(options.encoder)
        let info = try CheckpointInfo(metadata: metadata, path: options.encoder)
        let loaded = try EncoderOptions(encoder: options.encoder).load(model: ModelOptions(), channels: info.inputChannels,
                                                                        imageSize: info.imageSize, seed: 0)
        module = loaded.encoder.module
        (channels, size, mean, std) = (info.inputChannels, info.imageSize, info.mean, info.std)
        description = loaded.description
        let attributes = try? FileManager.default.attributesOfItem(atPath: options.encoder)
        identity = "\((options.encoder as NSString).standardizingPath)|\(attributes?[.size] ?? 0)|\(attributes?[.modificationDate] ?? "")"
    }

    /// The kept paths (unreadable files are skipped with a warning) and their features `[N, D]`,
    /// read from the cache when these files were embedded the same way before.
    func embed(_ files: [String], cacheFolder: String, say: (String) -> Void) throws -> ([String], Tensor) {
        var key = identity
        for file in files {
            let attributes = try? FileManager.default.attributesOfItem(atPath: file)
            key += "\n\(file)|\(attributes?[.size] ?? 0)|\(attributes?[.modificationDate] ?? "")"
        }
        let cache = cacheFolder + "/" + String(Self.fnv1a(key), radix: 16)
        if let (tensors, _) = try? SafeTensors.read(cache + ".safetensors"), let features = tensors["features"]?.tensor,
           let list = try? String(contentsOfFile: cache + ".paths", encoding: .utf8) {
            let paths = list.split(separator: "\n").map(String.init)
            if paths.count == features.shape[0] {
                say("embeddings of \(paths.count) images from the cache \(cache).safetensors")
                return (paths, features)
            }
        }
        var kept: [String] = [], chunks: [Tensor] = []
        let start = Date()
        var lastReport = start
        for first in stride(from: 0, to: files.count, by: SelectRun.batchSize) {
            var values: [Float] = [], batch: [String] = []
            for path in files[first..<Swift.min(first + SelectRun.batchSize, files.count)] {
                guard let decoded = try? ImageDecoder.decode(path: path) else {
                    say("warning: \(path) is not a readable PNG or JPEG image; skipped")
                    continue
                }
                // Pixels are compared as RGB, so that gray and colour files of one pile fit together.
                let image = ImageBuffer(decoded: decoded, channels: module == nil ? 3 : channels).resized(height: size, width: size)
                values += module == nil ? image.values : image.normalized(mean: mean, std: std)
                batch.append(path)
            }
            guard !batch.isEmpty else { continue }
            let images = Tensor(values, shape: [batch.count, values.count / batch.count / (size * size), size, size])
            chunks.append(module.map { $0.inference(images).flattened().contiguous() }
                          ?? images.flattened())
            kept += batch
            if Date().timeIntervalSince(lastReport) > 5 || first + SelectRun.batchSize >= files.count {
                lastReport = Date()
                say(String(format: "embedded %d of %d images (%.0f images/s)", kept.count, files.count,
                           Double(kept.count) / Swift.max(Date().timeIntervalSince(start), 1e-3)))
            }
        }
        guard !chunks.isEmpty else { throw ExperimentError("none of the \(files.count) files could be read as an image") }
        let features = chunks.count == 1 ? chunks[0] : Tensor.concat(chunks, axis: 0)
        try FileManager.default.createDirectory(atPath: cacheFolder, withIntermediateDirectories: true)
        try SafeTensors.write([("features", .float(values: features.scalars, shape: features.shape))], to: cache + ".safetensors")
        try AtomicFile.write(Data(kept.joined(separator: "\n").utf8), to: cache + ".paths")
        return (kept, features)
    }

    /// 64-bit FNV-1a of `text`'s UTF-8 bytes.
    static func fnv1a(_ text: String) -> UInt64 {
        text.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}

/// A classifier checkpoint scoring image files (for margin selection).
struct Classifier {
    let module: Module
    let info: CheckpointInfo

    init(path: String) throws {
        let (tensors, metadata) = try SafeTensors.read(path)
        info = try CheckpointInfo(metadata: metadata, path: path)
        try info.requireClassifier(path)
        module = try info.loadModel(from: tensors, path: path)
    }

    /// Softmax over the classes for each file.
    func probabilities(_ paths: [String], say: (String) -> Void) throws -> [[Float]] {
        var rows: [[Float]] = []
        let size = info.imageSize
        for first in stride(from: 0, to: paths.count, by: SelectRun.batchSize) {
            var values: [Float] = []
            let batch = paths[first..<Swift.min(first + SelectRun.batchSize, paths.count)]
            for path in batch {
                values += ImageBuffer(decoded: try ImageDecoder.decode(path: path), channels: info.inputChannels)
                    .resized(height: size, width: size).normalized(mean: info.mean, std: info.std)
            }
            let scores = withoutGradients { module.inference(Tensor(values, shape: [batch.count, info.inputChannels, size, size])).softmax(axis: 1) }
            let classes = scores.shape[1], flat = scores.scalars
            rows += (0..<batch.count).map { Array(flat[($0 * classes)..<(($0 + 1) * classes)]) }
        }
        say("scored \(paths.count) images with the classifier")
        return rows
    }
}
