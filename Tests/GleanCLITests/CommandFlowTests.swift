import Foundation
import GleanTestSupport
import Glean
import GleanExperiments
import Testing
@testable import glean

@Suite struct CommandFlowTests {
    @Test func pretrainThenLinearEvalEvaluateAndKNNEval() throws {
        let data = TinyDataset("flow")
        try SimCLRCommand.parse(data.common + ["--run-name", "pre", "--epochs", "2", "--batch-size", "16", "--width", "4",
                                              "--knn-images", "30", "--validation-split", "0.2"]).run()
        let pretrain = try data.run("pre")
        for file in ["config.yaml", "metrics.csv", "train.log", "report.html", "encoder.safetensors", "projection_head.safetensors",
                     "last.safetensors", "best.safetensors", "resume.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: pretrain + "/" + file), "\(file)")
        }
        let metrics = try CSVHistory.read(pretrain + "/metrics.csv")
        #expect(metrics.count == 2 && metrics.allSatisfy { $0["val_knn_accuracy"] != nil && $0["contrastive_accuracy"] != nil })
        let encoder = pretrain + "/encoder.safetensors"
        #expect(try SafeTensors.read(encoder).tensors.keys.contains("layer4.1.conv2.weight"))

        try LinearEvalCommand.parse(data.common + ["--run-name", "lin", "--encoder", encoder, "--epochs", "3",
                                                   "--labels-per-class", "10", "--validation-per-class", "2"]).run()
        let linear = try data.run("lin")
        let linearMetrics = try CSVHistory.read(linear + "/metrics.csv")
        #expect(linearMetrics.count == 3 && linearMetrics.allSatisfy { $0["val_accuracy"] != nil })
        let report = try String(contentsOfFile: linear + "/report.txt", encoding: .utf8)
        #expect(report.contains("final test accuracy") && report.contains("36 labels used"))
        // The linear-eval classifier is an ordinary zoo checkpoint: glean evaluate rebuilds it.
        try EvaluateCommand.parse([linear + "/best.safetensors", "--data-dir", data.directory]).run()

        try KNNEvalCommand.parse(data.common + ["--run-name", "knn", "--encoder", encoder, "--knn-k", "5"]).run()
        let knnReport = try String(contentsOfFile: try data.run("knn") + "/report.txt", encoding: .utf8)
        #expect(knnReport.contains("kNN test accuracy") && knnReport.contains("k = 5") && knnReport.contains("chosen on the validation images"))
        try KNNEvalCommand.parse(data.common + ["--run-name", "knn-fixed", "--encoder", encoder, "--knn-temperature", "0.07"]).run()
        #expect(try String(contentsOfFile: try data.run("knn-fixed") + "/report.txt", encoding: .utf8).contains("temperature 0.07 (fixed)"))
        try KNNEvalCommand.parse(data.common + ["--run-name", "knn-random", "--encoder", "random", "--width", "4"]).run()
        // A ResNet encoder reads images of another size (--image-size); a SeedNet checkpoint, whose
        // classifier is sized for its images, is refused with both sizes named.
        try KNNEvalCommand.parse(data.common + ["--run-name", "knn-20px", "--encoder", encoder, "--image-size", "20"]).run()
        #expect(try String(contentsOfFile: try data.run("knn-20px") + "/report.txt", encoding: .utf8).contains("kNN test accuracy"))
        try TrainCommand.parse(data.common + ["--run-name", "seednet", "--model", "seednet", "--epochs", "1"]).run()
        let seedNet = try data.run("seednet") + "/last.safetensors"
        #expect { try KNNEvalCommand.parse(data.common + ["--encoder", seedNet, "--image-size", "20"]).run() } throws: {
            "\($0)".contains(seedNet) && "\($0)".contains("1x28x28") && "\($0)".contains("1x20x20")
        }

