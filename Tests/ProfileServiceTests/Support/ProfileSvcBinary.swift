import Foundation
import TestSupport
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
        let process = try SpawnedProcess(
            try url(), arguments, environment: environment, directory: TemporaryDirectory.make(),
            output: FileHandle.nullDevice.fileDescriptor)
        return Running(process: process)
    }

    final class Running: Sendable {
        let process: SpawnedProcess

        init(process: SpawnedProcess) {
            self.process = process
        }

        deinit {
            process.kill()
        }

        /// SIGTERM, then the exit status once it has exited (nil: killed after 30 s, or ended by a signal).
        func terminate() async -> Int32? {
            (try? await process.terminate(within: .seconds(30))) ?? nil
        }
    }

    static func run(_ arguments: [String], environment: [String: String], executable: String = "profile-svc") async throws -> Result {
        let directory = TemporaryDirectory.make()
        let binary = try url(executable)
        let stdout = directory.appendingPathComponent("stdout")
        let stderr = directory.appendingPathComponent("stderr")
        #expect(FileManager.default.createFile(atPath: stdout.path, contents: nil))
        #expect(FileManager.default.createFile(atPath: stderr.path, contents: nil))
        let output = try FileHandle(forWritingTo: stdout), errors = try FileHandle(forWritingTo: stderr)
        let process = try SpawnedProcess(
            binary, arguments, environment: environment, directory: directory, output: output.fileDescriptor,
            errors: errors.fileDescriptor)
        try output.close()
        try errors.close()
        let status = try await process.exit() ?? -1
        return Result(
            status: status, stdout: try String(contentsOf: stdout, encoding: .utf8),
            stderr: try String(contentsOf: stderr, encoding: .utf8))
    }
}
