import Foundation
import PostgresNIO
import ProfileStoragePostgres

/// The PostgreSQL server the tests and the fault suite use: the one `scripts/test` starts (a throwaway cluster,
/// through `pg_virtualenv`) and names in `PROFILE_TEST_POSTGRES_URL`. Each caller gets a database of its own.
public enum TestPostgresServer {
    /// The variable naming the server, as a `postgres://` URL of a user allowed to create databases.
    public static let urlVariable = "PROFILE_TEST_POSTGRES_URL"

    /// Why no database could be made.
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    /// The server's settings.
    ///
    /// - Throws: ``Unavailable`` when `PROFILE_TEST_POSTGRES_URL` is not set: the PostgreSQL tests fail rather
    ///   than skip. `scripts/test` sets it.
    public static func settings() throws -> PostgresSettings {
        guard let url = ProcessInfo.processInfo.environment[urlVariable] else {
            throw Unavailable(
                description: "\(urlVariable) is not set: run the tests with scripts/test, which starts a throwaway PostgreSQL server")
        }
        return try PostgresSettings(url: url)
    }

    /// Creates an empty database with a name of its own on the server; returns its settings.
    public static func newDatabase() async throws -> PostgresSettings {
        try await newDatabase(on: try settings())
    }

    /// Creates an empty database with a name of its own on the server `settings` name; returns its settings.
    public static func newDatabase(on server: PostgresSettings) async throws -> PostgresSettings {
        var settings = server
        let name = "profile_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await withClient(settings) { client in try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)")) }
        settings.database = name
        return settings
    }

    /// Runs `body` with a client of `settings`, running for as long as `body` does: for reading or setting up a
    /// database from outside the service, as `psql` would.
    @discardableResult
    public static func withClient<T: Sendable>(
        _ settings: PostgresSettings, _ body: @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: settings.clientConfiguration)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    /// `settings` as a `PROFILE_DB_URL` value, password included.
    public static func url(of settings: PostgresSettings) -> String {
        let password = settings.password.map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: .urlPasswordAllowed) ?? $0) } ?? ""
        return "postgres://\(settings.user)\(password)@\(settings.host):\(settings.port)/\(settings.database)"
            + "?sslmode=\(settings.sslMode.rawValue)&application_name=\(settings.applicationName)"
    }
}
