import Foundation
import TestSupport
import Testing

/// The built `profile-svc demo` as a newcomer runs it: the same settings as `run` (environment over the file),
/// its flags over them, its own embedded broker.
@Suite("Demo from the command line", .timeLimit(.minutes(2)))
struct DemoCommandLineTests {
    @Test func demoReadsHTTPPortAndTheDatabasePathFromTheConfigurationAndItsFlagsWin() async throws {
        let directory = TemporaryDirectory.make()
        let file = directory.appendingPathComponent("demo.env")
        let fromFile = try LocalPort.free()
        try "HTTP_PORT=\(fromFile)\r\nPROFILE_DB_PATH=\(directory.path)/from-file.sqlite\r\nLOG_LEVEL=warning\r\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let fromEnvironment = try LocalPort.free()

        // The environment over the file, as for `run`.
        // Polled: the demo is another process, whose readiness shows only in its HTTP answers.
        try await withDemo(["--config", file.path], environment: ["HTTP_PORT": String(fromEnvironment)]) {
            try await eventually(timeout: .seconds(60), "the demo serving on HTTP_PORT from the environment") {
                (try? await DaemonHTTP(port: fromEnvironment, token: nil).get("/readyz").status) == .ok
            }
            #expect(FileManager.default.fileExists(atPath: directory.path + "/from-file.sqlite"), "PROFILE_DB_PATH from the file")
        }
        // The flags over both.
        let fromFlag = try LocalPort.free()
        try await withDemo(
            ["--config", file.path, "--port", String(fromFlag), "--db-path", directory.path + "/from-flag.sqlite"],
            environment: ["HTTP_PORT": String(fromEnvironment)]
        ) {
            try await eventually(timeout: .seconds(60), "the demo serving on --port") {
                (try? await DaemonHTTP(port: fromFlag, token: nil).get("/readyz").status) == .ok
            }
            #expect(FileManager.default.fileExists(atPath: directory.path + "/from-flag.sqlite"))
        }
    }

    /// Runs `profile-svc demo arguments` while `body` runs, then stops it with SIGTERM and expects exit 0.
    private func withDemo(_ arguments: [String], environment: [String: String], _ body: () async throws -> Void) async throws {
        let demo = try ProfileSvcBinary.start(["demo"] + arguments, environment: environment)
        do {
            try await body()
        } catch {
            _ = await demo.terminate()
            throw error
        }
        #expect(await demo.terminate() == 0)
    }
}
