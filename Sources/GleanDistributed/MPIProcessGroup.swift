import Foundation
import GleanTrain

/// A `ProcessGroup` over MPI (Open MPI 4.x, `libmpi.so.40`), loaded with `dlopen` only when the
/// process was started by an MPI launcher: a build of Glean needs no MPI headers or library,
/// and a single process never loads one.
///
/// Open MPI's handles (`MPI_COMM_WORLD`, `MPI_FLOAT`, `MPI_SUM`, …) are the addresses of its
/// exported objects (`ompi_mpi_comm_world`, …), found with `dlsym`; an MPI that is not Open MPI
/// is refused with a message rather than misread.
public final class MPIProcessGroup: ProcessGroup {
    public let rank: Int
    public let size: Int
    public let host: String
    private let library: MPILibrary
    private var watchdog: CollectiveWatchdog!
    /// A copy of the world communicator for gradient buckets, so that their background sums
    /// never interleave with the blocking collectives (batch-norm statistics, metrics).
    private var bucketCommunicator: MPILibrary.Comm!
    /// Held around every MPI call: the progress thread and the training thread take turns
    /// (MPI_THREAD_SERIALIZED). Its condition wakes the progress thread when sums are running.
    private let turn = NSCondition()
    /// Background sums not yet seen complete by the progress thread.
    private var running: [MPIRequest] = []

    /// Initialises MPI (thread level serialized) and reads this process's rank and the world size.
    /// A collective that waits longer than `GLEAN_COLLECTIVE_TIMEOUT` seconds (default 300) for
    /// the other ranks stops this process, and with it the run (`CollectiveWatchdog`).
    public init() throws {
        let timeout = try CollectiveWatchdog.timeoutFromEnvironment()
        library = try MPILibrary()
        host = ProcessInfo.processInfo.hostName
        var initialized: Int32 = 0
        _ = library.initialized(&initialized)
        if initialized == 0 {
            // Gradient buckets are summed by MPI_Iallreduce: Open MPI's nonblocking collectives
            // (libnbc) take a binomial tree for 2 or 3 ranks and for sums in place, which sends the
            // whole buffer twice in a row (100 ms for 45 MB over 10 Gbit/s, against 44 ms for the
            // ring). The ring unless the user chose otherwise.
            setenv("OMPI_MCA_coll_libnbc_iallreduce_algorithm", "ring", 0)
            var provided: Int32 = 0
            let code = library.initThread(nil, nil, MPILibrary.threadSerialized, &provided)
            guard code == 0 else { throw DistributedError("MPI_Init_thread failed with code \(code) on \(host)") }
            guard provided >= MPILibrary.threadSerialized else {
                throw DistributedError("this MPI gives thread level \(provided); Glean needs MPI_THREAD_SERIALIZED (2)")
            }
            atexit { MPILibrary.shared?.finalizeOnce() }
        }
        _ = library.setErrorHandler(library.world, library.errorsReturn)
        var rank: Int32 = 0, size: Int32 = 0
        _ = library.commRank(library.world, &rank)
        _ = library.commSize(library.world, &size)
        self.rank = Int(rank)
        self.size = Int(size)
        watchdog = CollectiveWatchdog(timeout: timeout, describe: "rank \(rank) of \(size) on \(host)")
        var copy: MPILibrary.Comm?
        let code = watchdog.watching("communicator copy") { library.commDup(library.world, &copy) }
        guard code == 0, let copy else { throw DistributedError("MPI_Comm_dup failed with code \(code) on \(host)") }
        bucketCommunicator = copy
        let progress = Thread { [unowned self] in self.progressBackgroundSums() }
        progress.name = "glean MPI progress"
        progress.start()
    }

    public func startAllReduceSum(_ buffer: ReductionBuffer) -> PendingReduction {
        let request = MPIRequest(buffer: buffer)
        let count = checkedCount(buffer.count)
        let code = serialized {
            library.iallreduce(MPILibrary.inPlace, buffer.pointer, count, library.float, library.sum, bucketCommunicator, &request.handle)
        }
        check(code, "allreduce (gradient bucket, start)")
        turn.lock()
        running.append(request)
        turn.signal()
        turn.unlock()
        return PendingBucketSum(group: self, request: request)
    }

    /// Blocks until `request` is complete (called by `PendingBucketSum.wait`).
    fileprivate func finish(_ request: MPIRequest) {
        let code = watchdog.watching("allreduce (gradient bucket)") {
            serialized { library.wait(&request.handle, nil) }
        }
        check(code, "allreduce (gradient bucket)")
    }

