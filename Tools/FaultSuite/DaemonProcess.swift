import Foundation
import TestSupport

/// One `profile-svc run` child process: started with its environment in its own directory (so no
/// `config/profile-svc.env` is picked up), its JSON log lines appended to a file, stopped with SIGTERM or SIGKILL.
final class DaemonProcess: @unchecked Sendable {
    let name: String
    let environment: DaemonEnvironment
    let logURL: URL
    private let process: SpawnedProcess

    var pid: Int32 { process.pid }
    var isRunning: Bool { process.isRunning }
    var httpPort: Int { environment.httpPort }
    /// The address its HTTP API listens on.
    var address: String { environment.address }

    private init(name: String, environment: DaemonEnvironment, logURL: URL, process: SpawnedProcess) {
        self.name = name
        self.environment = environment
        self.logURL = logURL
        self.process = process
    }

    /// Starts `profile-svc run` on `host`.
    static func start(
        binary: URL, environment: DaemonEnvironment, name: String, logDirectory directory: URL, on host: ServerHost = .local
    ) throws -> DaemonProcess {
        let logURL = directory.appendingPathComponent("\(name).log")
        if !FileManager.default.fileExists(atPath: logURL.path) {
            _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: logURL)
        log.seekToEndOfFile()
        defer { try? log.close() }
        let (executable, arguments) = host.command(binary, ["run"])
        let process = try SpawnedProcess(
            executable, arguments, environment: environment.variables, directory: directory, output: log.fileDescriptor)
        return DaemonProcess(name: name, environment: environment, logURL: logURL, process: process)
    }

    /// `kill -9`: no shutdown of any kind.
    func kill() {
        process.kill()
    }

    /// SIGSTOP: the process stands still (as in a long GC pause, or a VM frozen), its connections open, until
    /// ``thaw()``.
    func freeze() {
        Foundation.kill(pid, SIGSTOP)
    }

    /// SIGCONT: a frozen process goes on where it stood, unaware of the time that passed.
    func thaw() {
        Foundation.kill(pid, SIGCONT)
    }

    /// SIGTERM, then waits up to `timeout` for the exit; returns the exit status (nil if it had to be killed).
    @discardableResult
    func terminate(timeout: Duration = .seconds(40)) async -> Int32? {
        (try? await process.terminate(within: timeout)) ?? nil
    }

    /// The resident set now and its high-water mark, in KiB (`VmRSS`, `VmHWM` of /proc/PID/status).
    func memory() -> (rssKiB: Int, peakKiB: Int)? {
        guard process.isRunning, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func field(_ name: String) -> Int? {
            status.split(separator: "\n").first { $0.hasPrefix(name + ":") }
                .flatMap { line in line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap { Int($0) } }
        }
        guard let rss = field("VmRSS"), let peak = field("VmHWM") else { return nil }
        return (rss, peak)
    }

    /// The daemon's log lines that contain any of `texts`.
    func logLines(containing texts: String...) -> [String] {
        guard let log = try? String(contentsOf: logURL, encoding: .utf8) else { return [] }
        return log.split(separator: "\n").filter { line in texts.contains { line.contains($0) } }.map(String.init)
    }
}
