import Foundation

/// A program started by a test, its standard output and error going to a log file; killed if the test
/// ends without stopping it.
public final class ChildProcess: Sendable {
    private let process: SpawnedProcess
    /// Where its standard output and error go.
    public let logFile: URL

    /// Starts `executable` in `directory`, its output going to `logFile` (created anew).
    public init(
        _ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
        directory: URL, logFile: URL
    ) throws {
        self.logFile = logFile
        guard FileManager.default.createFile(atPath: logFile.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        let log = try FileHandle(forWritingTo: logFile)
        defer { try? log.close() }
        process = try SpawnedProcess(
            executable, arguments, environment: environment, directory: directory, output: log.fileDescriptor)
    }

    deinit {
        process.kill()
    }

    public var isRunning: Bool { process.isRunning }

    /// What the program has written so far.
    public var log: String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }

    /// The last lines of the log, for failure messages.
    public func logTail(_ lines: Int = 30) -> String {
        log.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// Sends SIGTERM and waits up to `timeout` for the exit; returns the exit status (nil when killed by a
    /// signal, or when it had to be killed because it did not stop in time).
    public func terminate(within timeout: Duration) async throws -> Int32? {
        try await process.terminate(within: timeout)
    }

    /// `kill -9`, and waits for the exit: no shutdown of any kind.
    public func kill() {
        process.kill()
    }

    /// SIGSTOP: the program stands still (as in a long GC pause, or a VM frozen), its connections open, until
    /// ``thaw()``.
    public func freeze() {
        process.send(signal: SIGSTOP)
    }

    /// SIGCONT: a frozen program goes on where it stood.
    public func thaw() {
        process.send(signal: SIGCONT)
    }

    /// Sends `signal` (a program's own control: SIGHUP, SIGUSR1...).
    public func send(signal: Int32) {
        process.send(signal: signal)
    }

    /// Runs a short command to its end: its exit status and its standard output and error together.
    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil) throws -> (
        status: Int32, output: String
    ) {
        let pipe = Pipe()
        let process = try SpawnedProcess(
            executable, arguments, environment: environment, output: pipe.fileHandleForWriting.fileDescriptor)
        try pipe.fileHandleForWriting.close()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.exitStatus ?? -1, String(decoding: output, as: UTF8.self))
    }
}