    /// Open MPI moves a nonblocking collective on only inside MPI calls: while sums run in the
    /// background, this thread tests them every half millisecond so that they progress while
    /// the training thread computes the rest of the backward pass.
    private func progressBackgroundSums() {
        while true {
            turn.lock()
            while running.isEmpty { turn.wait() }
            running.removeAll { request in
                var done: Int32 = 0
                let code = library.test(&request.handle, &done, nil)
                return code != 0 || done != 0
            }
            turn.unlock()
            usleep(500)
        }
    }

    /// `body`, one MPI call, in this process's turn.
    private func serialized<R>(_ body: () -> R) -> R {
        turn.lock()
        defer { turn.unlock() }
        return body()
    }

    public func allReduceSum(_ values: inout [Float]) {
        reduce(&values, op: library.sum, name: "allreduce (sum)")
    }

    public func allReduceSum(_ values: inout [Double]) {
        reduce(&values, op: library.sum, name: "allreduce (sum)")
    }

    public func allReduceMax(_ values: inout [Double]) {
        reduce(&values, op: library.max, name: "allreduce (max)")
    }

    public func broadcast(_ bytes: inout [UInt8], from root: Int) {
        var length = [Int64(bytes.count)]
        var code = watchdog.watching("broadcast") {
            serialized { length.withUnsafeMutableBytes { library.bcast($0.baseAddress, 8, library.byte, Int32(root), library.world) } }
        }
        check(code, "broadcast (length)")
        if rank != root { bytes = [UInt8](repeating: 0, count: Int(length[0])) }
        guard length[0] > 0 else { return }
        let count = checkedCount(Int(length[0]))
        code = watchdog.watching("broadcast") {
            serialized { bytes.withUnsafeMutableBytes { library.bcast($0.baseAddress, count, library.byte, Int32(root), library.world) } }
        }
        check(code, "broadcast")
    }

    public func allGather(_ values: [Float]) -> [Float] {
        var result = [Float](repeating: 0, count: values.count * size)
        let count = checkedCount(values.count)
        let code = watchdog.watching("allgather") { serialized {
            values.withUnsafeBytes { send in
                result.withUnsafeMutableBytes { receive in
                    library.allgather(send.baseAddress, count, library.float, receive.baseAddress, count, library.float, library.world)
                }
            }
        } }
        check(code, "allgather")
        return result
    }

    private func reduce<Scalar: BinaryFloatingPoint>(_ values: inout [Scalar], op: UnsafeMutableRawPointer, name: String) {
        guard !values.isEmpty else { return }
        let count = checkedCount(values.count)
        let type = Scalar.self == Double.self ? library.double : library.float
        let code = watchdog.watching(name) {
            serialized {
                values.withUnsafeMutableBytes {
                    library.allreduce(MPILibrary.inPlace, $0.baseAddress, count, type, op, library.world)
                }
            }
        }
        check(code, name)
    }

    private func checkedCount(_ count: Int) -> Int32 {
        guard count <= Int(Int32.max) else { abort(because: "a collective of \(count) elements exceeds MPI's 32-bit count") }
        return Int32(count)
    }

    /// A failed collective: every process is stopped, this one naming itself.
    private func check(_ code: Int32, _ operation: String) {
        guard code != 0 else { return }
        abort(because: "MPI \(operation) failed with code \(code)")
    }

    private func abort(because reason: String) -> Never {
        FileHandle.standardError.write(Data("glean: rank \(rank) of \(size) on \(host): \(reason); stopping every rank\n".utf8))
        _ = library.abort(library.world, 1)
        exit(1)
    }
}

/// One nonblocking MPI collective: Open MPI's request handle (set to the null request when it
/// completes) and the buffer it works in, kept alive until then.
final class MPIRequest {
    var handle: UnsafeMutableRawPointer?
    let buffer: ReductionBuffer
    init(buffer: ReductionBuffer) { self.buffer = buffer }
}

/// A gradient bucket's sum running in the background.
struct PendingBucketSum: PendingReduction {
    let group: MPIProcessGroup
    let request: MPIRequest
    func wait() { group.finish(request) }
}

/// Why data-parallel training could not start.
public struct DistributedError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The functions and handles of Open MPI's `libmpi.so.40`, found at run time.
final class MPILibrary {
    typealias Comm = UnsafeMutableRawPointer
    static let threadSerialized: Int32 = 2
    /// `MPI_IN_PLACE` in Open MPI.
    static let inPlace = UnsafeRawPointer(bitPattern: 1)
    /// The loaded library, for the exit handler.
    nonisolated(unsafe) static var shared: MPILibrary?

