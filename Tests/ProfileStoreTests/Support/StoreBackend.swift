import Foundation
import Logging
import PostgresSupport
import ProfileStore
import ProfileStorePostgres
import Testing

/// The two implementations of ``ProfileStorage``; the store suites run against each.
enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgresql

    var testDescription: String { rawValue }

    /// A new, empty store: a file in a directory of its own, or a database of its own on the test server.
    func open() async throws -> TestStore {
        switch self {
        case .sqlite:
            let directory = try TemporaryDirectory()
            return TestStore(try ProfileDatabase(path: directory.databasePath), keeping: directory)
        case .postgresql:
            return TestStore(PostgresProfileStore(settings: try await TestPostgresServer.newDatabase(), logger: Logger(label: "test")))
        }
    }
}

/// A store opened for one test, closed when the test lets go of it.
final class TestStore: Sendable {
    let storage: any ProfileStorage
    private let directory: TemporaryDirectory?

    init(_ storage: any ProfileStorage, keeping directory: TemporaryDirectory? = nil) {
        self.storage = storage
        self.directory = directory
    }

    deinit {
        try? storage.close()
    }
}
