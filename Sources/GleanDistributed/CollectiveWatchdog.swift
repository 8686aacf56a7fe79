import Foundation

/// Stops this process when one collective has waited longer than `timeout` seconds for the other
/// ranks (one of them hangs, was stopped, or its host is unreachable): a thread wakes every
/// second and, past the timeout, writes which rank waited in which operation and exits with
/// status 1, upon which the MPI launcher stops every other rank. MPI itself would wait forever.
final class CollectiveWatchdog {
    /// Seconds a collective may wait.
    let timeout: Double
    private let lock = NSLock()
    private var operation: String?
    private var started = Date()
    private let describe: String

    /// - Parameter describe: this process, as the message names it ("rank 1 of 2 on host").
    init(timeout: Double, describe: String) {
        self.timeout = timeout
        self.describe = describe
        let thread = Thread { [unowned self] in
            while true {
                Thread.sleep(forTimeInterval: min(1, self.timeout / 4))
                self.stopIfOverdue()
            }
        }
        thread.name = "glean collective watchdog"
        thread.start()
    }

    /// Runs `body`, one collective named `operation`, under the watch.
    func watching<R>(_ operation: String, _ body: () -> R) -> R {
        lock.lock()
        self.operation = operation
        started = Date()
        lock.unlock()
        defer {
            lock.lock()
            self.operation = nil
            lock.unlock()
        }
        return body()
    }

    private func stopIfOverdue() {
        lock.lock()
        let waiting = operation.map { ($0, Date().timeIntervalSince(started)) }
        lock.unlock()
        guard let (operation, seconds) = waiting, seconds > timeout else { return }
        let message = String(format: "glean: %@ waited %.0f s in MPI %@ for the other ranks (GLEAN_COLLECTIVE_TIMEOUT=%g): another rank hangs, "
                             + "was stopped, or its host cannot be reached; stopping every rank\n", describe, seconds, operation, timeout)
        FileHandle.standardError.write(Data(message.utf8))
        _exit(1)
    }

    /// `GLEAN_COLLECTIVE_TIMEOUT` in seconds, 300 when unset; throws on a value that is not a
    /// positive number.
    static func timeoutFromEnvironment() throws -> Double {
        guard let text = ProcessInfo.processInfo.environment["GLEAN_COLLECTIVE_TIMEOUT"] else { return 300 }
        guard let seconds = Double(text), seconds > 0, seconds.isFinite else {
            throw DistributedError("GLEAN_COLLECTIVE_TIMEOUT must be a positive number of seconds, got '\(text)'")
        }
        return seconds
    }
}
