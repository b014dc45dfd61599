import Foundation
import Testing

/// Runs the `profile-svc` binary (or another executable of the package, such as `profile-bench`) built next to the
/// test bundle, in an empty working directory.
enum ProfileSvcBinary {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The executable `name` next to the test bundle.
    static func url(_ name: String = "profile-svc") throws -> URL {
        let binary = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent(name)
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the \(name) product first: \(binary.path)")
        return binary
    }

    /// A long-running command (`run`, `demo`), its output discarded, until ``Running/terminate()``.
    static func start(_ arguments: [String], environment: [String: String]) throws -> Running {
        let process = Process()
        process.executableURL = try url()
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = TemporaryDirectory.make()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let (exited, exit) = AsyncStream<Int32>.makeStream(bufferingPolicy: .bufferingNewest(1))
        process.terminationHandler = {
            exit.yield($0.terminationStatus); exit.finish()
        }
        try process.run()
        return Running(process: process, exited: exited)
    }

    final class Running: @unchecked Sendable {
        let process: Process
        /// The exit status, once the process has exited.
        private let exited: AsyncStream<Int32>

        init(process: Process, exited: AsyncStream<Int32>) {
            self.process = process
            self.exited = exited
        }

        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }

        /// SIGTERM, then the exit status once it has exited (nil: killed after 30 s).
        func terminate() async -> Int32? {
            process.terminate()
            let status = await withTaskGroup(of: Int32?.self) { [exited] group in
                group.addTask { await exited.first { _ in true } }
                group.addTask {
                    try? await Task.sleep(for: .seconds(30)); return nil
                }
                let first = await group.next() ?? nil
                group.cancelAll()
                return first
            }
            if status == nil { kill(process.processIdentifier, SIGKILL) }
            return status
        }
    }

    static func run(_ arguments: [String], environment: [String: String], executable: String = "profile-svc") async throws -> Result {
        let directory = TemporaryDirectory.make()
        let binary = try url(executable)
        let stdout = directory.appendingPathComponent("stdout")
        let stderr = directory.appendingPathComponent("stderr")
        #expect(FileManager.default.createFile(atPath: stdout.path, contents: nil))
        #expect(FileManager.default.createFile(atPath: stderr.path, contents: nil))
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = directory
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        return Result(
            status: status, stdout: try String(contentsOf: stdout, encoding: .utf8),
            stderr: try String(contentsOf: stderr, encoding: .utf8))
    }
}