        // --init starts a classifier's backbone from the encoder (its head stays fresh); a
        // different width is refused by name.
        var start = ModelOptions()
        start.model = .resnet18
        start.widthOption = 4
        start.initialWeights = encoder
        let started = Dictionary(uniqueKeysWithValues: try start.make(classCount: 3, channels: 1, imageSize: 28, seed: 5).stateDict())
        let stored = try SafeTensors.read(encoder).tensors
        #expect(started["conv1.weight"] == stored["conv1.weight"] && started["layer4.1.bn2.running_var"] == stored["layer4.1.bn2.running_var"])
        #expect(started["fc.weight"] != nil)
        start.widthOption = 8
        #expect { try start.make(classCount: 3, channels: 1, imageSize: 28, seed: 5) } throws: {
            "\($0)".contains(encoder) && "\($0)".contains("width 4")
        }
        try TrainCommand.parse(data.common + ["--run-name", "init", "--model", "resnet18", "--width", "4", "--init", encoder, "--epochs", "1"]).run()
        #expect(try String(contentsOfFile: try data.run("init") + "/train.log", encoding: .utf8).contains("backbone from " + encoder))

        // Mistakes get messages naming the file.
        #expect { try EvaluateCommand.parse([encoder, "--data-dir", data.directory]).run() } throws: {
            "\($0)".contains(encoder) && "\($0)".contains("encoder")
        }
        #expect { try LinearEvalCommand.parse(data.common + ["--encoder", pretrain + "/projection_head.safetensors"]).run() } throws: {
            "\($0)".contains("projection_head.safetensors")
        }
        #expect { try LinearEvalCommand.parse(data.common).run() } throws: { "\($0)".contains("'encoder' is required") }
        #expect { try TrainCommand.parse(["--resume", pretrain, "--epochs", "9"]).run() } throws: { "\($0)".contains("is not an option") }
        #expect { try SimCLRCommand.parse(["--resume", pretrain, "--epochs", "9"]).run() } throws: { "\($0)".contains("epochs: 2 -> 9") }
    }

    /// `evaluate --folder` and `predict --folder` take any folder of images and use all of it:
    /// class sub-folders named as the checkpoint's classes give the labels.
    @Test func evaluateAndPredictTakeAnyFolder() throws {
        let data = TinyDataset("folders")
        try TrainCommand.parse(data.common + ["--run-name", "m", "--epochs", "1", "--batch-size", "16"]).run()
        let checkpoint = try data.run("m") + "/best.safetensors"
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("GleanDataTests/Fixtures/images").path
        let folder = data.directory + "/photos"
        for (index, (className, file)) in [("Trouser", "gray.png"), ("Trouser", "rgb.jpg"), ("Pullover", "rgb.png")].enumerated() {
            try FileManager.default.createDirectory(atPath: folder + "/" + className, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: fixtures + "/" + file, toPath: folder + "/\(className)/\(index)-\(file)")
        }
        let csv = data.directory + "/confusion.csv"
        try EvaluateCommand.parse([checkpoint, "--folder", folder, "--confusion-csv", csv]).run()
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").dropFirst()
        let counts = rows.map { $0.split(separator: ",").dropFirst().compactMap { Int($0) } }
        #expect(counts.count == 10 && counts[1].reduce(0, +) == 2 && counts[2].reduce(0, +) == 1 && counts[0].reduce(0, +) == 0)
        try PredictCommand.parse([checkpoint, "--folder", folder]).run()
        try FileManager.default.createDirectory(atPath: folder + "/Cat", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixtures + "/rgb.png", toPath: folder + "/Cat/c.png")
        #expect { try EvaluateCommand.parse([checkpoint, "--folder", folder]).run() } throws: { "\($0)".contains("'Cat'") }
        #expect { try EvaluateCommand.parse([checkpoint, "--folder", data.directory + "/nowhere"]).run() } throws: { "\($0)".contains("nowhere") }
    }

    @Test func trainThenFinetuneOtherClassesAndDistill() throws {
        let data = TinyDataset("transfer")
        try TrainCommand.parse(data.common + ["--run-name", "source", "--model", "resnet18", "--width", "4", "--epochs", "2",
                                              "--batch-size", "16", "--classes", "0-1"]).run()
        let source = try data.run("source") + "/best.safetensors"
        try FinetuneCommand.parse(data.common + ["--run-name", "ft", "--encoder", source, "--classes", "1,2", "--labels-per-class", "6",
                                                 "--validation-per-class", "2", "--epochs", "3", "--head", "mlp", "--head-hidden", "8",
                                                 "--freeze-prefix", "conv1,bn1", "--backbone-lr-scale", "0.01"]).run()
        let finetuned = try data.run("ft")
        let log = try String(contentsOfFile: finetuned + "/train.log", encoding: .utf8)
        #expect(log.contains("3 tensors frozen for good") && log.contains("mlp-8-0.4 head") && log.contains("16 labels used"))
        let checkpoint = try SafeTensors.read(finetuned + "/best.safetensors")
        #expect(checkpoint.metadata["head"] == "mlp-8-0.4" && checkpoint.tensors["fc.3.weight"]?.shape == [2, 8])
        try EvaluateCommand.parse([finetuned + "/best.safetensors", "--data-dir", data.directory]).run()

        // A plain state dict as torchvision or timm write it: no metadata, no num_batches_tracked.
        let plain = (source as NSString).deletingLastPathComponent + "/plain.safetensors"   // beside the run's config.yaml
        let sourceTensors = try SafeTensors.read(source).tensors.filter { !$0.key.hasSuffix("num_batches_tracked") }
        try SafeTensors.write(sourceTensors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, to: plain)
        try FinetuneCommand.parse(data.common + ["--run-name", "ft-plain", "--encoder", plain, "--model", "resnet18", "--width", "4",
                                                 "--classes", "1,2", "--labels-per-class", "6", "--epochs", "2"]).run()
        #expect { try FinetuneCommand.parse(data.common + ["--encoder", plain, "--model", "resnet18", "--width", "8", "--epochs", "2"]).run() } throws: {
            "\($0)".contains(plain) && "\($0)".contains("conv1.weight")
        }
        // evaluate and predict take the same plain file given the model, its classes and input.
        let meta = try SafeTensors.read(source).metadata
        let plainOptions = ["--model", "resnet18", "--width", "4", "--class-names", "a,b", "--image-size", "28", "--channels", "1",
                            "--mean", meta["mean"]!, "--std", meta["std"]!]
        let csv = data.directory + "/plain-confusion.csv"
        try EvaluateCommand.parse([plain, "--confusion-csv", csv] + plainOptions).run()
        let glean = data.directory + "/glean-confusion.csv"
        try EvaluateCommand.parse([source, "--confusion-csv", glean]).run()
        #expect(try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",").dropFirst() }
                == String(contentsOfFile: glean, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",").dropFirst() })
        try PredictCommand.parse([plain, "--test-images", "3"] + plainOptions).run()
        #expect { try EvaluateCommand.parse([plain, "--model", "resnet18"]).run() } throws: { "\($0)".contains("--class-names") }
        #expect { try EvaluateCommand.parse([plain]).run() } throws: { "\($0)".contains("--model and --class-names") }

        try DistillCommand.parse(data.common + ["--run-name", "kd", "--teacher", source, "--classes", "0-1", "--targets", "unlabeled",
                                                "--model", "seednet", "--epochs", "2", "--batch-size", "16"]).run()
        let distilled = try CSVHistory.read(try data.run("kd") + "/metrics.csv")
        #expect(distilled.count == 2 && distilled.allSatisfy { $0["loss_kd"] != nil && $0["teacher_agreement"] != nil && $0["loss_ce"] == nil })
        #expect { try DistillCommand.parse(data.common + ["--teacher", source, "--epochs", "1"]).run() } throws: {
            "\($0)".contains(source) && "\($0)".contains("2 classes")
        }
    }

    /// `--final-weights last` reports the last epoch's weights though validation picked a best
    /// one; the default reports the best.
    @Test func finalWeightsChooseBestOrLast() throws {
        let data = TinyDataset("final-weights")
        for choice in ["best", "last"] {
            try TrainCommand.parse(data.common + ["--run-name", choice, "--model", "seednet", "--epochs", "2", "--batch-size", "16",
                                                  "--validation-split", "0.2", "--final-weights", choice]).run()
            let report = try String(contentsOfFile: try data.run(choice) + "/report.txt", encoding: .utf8)
            #expect(report.contains(choice == "best" ? "weights of the best validation epoch" : "weights of the last epoch"), "\(choice)")
            #expect(FileManager.default.fileExists(atPath: try data.run(choice) + "/best.safetensors"))
        }
        #expect { try TrainSettings.parse(["--final-weights", "middle"]) } throws: { "\($0)".contains("final-weights") }
    }

    @Test func badClassSelectionsAndResumeFoldersAreNamed() throws {
        let data = TinyDataset("errors")
        for (value, message) in [("4-2", "'0-4' or '5,7,9'"), ("1,1", "lists a class twice"), ("a", "'0-4' or '5,7,9'")] {
            #expect { try TrainCommand.parse(data.common + ["--classes", value]).run() } throws: {
                "\($0)".contains("classes") && "\($0)".contains(message)
            }
        }
        #expect { try TrainCommand.parse(data.common + ["--classes", "1-5"]).run() } throws: {
            "\($0)".contains("lists class 3") && "\($0)".contains("no training images")
        }
        #expect { try TrainCommand.parse(data.common + ["--classes", "1-12"]).run() } throws: {
            "\($0)".contains("lists class 10; the dataset has classes 0-9")
        }
        #expect { try TrainCommand.parse(["--resume", data.directory]).run() } throws: {
            "\($0)".contains(data.directory + "/config.yaml") && "\($0)".contains("run directory")
        }
    }

    /// `kill -9` of the release binary during `glean pretrain simclr`, then `--resume`, ends
    /// with the same encoder bytes as an uninterrupted run.
    @Test func killedPretrainResumesBitExactly() throws {
        let data = TinyDataset("resume", trainPerClass: 40)
        try Self.killAndResume(command: ["pretrain", "simclr"], data: data,
                               options: ["--epochs", "4", "--batch-size", "16", "--width", "4", "--knn-images", "20", "--ema-decay", "0.9"],
                               compare: ["encoder.safetensors", "projection_head.safetensors", "last.safetensors"])
    }

    /// The same for FixMatch: labeled and unlabeled streams, EMA and best-checkpoint state.
    @Test func killedFixMatchResumesBitExactly() throws {
        let data = TinyDataset("fixmatch-resume", trainPerClass: 40)
        try Self.killAndResume(command: ["semi"], data: data,
                               options: ["--method", "fixmatch", "--labels-per-class", "4", "--validation-per-class", "4", "--epochs", "4",
                                         "--batch-size", "4", "--unlabeled-ratio", "3", "--model", "resnet18", "--width", "4"],
                               compare: ["best.safetensors", "last.safetensors"])
    }

    /// And for Noisy Student, killed inside its first round: finished stages are kept, the
    /// interrupted one continues.
    @Test func killedNoisyStudentResumesBitExactly() throws {
        let data = TinyDataset("noisy-resume", trainPerClass: 40)
        try Self.killAndResume(command: ["semi"], data: data,
                               options: ["--method", "noisy-student", "--labels-per-class", "6", "--validation-per-class", "4",
                                         "--teacher-epochs", "3", "--epochs", "3", "--rounds", "2", "--threshold", "0.4",
                                         "--batch-size", "8", "--model", "resnet18", "--width", "4", "--student-width", "6",
                                         "--labeled-share", "0.5"],
                               killedWhenExists: "round-1/resume.safetensors",
                               compare: ["teacher/best.safetensors", "round-1/last.safetensors", "round-2/best.safetensors", "report.txt"])
    }

    /// Runs `glean <command> <options>` once straight through and once killed with SIGKILL
    /// (after its resume file `killedWhenExists` first reports a finished epoch) and resumed;
    /// the files `compare` must be identical.
    private static func killAndResume(command: [String], data: TinyDataset, options: [String],
                                      killedWhenExists resumeFile: String = "resume.safetensors", compare: [String]) throws {
        let binary = ReleaseBinary.path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the release binary first")
        func launch(_ arguments: [String]) throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = command + arguments
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            return process
        }
        let straight = try launch(data.common + options + ["--run-name", "straight"])
        straight.waitUntilExit()
        #expect(straight.terminationStatus == 0)

        let interrupted = try launch(data.common + options + ["--run-name", "killed"])
        let killedRun = try { () throws -> String in
            while true {
                if let run = try? data.run("killed"), let metadata = try? SafeTensors.read(run + "/" + resumeFile).metadata,
                   metadata["next_epoch"] == "1" || metadata["next_epoch"] == "2" {
                    return run
                }
                Thread.sleep(forTimeInterval: 0.01)
            }
        }()
        kill(interrupted.processIdentifier, SIGKILL)
        interrupted.waitUntilExit()
        let resumed = try launch(["--resume", killedRun])
        resumed.waitUntilExit()
        #expect(resumed.terminationStatus == 0)
        let straightRun = try data.run("straight")
        for file in compare {
            if file.hasSuffix(".safetensors") {
                let a = try SafeTensors.read(straightRun + "/" + file).tensors, b = try SafeTensors.read(killedRun + "/" + file).tensors
                #expect(a == b, "\(file) differs after kill -9 and --resume")
            } else {
                let a = try String(contentsOfFile: straightRun + "/" + file, encoding: .utf8)
                let b = try String(contentsOfFile: killedRun + "/" + file, encoding: .utf8)
                #expect(a == b, "\(file) differs after kill -9 and --resume")
            }
        }
        let log = try String(contentsOfFile: killedRun + "/" + resumeFile.replacingOccurrences(of: "resume.safetensors", with: "train.log"),
                             encoding: .utf8)
        #expect(log.contains("resuming"))
    }
}

