import Foundation
import Logging
import PostgresSupport
import ProfileStorage
import ProfileStoragePostgres
import ProfileStorageSQLite
import TestSupport
import Testing

/// The two implementations of ``ProfileStore``; the store suites run against each.
enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgresql

    var testDescription: String { rawValue }

    /// A new, empty store: a file in a directory of its own, or a database of its own on the test server.
    func open() async throws -> TestStore {
        switch self {
        case .sqlite:
            let directory = try TemporaryDirectory()
            return TestStore(
                try SQLiteProfileStore(path: directory.databasePath), location: .file(directory.databasePath), keeping: directory)
        case .postgresql:
            var settings = try await TestPostgresServer.newDatabase()
            // As long as a SQLite store opened without PROFILE_DB_READ_TIMEOUT waits: these tests are about what is
            // stored, and a loaded machine running them in parallel can take longer than the service's 800 ms for a
            // read. PostgresStoreTests test the deadline itself.
            settings.readTimeout = .seconds(30)
            let store = TestStore(PostgresProfileStore(settings: settings, logger: Logger(label: "test")), location: .postgres(settings))
            try await store.migrated()
            return store
        }
    }
}

/// A store opened for one test, running (``ProfileStore/run()``) until the test lets go of it, then stopped and closed.
final class TestStore: Sendable {
    /// Where a store keeps its data, for a test to reach it from outside the store.
    enum Location: Sendable {
        case file(String)
        case postgres(PostgresSettings)
    }

    let storage: any ProfileStore
    let location: Location
    private let directory: TemporaryDirectory?
    private let running: Task<Void, any Error>

    init(_ storage: any ProfileStore, location: Location, keeping directory: TemporaryDirectory? = nil) {
        self.storage = storage
        self.location = location
        self.directory = directory
        running = Task { try await storage.run() }
    }

    deinit {
        running.cancel()
    }

    /// Returns once the store answers a read: PostgreSQL's once its schema is migrated. (A read itself waits for the
    /// migration only until its deadline, 1 s, which a loaded machine may pass.)
    func migrated() async throws {
        try await eventually("the store to answer a read") { (try? await storage.ping()) != nil }
    }
}
