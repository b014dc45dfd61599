import Foundation
import PostgresSupport
import ProfileStoragePostgres
import TestSupport

/// A PostgreSQL server on a host of the lab: a cluster of its own (`initdb` in the scenario's directory), listening
/// on the host's address, trusting the lab's network, run as the `postgres` user (the server refuses root).
final class LabPostgres: Sendable {
    /// The superuser's settings for the server's `postgres` database.
    let settings: PostgresSettings
    private let process: ChildProcess

    init(on host: ServerHost, directory: URL) async throws {
        let binaries = try Self.binaries()
        let data = directory.appendingPathComponent("pgdata")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try runSetupCommand(URL(fileURLWithPath: "/usr/bin/chown"), ["postgres:postgres", data.path])
        try runSetupCommand(
            Self.setpriv,
            Self.asPostgres + [
                binaries.appendingPathComponent("initdb").path, "-D", data.path, "-U", "postgres", "-A", "trust", "--no-sync",
            ])
        let access = try FileHandle(forWritingTo: data.appendingPathComponent("pg_hba.conf"))
        access.seekToEndOfFile()
        access.write(Data("host all all 10.231.0.0/16 trust\n".utf8))
        try access.close()
        let (executable, arguments) = host.command(
            Self.setpriv,
            Self.asPostgres + [
                binaries.appendingPathComponent("postgres").path, "-D", data.path, "-c", "listen_addresses=\(host.address)",
                "-c", "unix_socket_directories=\(data.path)", "-c", "fsync=off", "-c", "max_connections=200",
            ])
        process = try ChildProcess(executable, arguments, directory: directory, logFile: directory.appendingPathComponent("postgres.log"))
        let process = process
        try await eventually(timeout: .seconds(30), "PostgreSQL to accept connections on \(host.address):5432") {
            guard process.isRunning else { throw SuiteError("PostgreSQL exited:\n\(process.logTail())") }
            return LocalPort.accepts(5432, on: host.address)
        }
        settings = try PostgresSettings(url: "postgres://postgres@\(host.address):5432/postgres?sslmode=disable")
    }

    /// Creates an empty database with a name of its own; returns its settings.
    func newDatabase() async throws -> PostgresSettings {
        try await TestPostgresServer.newDatabase(on: settings)
    }

    func stop() async {
        _ = try? await process.terminate(within: .seconds(10))
    }

    /// The newest installed server's programs (Debian's /usr/lib/postgresql/<version>/bin).
    private static func binaries() throws -> URL {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        guard let newest = versions.compactMap(Int.init).max() else {
            throw SuiteError("no PostgreSQL server in /usr/lib/postgresql: scripts/install-deps --test installs it")
        }
        return root.appendingPathComponent("\(newest)/bin")
    }

    private static let setpriv = URL(fileURLWithPath: "/usr/bin/setpriv")
    private static let asPostgres = ["--reuid=postgres", "--regid=postgres", "--init-groups", "--"]
}
