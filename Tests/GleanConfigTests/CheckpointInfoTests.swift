import GleanConfig
import Testing

@Suite struct CheckpointInfoTests {
    @Test func metadataRoundTripsAndMissingFieldsAreNamed() throws {
        let info = CheckpointInfo(model: "resnet18", classCount: 3, inputChannels: 1, imageSize: 28,
                                  mean: [0.5], std: [0.25], classNames: ["a", "b", "c"])
        let read = try CheckpointInfo(metadata: info.metadata, path: "x.safetensors")
        #expect(read == info && read.name(of: 2) == "c" && read.name(of: 7) == "7")
        var broken = info.metadata
        broken["mean"] = "0.5,oops"
        #expect { try CheckpointInfo(metadata: broken, path: "x.safetensors") } throws: { "\($0)".contains("mean") }
        broken["mean"] = "0.5,0.5"
        #expect { try CheckpointInfo(metadata: broken, path: "x.safetensors") } throws: { "\($0)".contains("1 finite values") }
        for (key, value, says) in [("mean", "nan", "finite"), ("std", "inf", "finite"), ("std", "0", "std > 0"),
                                   ("class_names", "[\"a\", \"b\"]", "list of 3 strings"), ("class_names", "{oops", "class_names"),
                                   ("classes", "-3", "outside"), ("image_size", "100000", "outside"),
                                   ("head", "mlp-1000000000-0.4", "'head'")] {
            var bad = info.metadata
            bad[key] = value
            #expect { try CheckpointInfo(metadata: bad, path: "x.safetensors") } throws: { "\($0)".contains("x.safetensors") && "\($0)".contains(says) }
        }
        broken.removeValue(forKey: "classes")
        #expect { try CheckpointInfo(metadata: broken, path: "x.safetensors") } throws: { "\($0)".contains("'classes'") }
    }
}
