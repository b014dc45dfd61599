/// A read of the SQLite store (a lookup, a readiness check) that did not end within its deadline
/// (`SQLiteProfileStore.Options.readTimeout`, `PROFILE_DB_READ_TIMEOUT`): the database is held by another process
/// or its file system does not answer. The HTTP API answers 503 for it.
public struct SQLiteReadTimeout: Error, Sendable, CustomStringConvertible {
    /// The database file.
    public var path: String
    /// The deadline that passed.
    public var timeout: Duration

    public var description: String {
        "no answer from the SQLite database at \(path) within \(timeout) (its locks held by another process, or its disk not answering)"
    }
}
