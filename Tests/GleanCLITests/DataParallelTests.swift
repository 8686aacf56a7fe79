import Foundation
import Glean
import GleanTestSupport
import Testing

/// `mpirun -np 2 glean …` on this machine (Open MPI from `scripts/setup.sh`, loopback,
/// `--oversubscribe`; the variables Open MPI wants before it runs as root are set here, for the
/// test only).
@Suite(.serialized) struct DataParallelTests {
    static let mpirun = "/usr/bin/mpirun"
    static let environment = ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1", "OMP_NUM_THREADS": "1",
                              "OMPI_MCA_btl": "self,vader", "OMPI_MCA_rmaps_base_oversubscribe": "1"]

    /// 2 ranks on a global batch of 64 end 20 SGD steps with the weights of one process on
    /// batches of 64 (SeedNet without dropout, flips and crops on: every image keeps its own
    /// seeded augmentation); rank 0 writes the one run folder, rank 1 its log into it; the
    /// run-time replica check (`GLEAN_CHECK_REPLICAS=1`) finds the ranks' weights identical;
    /// validation and the test figure, each rank classifying its part, come out as one process's.
    @Test func twoRanksTrainAsOneProcess() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.mpirun), "Open MPI's mpirun is missing: run bash scripts/setup.sh")
        let data = TinyDataset("data-parallel", trainPerClass: 100)
        let arguments = ["train", "--data-dir", data.directory, "--model", "seednet", "--dropout", "0", "--augment", "flip-crop",
                         "--optimizer", "sgd", "--learning-rate", "0.01", "--batch-size", "64", "--epochs", "1", "--steps-per-epoch", "20",
                         "--labels-per-class", "90", "--validation-per-class", "10", "--seed", "5"]
        let one = try ReleaseBinary.run(arguments + ["--runs-dir", data.runs + "/one"], environment: Self.environment)
        #expect(one.status == 0, "one process: \(one.standardError)")
        let two = try ReleaseBinary.run(arguments + ["--runs-dir", data.runs + "/two"],
                                        environment: Self.environment.merging(["GLEAN_CHECK_REPLICAS": "1"]) { $1 },
                                        launcher: [Self.mpirun, "-np", "2", "-x", "GLEAN_CHECK_REPLICAS"])
        #expect(two.status == 0, "two ranks: \(two.standardError)")
        #expect(two.standardOutput.contains("data parallel: rank 0 of 2"))
        #expect(two.standardOutput.contains("replica check: weights identical on 2 ranks after epoch 1"))
        let folders = try FileManager.default.contentsOfDirectory(atPath: data.runs + "/two")
        try #require(folders.count == 1, "one run folder, got \(folders)")
        let folder = data.runs + "/two/" + folders[0]
        #expect(try String(contentsOfFile: folder + "/train.rank-1.log", encoding: .utf8).contains("data parallel: rank 1 of 2"))
        try Self.expectSameWeights(try Self.checkpoint(in: data.runs + "/one"), folder + "/last.safetensors", tolerance: 1e-4)
        let single = try CSVHistory.read(try Self.checkpoint(in: data.runs + "/one").replacingOccurrences(of: "last.safetensors", with: "metrics.csv"))
        let parallel = try CSVHistory.read(folder + "/metrics.csv")
        #expect(single.count == 1 && parallel.count == 1 && single[0]["val_accuracy"] != nil)
        #expect(single.first?["val_accuracy"] == parallel.first?["val_accuracy"])
        #expect(abs((single.first?["val_loss"] ?? .nan) - (parallel.first?["val_loss"] ?? .nan)) <= 1e-5)
        let testLine = { (output: String) in output.split(separator: "\n").first { $0.hasPrefix("final test accuracy") }.map(String.init) }
        #expect(testLine(one.standardOutput) != nil && testLine(one.standardOutput) == testLine(two.standardOutput))
    }

    /// Every tensor of checkpoint `b` within `tolerance` of `a`'s, relative to `a`'s largest value.
    private static func expectSameWeights(_ a: String, _ b: String, tolerance: Float) throws {
        let single = try SafeTensors.read(a).tensors, parallel = try SafeTensors.read(b).tensors
        #expect(Set(single.keys) == Set(parallel.keys))
        for (name, tensor) in single {
            guard case let .float(expected, _) = tensor, case let .float(actual, _)? = parallel[name] else { continue }
            let scale = max(expected.map(abs).max() ?? 0, 1e-12)
            let difference = zip(expected, actual).map { abs($0 - $1) }.max() ?? 0
            #expect(difference / scale <= tolerance, "\(name): relative difference \(difference / scale)")
        }
    }

    /// SimCLR on 2 ranks takes its negatives from both (projections gathered, gradients sent
    /// back): 3 SGD steps on a global batch of 64 end with one process's weights within 1e-5
    /// (SeedNet encoder without dropout, so that nothing depends on how the batch is split).
    @Test func simclrOnTwoRanksMatchesOneProcess() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.mpirun), "Open MPI's mpirun is missing: run bash scripts/setup.sh")
        let data = TinyDataset("data-parallel-simclr", trainPerClass: 40)
        let arguments = ["pretrain", "simclr", "--data-dir", data.directory, "--model", "seednet", "--dropout", "0", "--optimizer", "sgd",
                         "--learning-rate", "0.01", "--batch-size", "64", "--epochs", "1", "--steps-per-epoch", "3", "--seed", "2"]
        let one = try ReleaseBinary.run(arguments + ["--runs-dir", data.runs + "/one"], environment: Self.environment)
        #expect(one.status == 0, "one process: \(one.standardError)")
        let two = try ReleaseBinary.run(arguments + ["--runs-dir", data.runs + "/two"], environment: Self.environment,
                                        launcher: [Self.mpirun, "-np", "2"])
        #expect(two.status == 0, "two ranks: \(two.standardError)")
        try Self.expectSameWeights(try Self.checkpoint(in: data.runs + "/one"), try Self.checkpoint(in: data.runs + "/two"), tolerance: 1e-5)
        // The epoch's loss and contrastive accuracy over both ranks' parts, and the kNN monitor
        // (each rank encodes part of the bank and the queries), are one process's figures.
        let metrics = try ["one", "two"].map { try CSVHistory.read(try Self.checkpoint(in: data.runs + "/" + $0).replacingOccurrences(of: "last.safetensors", with: "metrics.csv")) }
        try #require(metrics.allSatisfy { $0.count == 1 } && metrics[0][0]["val_knn_accuracy"] != nil, "\(metrics)")
        #expect(abs(metrics[0][0]["loss"]! - (metrics[1][0]["loss"] ?? .nan)) <= 1e-5)
        for key in ["contrastive_accuracy", "val_knn_accuracy", "val_knn_top5"] { #expect(metrics[0][0][key] == metrics[1][0][key], "\(key)") }
    }

    /// ResNet-18 (width 8) with batch norm: 2 ranks with `--sync-batchnorm` on a global batch of
    /// 32 end 3 SGD steps with one process's weights within 1e-4 (the whole model's relative
    /// L2 difference: a ReLU mask flipped by rounding moves a batch-norm bias by per cent, even
    /// between one process on 1 and on 2 threads); without it each rank normalises its half of
    /// the batch and the weights move ten times further apart.
    @Test func synchronizedBatchNormTrainsAsOneProcess() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.mpirun), "Open MPI's mpirun is missing: run bash scripts/setup.sh")
        let data = TinyDataset("data-parallel-syncbn", trainPerClass: 60)
        let arguments = ["train", "--data-dir", data.directory, "--model", "resnet18", "--width", "8", "--augment", "flip-crop",
                         "--optimizer", "sgd", "--learning-rate", "0.01", "--batch-size", "32", "--epochs", "1", "--steps-per-epoch", "3",
                         "--labels-per-class", "60", "--validation-per-class", "0", "--seed", "7"]
        let one = try ReleaseBinary.run(arguments + ["--runs-dir", data.runs + "/one"], environment: Self.environment)
        #expect(one.status == 0, "one process: \(one.standardError)")
        let synchronized = try ReleaseBinary.run(arguments + ["--sync-batchnorm", "true", "--runs-dir", data.runs + "/sync"],
                                                 environment: Self.environment, launcher: [Self.mpirun, "-np", "2"])
        #expect(synchronized.status == 0, "two ranks: \(synchronized.standardError)")
        #expect(synchronized.standardOutput.contains("batch norm normalises with the global batch's statistics"))
        let own = try ReleaseBinary.run(arguments + ["--runs-dir", data.runs + "/own"], environment: Self.environment,
                                        launcher: [Self.mpirun, "-np", "2"])
        #expect(own.status == 0, "two ranks without --sync-batchnorm: \(own.standardError)")
        let single = try Self.checkpoint(in: data.runs + "/one")
        let withSync = try Self.modelDifference(single, try Self.checkpoint(in: data.runs + "/sync"))
        let without = try Self.modelDifference(single, try Self.checkpoint(in: data.runs + "/own"))
        #expect(withSync <= 1e-4, "with --sync-batchnorm: relative difference \(withSync)")
        #expect(without >= 10 * withSync, "without it: \(without), with it: \(withSync)")
    }

    /// ‖b − a‖ / ‖a‖ over every float tensor of two checkpoints together.
    private static func modelDifference(_ a: String, _ b: String) throws -> Double {
        let first = try SafeTensors.read(a).tensors, second = try SafeTensors.read(b).tensors
        var difference = 0.0, norm = 0.0
        for (name, tensor) in first {
            guard case let .float(x, _) = tensor, case let .float(y, _)? = second[name] else { continue }
            for (u, v) in zip(x, y) {
                difference += Double(u - v) * Double(u - v)
                norm += Double(u) * Double(u)
            }
        }
        return (difference / max(norm, 1e-30)).squareRoot()
    }

    /// FlexMatch with distribution alignment on 2 ranks keeps one process's class statistics:
    /// the confident predictions of both ranks and the global batch's mean prediction; weights
    /// within 1e-4 and the remembered predictions and the running mean equal (5% of
    /// Fashion-MNIST).
    @Test func flexMatchStatisticsAreShared() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.mpirun), "Open MPI's mpirun is missing: run bash scripts/setup.sh")
        // Fashion-MNIST (Debian's package, from setup): distribution alignment needs labels of all ten classes.
        let data = TinyDataset("data-parallel-flexmatch")
        let arguments = ["semi", "--method", "flexmatch", "--threshold", "0.3", "--distribution-alignment", "true", "--subsample-fraction", "0.05",
                         "--model", "seednet", "--dropout", "0", "--optimizer", "sgd", "--learning-rate", "0.01", "--batch-size", "16",
                         "--unlabeled-ratio", "2", "--epochs", "1", "--steps-per-epoch", "6", "--labels-per-class", "4",
                         "--validation-per-class", "0", "--seed", "4"]
        let one = try ReleaseBinary.run(arguments + ["--runs-dir", data.runs + "/one"], environment: Self.environment)
        #expect(one.status == 0, "one process: \(one.standardError)")
        let two = try ReleaseBinary.run(arguments + ["--runs-dir", data.runs + "/two"], environment: Self.environment,
                                        launcher: [Self.mpirun, "-np", "2"])
        #expect(two.status == 0, "two ranks: \(two.standardError)")
        let (single, parallel) = (try Self.checkpoint(in: data.runs + "/one"), try Self.checkpoint(in: data.runs + "/two"))
        try Self.expectSameWeights(single, parallel, tolerance: 1e-4)
        let state = try SafeTensors.read(single.replacingOccurrences(of: "last.safetensors", with: "resume.safetensors")).tensors
        let parallelState = try SafeTensors.read(parallel.replacingOccurrences(of: "last.safetensors", with: "resume.safetensors")).tensors
        let selected = try #require(state["task/flexmatch.selected"])
        if case let .int64(values, _) = selected { #expect(values.contains { $0 >= 0 }, "no confident prediction to share") }
        #expect(parallelState["task/flexmatch.selected"] == selected)
        #expect(parallelState["task/distribution_alignment.running"] == state["task/distribution_alignment.running"])
    }

    /// `kill -9` of rank 1 after the first epoch's resume file: mpirun stops rank 0 within
    /// 60 s and names the lost rank; `--resume` on 2 ranks then ends with the weights of an
    /// uninterrupted 2-rank run bit for bit, and on one process (another number of ranks: the
    /// stream positions are global) within 1e-4.
    @Test func killedRankStopsTheRunAndResumeEndsAsUninterrupted() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.mpirun), "Open MPI's mpirun is missing: run bash scripts/setup.sh")
        let data = TinyDataset("data-parallel-kill", trainPerClass: 200)
        let arguments = ["train", "--data-dir", data.directory, "--model", "seednet", "--dropout", "0", "--augment", "flip-crop",
                         "--optimizer", "sgd", "--learning-rate", "0.01", "--batch-size", "64", "--epochs", "3", "--steps-per-epoch", "30",
                         "--labels-per-class", "180", "--validation-per-class", "10", "--ema-decay", "0.9", "--seed", "6"]
        let launcher = [Self.mpirun, "-np", "2"]
        let whole = try ReleaseBinary.run(arguments + ["--runs-dir", data.runs + "/whole"], environment: Self.environment, launcher: launcher)
        #expect(whole.status == 0, "uninterrupted: \(whole.standardError)")

        let cut = try ReleaseBinary.start(arguments + ["--runs-dir", data.runs + "/cut"], environment: Self.environment, launcher: launcher)
        let deadline = Date().addingTimeInterval(120)
        var resumeFile: String?
        while resumeFile == nil && Date() < deadline {
            usleep(20_000)
            let folders = (try? FileManager.default.contentsOfDirectory(atPath: data.runs + "/cut")) ?? []
            resumeFile = folders.map { data.runs + "/cut/" + $0 + "/resume.safetensors" }.first { FileManager.default.fileExists(atPath: $0) }
        }
        let ranks = Self.children(of: cut.pid)
        try #require(resumeFile != nil && ranks.count == 2, "no resume file after 120 s, or not 2 ranks: \(ranks)")
        kill(ranks.max()!, SIGKILL)
        let killed = Date()
        let outcome = cut.wait()
        #expect(outcome.status.map { $0 != 0 } ?? true, "mpirun ended with status 0 after a rank was killed")
        #expect(Date().timeIntervalSince(killed) < 60)
        #expect((outcome.standardError + outcome.standardOutput).contains("rank 1"), "the lost rank is not named: \(outcome.standardError)")

        let run = (resumeFile! as NSString).deletingLastPathComponent
        let copy = data.runs + "/copy"
        try FileManager.default.copyItem(atPath: run, toPath: copy)
        let resumed = try ReleaseBinary.run(["train", "--resume", run], environment: Self.environment, launcher: launcher)
        #expect(resumed.status == 0, "resume on 2 ranks: \(resumed.standardError)")
        #expect(resumed.standardOutput.contains("resuming"))
        let reference = try Self.checkpoint(in: data.runs + "/whole")
        let (expected, actual) = (try SafeTensors.read(reference).tensors, try SafeTensors.read(run + "/last.safetensors").tensors)
        #expect(Set(expected.keys) == Set(actual.keys))
        for (name, tensor) in expected { #expect(actual[name] == tensor, "\(name) differs from the uninterrupted run") }
        let alone = try ReleaseBinary.run(["train", "--resume", copy], environment: Self.environment)
        #expect(alone.status == 0, "resume on one process: \(alone.standardError)")
        try Self.expectSameWeights(reference, copy + "/last.safetensors", tolerance: 1e-4)
    }

    /// A rank that stops answering (`SIGSTOP`) makes the others give up after
    /// `GLEAN_COLLECTIVE_TIMEOUT` seconds, naming the collective they waited in; mpirun then
    /// ends the run, the stopped rank included.
    @Test func hungRankStopsTheRun() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.mpirun), "Open MPI's mpirun is missing: run bash scripts/setup.sh")
        let data = TinyDataset("data-parallel-hang", trainPerClass: 100)
        let started = try ReleaseBinary.start(["train", "--data-dir", data.directory, "--model", "seednet", "--epochs", "50",
                                               "--steps-per-epoch", "20", "--runs-dir", data.runs],
                                              environment: Self.environment.merging(["GLEAN_COLLECTIVE_TIMEOUT": "3"]) { $1 },
                                              launcher: [Self.mpirun, "-np", "2", "-x", "GLEAN_COLLECTIVE_TIMEOUT"])
        let deadline = Date().addingTimeInterval(120)
        var ranks: [pid_t] = []
        while Date() < deadline {
            usleep(100_000)
            ranks = Self.children(of: started.pid)
            let folders = (try? FileManager.default.contentsOfDirectory(atPath: data.runs)) ?? []
            if ranks.count == 2, folders.contains(where: { FileManager.default.fileExists(atPath: data.runs + "/" + $0 + "/metrics.csv") }) { break }
        }
        try #require(ranks.count == 2, "not 2 ranks: \(ranks)")
        kill(ranks.max()!, SIGSTOP)
        let stopped = Date()
        let outcome = started.wait()
        #expect(outcome.status.map { $0 != 0 } ?? true)
        #expect(Date().timeIntervalSince(stopped) < 60)
        #expect(outcome.standardError.contains("waited") && outcome.standardError.contains("GLEAN_COLLECTIVE_TIMEOUT=3"), "\(outcome.standardError)")
    }

    /// The processes whose parent is `pid` (the ranks mpirun started on this host).
    private static func children(of pid: pid_t) -> [pid_t] {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return text.split(separator: " ").compactMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Two hosts made here as network namespaces joined by a veth pair (`scripts/netns_hosts.sh`:
    /// Open MPI's TCP transport between 10.231.0.1 and 10.231.0.2 only, its launch agent
    /// `ip netns exec`): a 2-epoch `glean train` on one rank per host ends within 0.1 points of
    /// test accuracy of the same run on 2 ranks of one host.
    @Test(.enabled(if: NetworkNamespaces.available, "network namespaces cannot be made here (needs root and ip netns): multi-host test skipped"))
    func twoHostsTrainAsTwoRanksOfOneHost() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.mpirun), "Open MPI's mpirun is missing: run bash scripts/setup.sh")
        let hosts = NetworkNamespaces.script
        try #require(NetworkNamespaces.shell([hosts, "up"]) == 0, "bash scripts/netns_hosts.sh up failed")
        defer { _ = NetworkNamespaces.shell([hosts, "down"]) }
        let data = TinyDataset("data-parallel-hosts", trainPerClass: 100)
        let arguments = ["train", "--data-dir", data.directory, "--model", "seednet", "--dropout", "0", "--augment", "flip-crop",
                         "--optimizer", "sgd", "--learning-rate", "0.01", "--batch-size", "64", "--epochs", "2", "--steps-per-epoch", "10",
                         "--labels-per-class", "90", "--validation-per-class", "10", "--seed", "8"]
        let oneHost = try ReleaseBinary.run(arguments + ["--runs-dir", data.runs + "/one-host"], environment: Self.environment,
                                            launcher: [Self.mpirun, "-np", "2"])
        #expect(oneHost.status == 0, "2 ranks on one host: \(oneHost.standardError)")
        let transport = ["--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", "10.231.0.0/24", "--mca", "oob_tcp_if_include", "10.231.0.0/24"]
        let twoHosts = try ReleaseBinary.run(arguments + ["--runs-dir", data.runs + "/two-hosts"], environment: Self.environment,
                                             launcher: ["/bin/bash", hosts, "run", "10.231.0.1", Self.mpirun, "--mca", "plm_rsh_agent",
                                                        "bash \(hosts) agent", "--host", "10.231.0.1:1,10.231.0.2:1", "-np", "2"]
                                                 + transport + ["-x", "OMP_NUM_THREADS"])
        #expect(twoHosts.status == 0, "2 ranks on two hosts: \(twoHosts.standardError)")
        #expect(twoHosts.standardOutput.contains("rank 0 of 2 on glean-h0"))
        let folder = try Self.checkpoint(in: data.runs + "/two-hosts").replacingOccurrences(of: "/last.safetensors", with: "")
        #expect(try String(contentsOfFile: folder + "/train.rank-1.log", encoding: .utf8).contains("rank 1 of 2 on glean-h1"))
        let accuracy = { (output: String) -> Double? in
            output.split(separator: "\n").first { $0.hasPrefix("final test accuracy: ") }
                .flatMap { Double($0.dropFirst("final test accuracy: ".count).prefix { $0 != "%" }) }
        }
        let (expected, actual) = (try #require(accuracy(oneHost.standardOutput)), try #require(accuracy(twoHosts.standardOutput)))
        #expect(abs(expected - actual) <= 0.1, "test accuracy \(actual)% on two hosts against \(expected)% on one")
    }

    /// Ranks started with different settings are refused before training.
    /// Fine-tuning on 2 ranks: a head-only epoch (the backbone frozen, left out of the gradient
    /// average), then the whole model (the buckets remade when the backbone thaws), ends with one
    /// process's weights (SeedNet without dropout, no batch norm).
    @Test func fineTuningWithAFrozenPhaseTrainsAsOneProcess() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.mpirun), "Open MPI's mpirun is missing: run bash scripts/setup.sh")
        let data = TinyDataset("data-parallel-finetune", trainPerClass: 60)
        let arguments = ["finetune", "--encoder", "random", "--data-dir", data.directory, "--model", "seednet", "--dropout", "0",
                         "--augment", "none", "--optimizer", "sgd", "--learning-rate", "0.01", "--batch-size", "32", "--epochs", "2",
                         "--frozen-epochs", "1", "--steps-per-epoch", "4", "--labels-per-class", "50", "--validation-per-class", "0",
                         "--seed", "8"]
        let one = try ReleaseBinary.run(arguments + ["--runs-dir", data.runs + "/one"], environment: Self.environment)
        #expect(one.status == 0, "one process: \(one.standardError)")
        let two = try ReleaseBinary.run(arguments + ["--runs-dir", data.runs + "/two"], environment: Self.environment,
                                        launcher: [Self.mpirun, "-np", "2"])
        #expect(two.status == 0, "two ranks: \(two.standardError)")
        try Self.expectSameWeights(try Self.checkpoint(in: data.runs + "/one"), try Self.checkpoint(in: data.runs + "/two"), tolerance: 1e-4)
    }

    @Test func ranksWithDifferentSettingsAreRefused() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.mpirun), "Open MPI's mpirun is missing: run bash scripts/setup.sh")
        let data = TinyDataset("data-parallel-mismatch")
        let common = ["train", "--data-dir", data.directory, "--model", "seednet", "--epochs", "1", "--steps-per-epoch", "2",
                      "--runs-dir", data.runs]
        // MPMD launch: rank 0 and rank 1 run the same binary with different seeds.
        let outcome = try ReleaseBinary.run(common + ["--seed", "1", ":", "-np", "1", ReleaseBinary.path] + common + ["--seed", "2"],
                                            environment: Self.environment, launcher: [Self.mpirun, "-np", "1"])
        #expect(outcome.isCleanError)
        #expect((outcome.standardError + outcome.standardOutput).contains("different settings"))
    }

    private static func checkpoint(in runs: String) throws -> String {
        let folders = try FileManager.default.contentsOfDirectory(atPath: runs)
        return runs + "/" + folders[0] + "/last.safetensors"
    }
}

/// The two test hosts of `scripts/netns_hosts.sh`.
enum NetworkNamespaces {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/netns_hosts.sh").path

    /// Whether this process may make network namespaces (root, `ip netns` and `unshare` present).
    static let available: Bool = {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip"),
              FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else { return false }
        let probe = "glean-probe-\(getpid())"
        defer { _ = shell(["/usr/sbin/ip", "netns", "del", probe]) }
        return shell(["/usr/sbin/ip", "netns", "add", probe]) == 0
    }()

    /// Runs a command (a script through bash), output discarded; its exit status.
    static func shell(_ command: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0].hasSuffix(".sh") ? "/bin/bash" : command[0])
        process.arguments = command[0].hasSuffix(".sh") ? command : Array(command.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