@Suite struct RegressCommandTests {
    /// A linear target is learned to R² > 0.9; the checkpoint records the standardization; a
    /// table with a bad cell is named with its line and column.
    @Test func learnsALinearTableAndNamesBadCells() throws {
        let data = TinyDataset("regress", trainPerClass: 1, testPerClass: 1)
        var generator = RandomGenerator(seed: 5)
        var lines = ["x1,x2,price"]
        for _ in 0..<200 {
            let (a, b) = (generator.nextUniform() * 4, generator.nextUniform() * 4)
            lines.append("\(a),\(b),\(2 * a - b + 50)")
        }
        let path = data.directory + "/table.csv"
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try RegressCommand.parse(["--table", path, "--epochs", "60", "--disturb-value", "0.1", "--runs-dir", data.runs, "--run-name", "reg"]).run()
        let run = try data.run("reg")
        let report = try String(contentsOfFile: run + "/report.txt", encoding: .utf8)
        let r2 = try #require(report.components(separatedBy: "R² ").last.flatMap { Double($0.prefix(6)) })
        #expect(r2 > 0.9, "\(report)")
        let metadata = try SafeTensors.read(run + "/best.safetensors").metadata
        #expect(metadata["kind"] == "regressor" && metadata["features"] == "x1,x2" && metadata["target"] == "price")
        try (lines + ["1,oops,3"]).joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try RegressCommand.parse(["--table", path, "--runs-dir", data.runs]).run() } throws: {
            "\($0)".contains("line 202") && "\($0)".contains("'x2'")
        }
    }
}

