import ArgumentParser
import Foundation
import ProfileService
import ProfileStorageSQLite

/// `profile-svc db vacuum`: rewrites the SQLite database at `PROFILE_DB_PATH` with the page size new databases get,
/// packed, with the daemons stopped.
struct DatabaseVacuumCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vacuum",
        abstract: "Rewrite the SQLite database with the page size new databases get (4 KiB), packed. Stop the daemons first.",
        discussion: """
            A database keeps the page size it was created with; an earlier release created 8 KiB pages, which write \
            more bytes per event and read more per lookup in a large database (see docs/performance.md). This runs \
            SQLite's VACUUM on PROFILE_DB_PATH: atomic (interrupted, the file is as it was), about 25 s for 10M \
            profiles, needing free space of up to twice the file's size. It refuses while another process has the \
            file open. Exit codes: 0 done, 64 PROFILE_DB_URL is set (PostgreSQL needs no rewrite), 78 configuration, \
            69 the file is in use or cannot be rewritten.
            """
    )

    @OptionGroup var options: CommonOptions

    func run() async throws {
        try await exitingOnFailure {
            let configuration = try options.loadConfiguration()
            guard configuration.postgres == nil else {
                throw Failure(message: "PROFILE_DB_URL is set: db vacuum rewrites a SQLite file (PROFILE_DB_PATH)", code: 64)
            }
            let outcome: SQLiteFileRewrite.Outcome
            do {
                outcome = try SQLiteFileRewrite.rewrite(path: configuration.databasePath)
            } catch {
                throw Failure(message: "PROFILE_DB_PATH: cannot rewrite \(configuration.databasePath): \(error)", code: 69)
            }
            print(
                "rewrote \(configuration.databasePath) in \(String(format: "%.1f", outcome.seconds)) s: pages of "
                    + "\(outcome.pageSizeBefore) → \(outcome.pageSizeAfter) bytes, file \(outcome.bytesBefore) → \(outcome.bytesAfter) bytes"
            )
        }
    }
}
