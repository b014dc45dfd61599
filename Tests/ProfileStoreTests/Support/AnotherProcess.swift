import GRDB

@testable import ProfileStorageSQLite

extension TemporaryDirectory {
    /// Runs `body` in a write transaction of a connection of its own to the directory's database, as another process
    /// would, with that process's copy of the filter of `Index` (the ledger's, the user index's) made current.
    func asAnotherProcess<Index: BulkIndex, T>(_ body: (inout BulkIndexFilter<Index>, Database) throws -> T) throws -> T {
        let queue = try DatabaseQueue(path: databasePath)
        defer { try? queue.close() }
        return try queue.write { db in
            var filter = BulkIndexFilter<Index>()
            try filter.refresh(in: db)
            return try body(&filter, db)
        }
    }
}
