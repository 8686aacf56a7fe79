import Foundation
import Glean
import GleanDistributed

/// How a run takes part in data-parallel training when `mpirun -np N glean …` (or `srun`)
/// started it: MPI is loaded then and only then (`MPIProcessGroup`), rank 0 creates the run
/// folder and writes every file of the run, and every other rank writes its output to
/// `train.rank-K.log` in that folder and its files to a scratch folder that is removed at exit.
enum DataParallelLaunch {
    /// Whether an MPI launcher started this process (Open MPI's `mpirun`, or a PMIx/PMI launcher
    /// such as Slurm's `srun`).
    static var isLaunchedByMPI: Bool {
        let environment = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"].contains { environment[$0] != nil }
    }

    nonisolated(unsafe) private static var started = false

    /// Installs the MPI process group when an MPI launcher started this process (once).
    static func start() throws {
        guard !started else { return }
        started = true
        guard isLaunchedByMPI else { return }
        let group = try MPIProcessGroup()
        guard group.size > 1 else { return }
        DataParallel.install(group)
    }

    /// The run folder: created by rank 0, whose path every rank receives; other ranks get a
    /// scratch folder (`followerFolder`).
    static func runDirectory(_ create: () throws -> RunDirectory) throws -> RunDirectory {
        let group = DataParallel.group
        guard group.size > 1 else { return try create() }
        var path = [UInt8]()
        var failure: Error?
        if group.rank == 0 {
            do { path = Array(try create().path.utf8) } catch { failure = error }
        }
        group.broadcast(&path, from: 0)
        if let failure { throw failure }
        guard !path.isEmpty else { throw ExperimentError("rank 0 could not create the run folder (its log says why)") }
        let leaderPath = String(decoding: path, as: UTF8.self)
        guard group.rank != 0 else { return RunDirectory(path: leaderPath) }
        return try followerFolder(leaderPath: leaderPath)
    }

    /// The folder of a run resumed under several ranks: rank 0 resumes `path` itself once
    /// `check` accepts it; every other rank receives a copy of its files (all but the logs) in
    /// a scratch folder, so that each restores rank 0's state whether or not the ranks share a
    /// file system, and whatever number of ranks wrote it (its stream positions are global).
    static func resumeDirectory(_ path: String, check: (String) throws -> Void) throws -> RunDirectory {
        let group = DataParallel.group
        guard group.size > 1 else {
            try check(path)
            return RunDirectory(path: path)
        }
        var files: [(name: String, bytes: [UInt8])] = []
        var failure: Error?
        if group.rank == 0 {
            do {
                try check(path)
                files = try runFiles(in: path)
            } catch { failure = error }
        }
        // The manifest: empty when rank 0 cannot resume, else a marker and the files' names.
        var manifest = failure == nil && group.rank == 0 ? Array(("files\n" + files.map(\.name).joined(separator: "\n")).utf8) : []
        group.broadcast(&manifest, from: 0)
        if let failure { throw failure }
        guard !manifest.isEmpty else { throw ExperimentError("rank 0 could not resume \(path) (its message says why)") }
        let names = String(decoding: manifest, as: UTF8.self).split(separator: "\n").dropFirst().map(String.init)
        let folder = group.rank == 0 ? nil : try followerFolder(leaderPath: path)
        for (index, name) in names.enumerated() {
            var bytes = group.rank == 0 ? files[index].bytes : []
            group.broadcast(&bytes, from: 0)
            guard let folder else { continue }
            let target = folder.path + "/" + name
            try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try AtomicFile.write(Data(bytes), to: target)
        }
        return folder ?? RunDirectory(path: path)
    }

    /// Every file of a run folder but its logs, by path relative to it, with its contents.
    private static func runFiles(in path: String) throws -> [(name: String, bytes: [UInt8])] {
        guard let enumerator = FileManager.default.enumerator(atPath: path) else {
            throw ExperimentError("--resume \(path): cannot list the run folder")
        }
        var files: [(name: String, bytes: [UInt8])] = []
        for case let name as String in enumerator where !name.hasSuffix(".log") {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &isFolder), !isFolder.boolValue else { continue }
            guard let data = FileManager.default.contents(atPath: path + "/" + name) else {
                throw ExperimentError("--resume \(path): cannot read \(name)")
            }
            files.append((name, Array(data)))
        }
        return files.sorted { $0.name < $1.name }
    }

    /// A scratch folder for the files of a rank other than 0 (removed at exit); its output goes
    /// to `train.rank-K.log` in rank 0's folder, or in the scratch folder where that path is not
    /// on a file system they share.
    private static func followerFolder(leaderPath: String) throws -> RunDirectory {
        let rank = DataParallel.group.rank
        let scratch = NSTemporaryDirectory() + "glean-rank-\(rank)-\(getpid())"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        scratchFolder = scratch
        atexit { DataParallelLaunch.scratchFolder.map { try? FileManager.default.removeItem(atPath: $0) } }
        let shared = FileManager.default.fileExists(atPath: leaderPath)
        redirectOutput(to: (shared ? leaderPath : scratch) + "/train.rank-\(rank).log")
        return RunDirectory(path: scratch)
    }

    /// Refuses to train when the ranks were started with different settings or different
    /// builds of glean: rank 0's settings and binary identity are compared on every rank.
    static func checkSameRun(settingsYAML: String) throws {
        let group = DataParallel.group
        guard group.size > 1 else { return }
        let mine = Array((settingsYAML + "\n# binary " + binaryIdentity).utf8)
        var leader = mine
        group.broadcast(&leader, from: 0)
        var differs = [leader == mine ? 0.0 : 1.0]
        group.allReduceMax(&differs)
        guard differs[0] == 0 else {
            throw ExperimentError(leader == mine
                ? "another rank was started with different settings or another build of glean than rank \(group.rank); every rank must run the same command with the same binary"
                : "rank \(group.rank) on \(group.host) was started with different settings or another build of glean than rank 0; every rank must run the same command with the same binary")
        }
    }

    nonisolated(unsafe) private static var scratchFolder: String?

    /// The running executable's size and modification time.
    private static var binaryIdentity: String {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? 0
        let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(size) bytes, modified \(Int(modified))"
    }

    private static func redirectOutput(to path: String) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard descriptor >= 0 else { return }
        fflush(stdout)
        dup2(descriptor, STDOUT_FILENO)
        dup2(descriptor, STDERR_FILENO)
        close(descriptor)
    }
}