@Suite struct CIFARLayoutTests {
    /// CIFAR-10's binary batches train with the default model, which takes the 3x32x32 images
    /// as they are (no resize, no option needed).
    @Test func cifarTrainsWithTheDefaultModelAtItsOwnSize() throws {
        let data = TinyDataset("cifar")
        var generator = RandomGenerator(seed: 3)
        for (file, records) in (1...5).map({ ("data_batch_\($0).bin", 6) }) + [("test_batch.bin", 6)] {
            var bytes: [UInt8] = []
            for index in 0..<records {
                let label = UInt8(index % 2)
                bytes.append(label)
                bytes += (0..<3072).map { pixel in UInt8(truncatingIfNeeded: Int(label) * 120 + pixel % 32 * 3 + Int(generator.next() % 20)) }
            }
            try Data(bytes).write(to: URL(fileURLWithPath: data.directory + "/" + file))
        }
        try TrainCommand.parse(["--dataset", "cifar10", "--epochs", "1", "--batch-size", "8", "--run-name", "c"] + data.common).run()
        let metadata = try SafeTensors.read(try data.run("c") + "/best.safetensors").metadata
        #expect(metadata["model"] == "seednet" && metadata["image_size"] == "32" && metadata["input_channels"] == "3")
        #expect(metadata["class_names"]?.contains("airplane") == true)
    }
}
