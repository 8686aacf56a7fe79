import Foundation
import Glean
import GleanTestSupport
import Testing

/// safetensors checkpoints against PyTorch/torchvision (Fixtures/generate_checkpoints.py).
@Suite struct CheckpointTests {
    static let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.path
    static func json(_ name: String) -> [String: Any] {
        try! JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixtures + "/" + name))) as! [String: Any]
    }
    static func pattern(_ shape: Shape, phase: Double, scale: Double = 1, offset: Double = 0) -> Tensor {
        Tensor((0..<shape.count).map { Float(offset + scale * sin(0.37 * Double($0) + phase)) }, shape: shape)
    }

    @Test func torchSavedFileLoadsAndGivesTheSameLogits() throws {
        let (tensors, _) = try SafeTensors.read(Self.fixtures + "/small_sequential.safetensors")
        var generator = RandomGenerator(seed: 0)
        let model = Sequential([Conv2d(3, 4, kernelSize: 3, generator: &generator), BatchNorm(4), Lambda.relu(),
                                Lambda.flatten(), Linear(4 * 6 * 6, 3, generator: &generator)])
        try model.loadStateDict(tensors)
        #expect((model.layers[1].1 as! BatchNorm).batchesTracked == 1)
        model.eval()
        let logits = withoutGradients { model(Self.pattern([2, 3, 8, 8], phase: 0.5)) }.scalars
        let expected = (Self.json("small_sequential.json")["logits"] as! [NSNumber]).map(\.floatValue)
        #expect(zip(logits, expected).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) })
    }

    /// Glean's state dict has exactly torchvision's names, shapes and dtypes, which is what
    /// `load_state_dict(strict=True)` checks.
    @Test(arguments: [ResNet.Depth.resnet18, .resnet50])
    func stateDictMatchesTorchvision(depth: ResNet.Depth) {
        let manifest = Self.json("torchvision_manifest.json")[depth.rawValue] as! [[Any]]
        var generator = RandomGenerator(seed: 0)
        let model = ResNet(depth, generator: &generator)
        let ours = model.stateDict().map { name, stored -> String in
            let dtype: String
            if case .int64 = stored { dtype = "int64" } else { dtype = "float32" }
            return "\(name) \(stored.shape.dims) \(dtype)"
        }
        let theirs = manifest.map { "\($0[0] as! String) \(($0[1] as! [Int])) \($0[2] as! String)" }
        #expect(Set(ours) == Set(theirs))
        #expect(ours.count == theirs.count)
    }

    /// torchvision's resnet18 filled by a formula (same rule on both sides) gives the same logits.
    @Test func torchvisionResNet18Semantics() throws {
        var generator = RandomGenerator(seed: 0)
        let model = ResNet(.resnet18, classCount: 10, generator: &generator)
        var tensors: [String: StoredTensor] = [:]
        for (k, (name, stored)) in model.stateDict().sorted(by: { $0.0 < $1.0 }).enumerated() {
            let phase = 0.1 * Double(k)
            let isNorm = name.contains(".bn") || name.hasPrefix("bn1") || name.contains("downsample.1")
            let value: Tensor
            if case .int64 = stored {
                tensors[name] = .int64(values: [7], shape: [])
                continue
            } else if name.hasSuffix("running_var") {
                value = Self.pattern(stored.shape, phase: phase, scale: 0.5, offset: 1)
            } else if isNorm {
                value = Self.pattern(stored.shape, phase: phase, scale: 0.1, offset: name.hasSuffix("weight") ? 1 : 0)
            } else {
                value = Self.pattern(stored.shape, phase: phase, scale: 0.05)
            }
            tensors[name] = .float(values: value.scalars, shape: stored.shape)
        }
        try model.loadStateDict(tensors)
        model.eval()
        let logits = withoutGradients { model(Self.pattern([2, 3, 32, 32], phase: 0.3)) }.scalars
        let expected = (Self.json("resnet18_pattern.json")["logits"] as! [NSNumber]).map(\.floatValue)
        #expect(zip(logits, expected).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) }, "\(logits.prefix(4)) vs \(expected.prefix(4))")
    }

    @Test func roundTripAndAtomicWrite() throws {
        let scratch = ScratchDirectory("checkpoint")
        var generator = RandomGenerator(seed: 1)
        let model = ResNet(.resnet18, classCount: 3, inputChannels: 1, cifarStem: true, generator: &generator)
        let path = scratch.path + "/model.safetensors"
        try SafeTensors.write(model.stateDict(), metadata: ["epoch": "4"], to: path)
        let (tensors, metadata) = try SafeTensors.read(path)
        #expect(metadata == ["epoch": "4"])
        let copy = ResNet(.resnet18, classCount: 3, inputChannels: 1, cifarStem: true, generator: &generator)
        try copy.loadStateDict(tensors)
        #expect(copy.parameters.map(\.value.scalars) == model.parameters.map(\.value.scalars))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["model.safetensors"])
    }

    /// A safetensors file whose header is `json` and whose data section has `bodySize` bytes.
    static func safetensors(_ json: String, bodySize: Int) -> [UInt8] {
        let header = [UInt8](json.utf8)
        return (0..<8).map { UInt8(truncatingIfNeeded: header.count >> (8 * $0)) } + header + [UInt8](repeating: 0, count: bodySize)
    }

    /// The reference reader's rules: tensor regions start at 0, neither overlap nor leave gaps,
    /// and end with the file; sizes that overflow are refused.
    @Test func overlappingGappedOrTrailingRegionsAreRejected() throws {
        let scratch = ScratchDirectory("regions")
        let cases: [(name: String, json: String, body: Int, says: String)] = [
            ("aliased", #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, 8, "overlaps"),
            ("overlap", #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, 12, "overlaps"),
            ("gap", #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#, 12, "bytes 4..<8"),
            ("trailing", #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, 9, "bytes 4..<9"),
            ("overflow", #"{"a":{"dtype":"F64","shape":[4611686018427387904,2],"data_offsets":[0,0]}}"#, 0, "do not fit"),
        ]
        for item in cases {
            let path = scratch.write(item.name + ".safetensors", Self.safetensors(item.json, bodySize: item.body))
            #expect { try SafeTensors.read(path) } throws: { "\($0)".contains(path) && "\($0)".contains(item.says) }
        }
        let fine = scratch.write("fine.safetensors", Self.safetensors(
            #"{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"e":{"dtype":"F32","shape":[0],"data_offsets":[8,8]}}"#,
            bodySize: 8))
        #expect(try SafeTensors.read(fine).tensors.count == 3)
    }

    @Test func damagedOrMismatchedCheckpointsAreRejected() throws {
        let scratch = ScratchDirectory("badcheckpoint")
        var generator = RandomGenerator(seed: 1)
        let model = Sequential([Linear(4, 2, generator: &generator)])
        let path = scratch.path + "/good.safetensors"
        try SafeTensors.write(model.stateDict(), to: path)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let truncated = scratch.write("truncated.safetensors", Array(bytes.dropLast(5)))
        #expect { try SafeTensors.read(truncated) } throws: { "\($0)".contains("truncated.safetensors") }
        let garbage = scratch.write("garbage.safetensors", [255, 255, 255, 255, 0, 0, 0, 0, 1, 2])
        #expect(throws: CheckpointError.self) { try SafeTensors.read(garbage) }
        #expect(throws: CheckpointError.self) { try SafeTensors.read(scratch.path + "/missing.safetensors") }
        let other = Sequential([Linear(5, 2, generator: &generator)])
        let before = other.parameters.map(\.value.scalars)
        #expect { try other.loadStateDict(try SafeTensors.read(path).tensors) } throws: { "\($0)".contains("0.weight") }
        #expect(other.parameters.map(\.value.scalars) == before)
        let renamed = Sequential(named: [("head", Linear(4, 2, generator: &generator))])
        #expect { try renamed.loadStateDict(try SafeTensors.read(path).tensors) } throws: { "\($0)".contains("missing") && "\($0)".contains("head.weight") && "\($0)".contains("unexpected 0.bias") }
    }
}
