// What `glean semi --method fixmatch --model seednet --labels-per-class 10 --validation-per-class 0
// --batch-size 32 --unlabeled-ratio 3 --epochs 5 --steps-per-epoch 100` does, from library calls
// (without its run folder, checkpoints and reports): draw 10 labels per class of Fashion-MNIST,
// train SeedNet with FixMatch on them and the unlabeled rest, test, and compare with raw-pixel kNN
// on the same labels. `swift run -c release fixmatch-example`.
import Glean

let (train, test) = try IDXReader.fashionMNIST()
var split = RandomGenerator(seed: 0, stream: "split")
let (chosen, rest) = Splits.balanced(labels: train.labels, perClass: 10, classCount: 10, generator: &split)
let (labeled, unlabeled) = (train.subset(chosen), train.subset(rest))
let (mean, std): ([Float], [Float]) = ([0.286], [0.353])

var initialise = RandomGenerator(seed: 0, stream: "init")
let model = SeedNet(classCount: 10, generator: &initialise)
let views = FixMatchAugmentation(imageSize: 28)
let (epochs, steps, batch) = (5, 100, 32)
let labeledBatches = FixedLengthEpochs(DataLoader(dataset: labeled, batchSize: batch, sampler: RandomSampler(count: labeled.count, seed: 0),
                                                  transform: views.weak, mean: mean, std: std, seed: 0), stepsPerEpoch: steps)
let unlabeledBatches = FixedLengthEpochs(DataLoader(dataset: unlabeled, batchSize: 3 * batch, sampler: RandomSampler(count: unlabeled.count, seed: 0),
                                                    views: views.views, mean: mean, std: std, dropLast: true, seed: 0), stepsPerEpoch: steps)
let trainer = Trainer(task: FixMatch(model: model, threshold: 0.95, unlabeledWeight: 1, seed: 0),
                      optimizer: SGD(model.trainableParameters, learningRate: 0.03, momentum: 0.9, weightDecay: 5e-4, nesterov: true),
                      schedule: CosineWithWarmup(totalSteps: epochs * steps), callbacks: [ProgressPrinter()],
                      weightAverage: ExponentialMovingAverage(model: model, decay: 0.999))
try trainer.fit(labeled: labeledBatches, unlabeled: unlabeledBatches, epochs: epochs)

let inOrder = DataLoader(dataset: test, batchSize: 500, sampler: SequentialSampler(count: test.count), mean: mean, std: std, seed: 0)
let (metrics, confusion) = try trainer.withEvaluationWeights { try ClassificationValidation.evaluate(model, on: inOrder) }
let pixels = PixelBaseline.knn(labeled: labeled, validation: nil, test: test)
print(confusion.report(classNames: test.classNames))
print(String(format: "FixMatch on %d labels: %.2f%% test top-1; raw-pixel kNN on the same labels: %.2f%%",
             labeled.count, 100 * metrics["accuracy"]!, 100 * pixels.top1))
