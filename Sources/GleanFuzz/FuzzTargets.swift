import Foundation
import Glean
import GleanConfig

/// The readers of user-supplied bytes (and the settings-file parser), each as a fuzz target:
/// the bytes become a file (in /dev/shm when it exists), the reader runs, and any thrown error
/// is a correct answer —
/// only a crash, a hang or unbounded memory is a finding. `glean-fuzz` drives these under
/// libFuzzer; the test suite replays the committed corpora and every crash input found.
public enum FuzzTargets {
    /// Target names in the order the fuzz script runs them.
    public static let names = ["idx", "idx-split", "png", "jpeg", "cifar", "stl10", "csv", "safetensors", "resume", "yaml", "metadata"]

    /// Runs target `name` on `bytes`; false when no target has that name.
    @discardableResult
    public static func run(_ name: String, _ bytes: [UInt8]) -> Bool {
        guard let target = targets[name] else { return false }
        let path = scratchFolder + "/\(name)-\(getpid())"
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { return true }
        defer { unlink(path) }
        target(path, bytes)
        return true
    }

    /// Small valid inputs for the targets whose formats Glean writes or builds (the image
    /// targets take the test suite's PNG and JPEG fixtures), for the committed seed corpora.
    public static func seeds() throws -> [String: [[UInt8]]] {
        let images = CraftedInputs.idx(dims: [2, 3, 3], payload: (0..<18).map { UInt8($0 * 14) })
        let labels = CraftedInputs.idx(dims: [2], payload: [1, 7])
        let model = resumeModel()
        let folder = scratchFolder + "/seeds-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try SafeTensors.write(model.stateDict(), metadata: ["model": "example"], to: folder + "/model.safetensors")
        let trainer = Trainer(task: SupervisedClassification(model: model), optimizer: SGD(model.trainableParameters, learningRate: 0.1, momentum: 0.9),
                              callbacks: [ResumeCheckpoint(path: folder + "/resume.safetensors", config: "epochs: 1")],
                              weightAverage: ExponentialMovingAverage(model: model, decay: 0.9))
        let data = ImageDataset(pixels: [0, 0, 255, 255], labels: [0, 0, 1, 1], channels: 1, height: 1, width: 1, classCount: 2)
        try trainer.fit(train: DataLoader(dataset: data, batchSize: 2, sampler: SequentialSampler(count: 4), mean: [0.5], std: [0.5], seed: 0),
                        epochs: 1)
        func file(_ name: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: folder + "/" + name) ?? Data()) }
        return [
            "idx": [images],
            "idx-split": [[UInt8(images.count), 0] + images + labels],
            "cifar": [[3] + (0..<3072).map { UInt8(truncatingIfNeeded: $0) }],
            "stl10": [(0..<(3 * 96 * 96)).map { UInt8(truncatingIfNeeded: $0 / 7) }],
            "csv": [Array("size,rooms,price\n52.5,2,180000\n\"71\",3,245000\n".utf8)],
            "safetensors": [file("model.safetensors")],
            "resume": [file("resume.safetensors")],
            "metadata": [Array(#"{"model":"resnet18","classes":"10","input_channels":"1","image_size":"28","mean":"0.286","std":"0.353","width":"32","kind":"classifier","head":"mlp-256-0.4","class_names":"[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\"]"}"#.utf8)],
            "yaml": [Array("dataset: \"fashion-mnist\"\nepochs: 12  # comment\nlearning-rate: 0.05\naugment: 'flip-crop'\nclasses: [0, 1]\n".utf8)],
        ]
    }

    /// The model the resume target restores into (1x1 gray images, two classes).
    private static func resumeModel() -> Module {
        var generator = RandomGenerator(seed: 0)
        return Sequential([Lambda.flatten(), Linear(1, 2, generator: &generator), Dropout(probability: 0.5, generator: &generator)])
    }

    private static let scratchFolder: String = {
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: "/dev/shm", isDirectory: &isFolder) && isFolder.boolValue ? "/dev/shm" : NSTemporaryDirectory()
    }()

    /// Each target gets the file's path and its bytes.
    private static let targets: [String: (String, [UInt8]) -> Void] = [
        "idx": { path, _ in _ = try? IDXReader.readIDX(path, expectedDimensions: 3) },
        "idx-split": { path, bytes in
            // An images file and a labels file of one split: the first two bytes (little-endian)
            // say how many of the rest are the images file, so that the pair checks run.
            let folder = path + ".d"
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let rest = bytes.dropFirst(2)
            let cut = rest.startIndex + min(bytes.count >= 2 ? Int(bytes[0]) | Int(bytes[1]) << 8 : 0, rest.count)
            _ = FileManager.default.createFile(atPath: folder + "/train-images-idx3-ubyte", contents: Data(rest[..<cut]))
            _ = FileManager.default.createFile(atPath: folder + "/train-labels-idx1-ubyte", contents: Data(rest[cut...]))
            _ = try? IDXReader.loadSplit(directory: folder, split: "train", classNames: IDXReader.fashionMNISTClassNames)
        },
        "png": { path, bytes in _ = try? ImageDecoder.decode(bytes, path: path) },
        "jpeg": { path, bytes in _ = try? ImageDecoder.decode(bytes, path: path) },
        "cifar": { path, _ in _ = try? BinaryImageReader.cifar(files: [path], variant: .cifar10) },
        "stl10": { path, _ in _ = try? BinaryImageReader.unlabeledSTL10(images: path) },
        "csv": { path, _ in _ = try? CSVTable.load(path: path) },
        "safetensors": { path, _ in _ = try? SafeTensors.read(path) },
        "metadata": { path, bytes in
            // Checkpoint metadata as a JSON object of strings, as safetensors files carry it.
            guard let metadata = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: String] else { return }
            _ = try? CheckpointInfo(metadata: metadata, path: path)
        },
        "yaml": { path, bytes in _ = try? FlatYAML.mapping(String(decoding: bytes, as: UTF8.self), source: path) },
        "resume": { path, _ in
            let model = resumeModel()
            let task = SupervisedClassification(model: model)
            _ = try? ResumeState.restore(from: path, task: task, optimizer: SGD(model.trainableParameters, learningRate: 0.1, momentum: 0.9),
                                         weightAverage: ExponentialMovingAverage(model: model, decay: 0.9))
        },
    ]
}
