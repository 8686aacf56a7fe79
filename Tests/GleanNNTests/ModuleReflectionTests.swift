import Glean
import Testing

/// A module's children come from its stored properties: modules and set optionals, in
/// declaration order, named in snake case; other properties are not children.
@Suite struct ModuleReflectionTests {
    final class Block: Module {
        let inputNorm: BatchNorm
        let width = 3
        let projection: Linear?
        let skipped: Linear?
        let dropPath: DropPath

        init(generator: inout RandomGenerator) {
            inputNorm = BatchNorm(2)
            projection = Linear(2, 2, generator: &generator)
            skipped = nil
            dropPath = DropPath(probability: 0.1, generator: &generator)
        }
    }

    final class Outer: Module {
        let block: Block
        let head: Sequential

        init(generator: inout RandomGenerator) {
            block = Block(generator: &generator)
            head = Sequential([Linear(2, 1, generator: &generator)])
        }
    }

    @Test func childrenAreTheStoredModules() {
        var generator = RandomGenerator(seed: 1)
        let outer = Outer(generator: &generator)
        #expect(outer.children.map(\.0) == ["block", "head"])
        #expect(outer.block.children.map(\.0) == ["input_norm", "projection", "drop_path"])
        #expect(outer.namedParameters().map(\.0) == ["block.input_norm.weight", "block.input_norm.bias", "block.projection.weight",
                                                     "block.projection.bias", "head.0.weight", "head.0.bias"])
        outer.eval()
        #expect(outer.namedModules().allSatisfy { !$0.1.isTraining })
    }

    /// torchvision's ResNet-18 names, found without a hand-written list.
    @Test func resNetKeepsTorchvisionNames() {
        var generator = RandomGenerator(seed: 1)
        let names = Set(ResNet(.resnet18, classCount: 10, generator: &generator).namedParameters().map(\.0))
        #expect(names.count == 62)
        #expect(names.isSuperset(of: ["conv1.weight", "bn1.weight", "layer1.0.conv1.weight", "layer2.0.downsample.0.weight",
                                      "layer2.0.downsample.1.bias", "layer4.1.bn2.weight", "fc.weight", "fc.bias"]))
    }
}
