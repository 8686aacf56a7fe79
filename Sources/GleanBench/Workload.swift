import Foundation
import Glean

/// One named benchmark: a setup that returns the step to time, plus how to count its work.
public struct Workload: Sendable {
    public let name: String
    /// Images processed per step (nil for primitive workloads that report GFLOP/s only).
    public let imagesPerStep: Int?
    /// Builds the state and returns the step closure and the floating-point operations per step;
    /// throws when the workload's data cannot be read.
    let prepare: @Sendable () throws -> (step: () -> Void, flops: Double)

    /// The workloads the issue names, in report order.
    public static let all: [Workload] = [
        convolution("conv_fwd") { $0.forward() },
        convolution("conv_bwd_data") { $0.backwardData() },
        convolution("conv_bwd_weights") { $0.backwardWeights() },
        Workload(name: "seednet_train_b128", imagesPerStep: 128) {
            var generator = RandomGenerator(seed: 0)
            let model = SeedNet(generator: &generator)
            return trainingStep(model, batch: 128, channels: 1, size: 28, generator: &generator)
        },
        Workload(name: "resnet18_train_b128_28px", imagesPerStep: 128) {
            var generator = RandomGenerator(seed: 0)
            let model = ResNet(.resnet18, classCount: 10, inputChannels: 1, cifarStem: true, generator: &generator)
            return trainingStep(model, batch: 128, channels: 1, size: 28, generator: &generator)
        },
        Workload(name: "resnet18_infer_b512_28px", imagesPerStep: 512) {
            var generator = RandomGenerator(seed: 0)
            let model = ResNet(.resnet18, classCount: 10, inputChannels: 1, cifarStem: true, generator: &generator)
            let images = Tensor.normal([512, 1, 28, 28], generator: &generator)
            let flops = FlopCounter.measure { model.inference(images) }.flops
            return ({ _ = model.inference(images).scalars }, flops)
        },
        Workload(name: "simclr_resnet18_step_b256", imagesPerStep: 256) {
            // Two 28 px views of 256 images through ResNet-18 (CIFAR stem) and the projection
            // head in one pass, NT-Xent, backward, Adam.
            var generator = RandomGenerator(seed: 0)
            let encoder = try ModelZoo.makeEncoder("resnet18", inputChannels: 1, imageSize: 28, generator: &generator)
            let network = SimCLRNetwork(encoder: encoder.module, featureCount: encoder.featureCount,
                                        hiddenCount: encoder.featureCount, generator: &generator)
            let task = SimCLR(network: network, temperature: 0.2)
            let optimizer = Adam(network.trainableParameters, learningRate: 1e-3)
            let views = (0..<2).map { _ in Tensor.normal([256, 1, 28, 28], generator: &generator) }
            let batch = StepBatch(unlabeled: Batch(images: views[0], labels: [Int](repeating: 0, count: 256),
                                                   indices: Array(0..<256), views: views))
            let context = StepContext(globalStep: 0, epoch: 0, stepInEpoch: 0, stepsPerEpoch: 1, totalSteps: 1)
            let forwardFlops = withoutGradients { FlopCounter.measure { network(Tensor.concat(views, axis: 0)) }.flops }
            return ({
                optimizer.zeroGrad()
                let loss = task.trainingStep(batch, context: context).loss
                loss.backward()
                optimizer.step()
            }, 3 * forwardFlops)
        },
        Workload(name: "augment_rrc_flip_jitter_96", imagesPerStep: 256) {
            // One thread: RandomResizedCrop(96) + horizontal flip + colour jitter on 96x96 RGB images.
            var generator = RandomGenerator(seed: 0)
            let images = (0..<256).map { _ in
                ImageBuffer(channels: 3, height: 96, width: 96, values: (0..<(3 * 96 * 96)).map { _ in generator.nextUniform() })
            }
            let transform = Compose([RandomResizedCrop(size: 96), RandomHorizontalFlip(),
                                     ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1)])
            var augmentGenerator = RandomGenerator(seed: 1)
            return ({ for image in images { _ = transform.apply(image, generator: &augmentGenerator) } }, 0)
        },
        seedNetEpoch("seednet_20_steps_premade", throughLoader: false),
        seedNetEpoch("seednet_20_steps_loader", throughLoader: true),
    ]

    /// 20 SeedNet training steps on Fashion-MNIST batches, either through the `DataLoader` with
    /// random crop + flip (`throughLoader`) or from batches made beforehand; the ratio of the two
    /// shows whether the loader keeps the trainer fed.
    private static func seedNetEpoch(_ name: String, throughLoader: Bool) -> Workload {
        Workload(name: name, imagesPerStep: 20 * 128) {
            let (train, _) = try IDXReader.fashionMNIST()
            let data = train.subset(Array(0..<(20 * 128)))
            var generator = RandomGenerator(seed: 0)
            let model = SeedNet(generator: &generator)
            model.train()
            let optimizer = SGD(model.trainableParameters, learningRate: 0.01, momentum: 0.9)
            let loader = DataLoader(dataset: data, batchSize: 128, sampler: RandomSampler(count: data.count, seed: 0),
                                    transform: Compose([RandomCrop(size: 28, padding: 2), RandomHorizontalFlip()]),
                                    mean: [0.286], std: [0.353], dropLast: true, seed: 0)
            let premade = Array(loader.batches(epoch: 0))
            var epoch = 0
            let flops = withoutGradients { FlopCounter.measure { model(premade[0].images) }.flops } * 3 * 20
            func trainStep(_ batch: Batch) {
                optimizer.zeroGrad()
                let loss = model(batch.images).crossEntropy(labels: batch.labels)
                loss.backward()
                optimizer.step()
                _ = loss.item
            }
            return ({
                if throughLoader {
                    for batch in loader.batches(epoch: epoch) { trainStep(batch) }
                    epoch += 1
                } else {
                    premade.forEach(trainStep)
                }
            }, flops)
        }
    }

    private static func convolution(_ name: String, _ pass: @escaping @Sendable (ConvolutionProbe) -> Void) -> Workload {
        Workload(name: name, imagesPerStep: nil) {
            let probe = ConvolutionProbe(batch: 128, channels: 64, outChannels: 64, size: 32, kernel: 3, padding: 1,
                                         bf16: MixedPrecision.active == .bf16)
            return ({ pass(probe) }, probe.flops)
        }
    }

    /// One SGD-momentum step (forward, cross-entropy, backward, update) on a fixed random batch.
    /// Work counted as 3x the forward pass (forward, backward-data, backward-weights).
    private static func trainingStep(_ model: Module, batch: Int, channels: Int, size: Int,
                                     generator: inout RandomGenerator) -> (() -> Void, Double) {
        model.train()
        let images = Tensor.normal([batch, channels, size, size], generator: &generator)
        let labels = (0..<batch).map { $0 % 10 }
        let optimizer = SGD(model.trainableParameters, learningRate: 0.01, momentum: 0.9)
        let forwardFlops = withoutGradients { FlopCounter.measure { model(images) }.flops }
        let step = {
            optimizer.zeroGrad()
            let loss = model(images).crossEntropy(labels: labels)
            loss.backward()
            optimizer.step()
            _ = loss.item
        }
        return (step, 3 * forwardFlops)
    }
}
