import Foundation
import GRDB
import Testing

@testable import ProfileStorageSQLite

/// The store's reader connections read the database file at random: a page they do not find in the page cache is read
/// alone, not with the pages after it, which the kernel reads ahead of what looks to it like a stream.
@Suite("Random read advice", .timeLimit(.minutes(1)))
struct RandomReadAdviceTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    @Test func aScanOnAReaderConnectionBringsNoPageOfTheNextTableIntoMemory() async throws {
        // Two tables of a row per page, written one after the other: the second's pages follow the first's in the file.
        let queue = try DatabaseQueue(path: directory.databasePath)
        let (first, second) = try await queue.write { db in
            var pages: [[Int]] = []
            for table in ["first", "second"] {
                try db.execute(sql: "CREATE TABLE \(table)(x BLOB)")
                try db.execute(
                    sql: """
                        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 256)
                        INSERT INTO \(table) SELECT randomblob(3000) FROM n
                        """)
                pages.append(try Int.fetchAll(db, sql: "SELECT pageno FROM dbstat WHERE name = ?", arguments: [table]))
            }
            return (pages[0], pages[1])
        }
        try queue.close()
        #expect(first.count > 256 && second.count > 256)
        #expect(first.max()! < second.min()!)
        var configuration = Configuration()
        configuration.adviseRandomReadsOnReaders()
        let pool = try DatabasePool(path: directory.databasePath, configuration: configuration)
        // A connection reads the file's header as it opens, before it can be advised, and the kernel reads ahead of
        // that read and marks the next pages to read further from when they are read. So the reader connection is
        // opened first (by a read of the schema), and then the file's pages, with those marks, are dropped.
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
        try PageCache.evict(directory.databasePath)
        try #require(
            try PageCache.residentPages(of: directory.databasePath).isDisjoint(with: first + second),
            "the temporary directory's file system keeps the file in memory: nothing here can be read from the disk")

        let bytes = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT sum(length(x)) FROM first") }
        try pool.close()

        #expect(bytes == 256 * 3000)
        let resident = try PageCache.residentPages(of: directory.databasePath)
        #expect(Set(first).isSubset(of: resident))
        #expect(resident.isDisjoint(with: second), "read ahead: \(resident.intersection(second).sorted())")
    }
}