    typealias Status = @convention(c) (UnsafeMutablePointer<Int32>) -> Int32
    typealias InitThread = @convention(c) (UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?,
                                           Int32, UnsafeMutablePointer<Int32>) -> Int32
    typealias Finalize = @convention(c) () -> Int32
    typealias CommQuery = @convention(c) (Comm, UnsafeMutablePointer<Int32>) -> Int32
    typealias Allreduce = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int32, UnsafeMutableRawPointer, UnsafeMutableRawPointer,
                                          Comm) -> Int32
    typealias Bcast = @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafeMutableRawPointer, Int32, Comm) -> Int32
    typealias Allgather = @convention(c) (UnsafeRawPointer?, Int32, UnsafeMutableRawPointer, UnsafeMutableRawPointer?, Int32,
                                          UnsafeMutableRawPointer, Comm) -> Int32
    typealias Iallreduce = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int32, UnsafeMutableRawPointer, UnsafeMutableRawPointer,
                                           Comm, UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> Int32
    typealias Test = @convention(c) (UnsafeMutablePointer<UnsafeMutableRawPointer?>, UnsafeMutablePointer<Int32>, UnsafeMutableRawPointer?) -> Int32
    typealias Wait = @convention(c) (UnsafeMutablePointer<UnsafeMutableRawPointer?>, UnsafeMutableRawPointer?) -> Int32
    typealias CommDup = @convention(c) (Comm, UnsafeMutablePointer<Comm?>) -> Int32
    typealias Abort = @convention(c) (Comm, Int32) -> Int32
    typealias SetErrorHandler = @convention(c) (Comm, UnsafeMutableRawPointer) -> Int32

    let initialized: Status
    let initThread: InitThread
    let finalize: Finalize
    let commRank: CommQuery, commSize: CommQuery
    let allreduce: Allreduce
    let bcast: Bcast
    let allgather: Allgather
    let iallreduce: Iallreduce
    let test: Test
    let wait: Wait
    let commDup: CommDup
    let abort: Abort
    let setErrorHandler: SetErrorHandler
    let world: Comm, float: UnsafeMutableRawPointer, double: UnsafeMutableRawPointer, byte: UnsafeMutableRawPointer
    let sum: UnsafeMutableRawPointer, max: UnsafeMutableRawPointer, errorsReturn: UnsafeMutableRawPointer
    private var finalized = false

    init() throws {
        // RTLD_GLOBAL: Open MPI's own plugins, loaded later, resolve their symbols in libmpi.
        guard let handle = dlopen("libmpi.so.40", RTLD_NOW | RTLD_GLOBAL) else {
            throw DistributedError("started by an MPI launcher, but Open MPI's libmpi.so.40 cannot be loaded ("
                                   + String(cString: dlerror()) + "); install openmpi-bin and libopenmpi-dev (bash scripts/setup.sh)")
        }
        func symbol(_ name: String) throws -> UnsafeMutableRawPointer {
            guard let address = dlsym(handle, name) else {
                throw DistributedError("libmpi.so.40 has no '\(name)': Glean's data parallelism needs Open MPI 4.x")
            }
            return address
        }
        func function<F>(_ name: String, as type: F.Type) throws -> F { unsafeBitCast(try symbol(name), to: type) }
        initialized = try function("MPI_Initialized", as: Status.self)
        initThread = try function("MPI_Init_thread", as: InitThread.self)
        finalize = try function("MPI_Finalize", as: Finalize.self)
        commRank = try function("MPI_Comm_rank", as: CommQuery.self)
        commSize = try function("MPI_Comm_size", as: CommQuery.self)
        allreduce = try function("MPI_Allreduce", as: Allreduce.self)
        bcast = try function("MPI_Bcast", as: Bcast.self)
        allgather = try function("MPI_Allgather", as: Allgather.self)
        iallreduce = try function("MPI_Iallreduce", as: Iallreduce.self)
        test = try function("MPI_Test", as: Test.self)
        wait = try function("MPI_Wait", as: Wait.self)
        commDup = try function("MPI_Comm_dup", as: CommDup.self)
        abort = try function("MPI_Abort", as: Abort.self)
        setErrorHandler = try function("MPI_Comm_set_errhandler", as: SetErrorHandler.self)
        world = try symbol("ompi_mpi_comm_world")
        float = try symbol("ompi_mpi_float")
        double = try symbol("ompi_mpi_double")
        byte = try symbol("ompi_mpi_byte")
        sum = try symbol("ompi_mpi_op_sum")
        max = try symbol("ompi_mpi_op_max")
        errorsReturn = try symbol("ompi_mpi_errors_return")
        Self.shared = self
    }

    func finalizeOnce() {
        guard !finalized else { return }
        finalized = true
        _ = finalize()
    }
}
