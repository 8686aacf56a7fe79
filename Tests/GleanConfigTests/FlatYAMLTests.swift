import GleanConfig
import Testing

/// Settings files: a flat mapping of option names to single values, screened before parsing.
@Suite struct FlatYAMLTests {
    @Test func readsAFlatMappingSortedByKey() throws {
        let pairs = try FlatYAML.mapping("seed: 3\nmethod: \"fixmatch\"\nminutes: 2.5\n", source: "a.yaml")
        #expect(pairs.map(\.key) == ["method", "minutes", "seed"])
        #expect(pairs.map(\.value) == ["fixmatch", "2.5", "3"])
    }

    @Test func refusesWhatIsNotASettingAndNamesTheFile() {
        for (text, says) in [("- a\n- b\n", "mapping"), ("seed: [1, 2]\n", "single value"), ("seed: 1\nseed: 2\n", "set twice"),
                             ("a: &x 1\nb: *x\n", "anchor or alias"), ("seed: {\n", "YAML"),
                             (String(repeating: "[", count: 40) + "\n", "nests deeper")] {
            #expect { try FlatYAML.mapping(text, source: "bad.yaml") } throws: { "\($0)".contains("bad.yaml") && "\($0)".contains(says) }
        }
        #expect { try ConfigScreen.check(String(repeating: "a", count: ConfigScreen.maximumBytes + 1), source: "big.yaml") } throws: {
            "\($0)".contains("big.yaml") && "\($0)".contains("more than the limit")
        }
    }
}
