import GRDB
import GRDBSQLite

/// One execution of a prepared GRDB statement, with its values bound through SQLite's C API (copied by
/// SQLite, so they need not outlive the call). For statements that run once per event or per lookup.
struct RawStatement {
    private let statement: SQLiteStatement
    private let db: Database

    /// Resets `statement` for a new execution.
    init(_ statement: Statement, _ db: Database) {
        self.statement = statement.sqliteStatement
        self.db = db
        sqlite3_reset(self.statement)
    }

    func blob(_ index: Int32, _ bytes: UnsafeRawBufferPointer) -> Self {
        sqlite3_bind_blob(statement, index, bytes.baseAddress, Int32(bytes.count), Self.transient)
        return self
    }

    func text(_ index: Int32, _ text: String) -> Self {
        var text = text
        _ = text.withUTF8 { sqlite3_bind_text(statement, index, $0.baseAddress, Int32($0.count), Self.transient) }
        return self
    }

    func optionalText(_ index: Int32, _ text: String?) -> Self {
        guard let text else {
            sqlite3_bind_null(statement, index)
            return self
        }
        return self.text(index, text)
    }

    func integer(_ index: Int32, _ value: Int64) -> Self {
        sqlite3_bind_int64(statement, index, value)
        return self
    }

    /// Executes a query; its first row's first column as an integer, nil when it has no row. The statement is reset
    /// at once: one left on a row would hold its read snapshot past the transaction's end.
    func firstInteger() throws -> Int64? {
        defer { sqlite3_reset(statement) }
        let code = sqlite3_step(statement)
        switch code {
        case SQLITE_ROW: return sqlite3_column_int64(statement, 0)
        case SQLITE_DONE: return nil
        default:
            throw error(code)
        }
    }

    /// Executes a query; its first row as `body` reads it (the row's values are valid during the call only), nil when
    /// it has no row. The statement is reset at once, as in ``firstInteger()``.
    func firstRow<T>(_ body: (RawRow) throws -> T) throws -> T? {
        defer { sqlite3_reset(statement) }
        let code = sqlite3_step(statement)
        switch code {
        case SQLITE_ROW: return try body(RawRow(statement: statement))
        case SQLITE_DONE: return nil
        default:
            throw error(code)
        }
    }

    /// Executes a query, calling `body` with the bytes of each row's first column (a blob), valid during the call.
    func forEachBlob(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        defer { sqlite3_reset(statement) }
        while true {
            switch sqlite3_step(statement) {
            case SQLITE_ROW:
                let bytes = sqlite3_column_blob(statement, 0)
                try body(UnsafeRawBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(statement, 0))))
            case SQLITE_DONE: return
            case let code:
                throw error(code)
            }
        }
    }

    /// Executes a query, calling `body` with each row's first column as an integer.
    func forEachInteger(_ body: (Int64) throws -> Void) throws {
        defer { sqlite3_reset(statement) }
        while true {
            switch sqlite3_step(statement) {
            case SQLITE_ROW: try body(sqlite3_column_int64(statement, 0))
            case SQLITE_DONE: return
            case let code: throw error(code)
            }
        }
    }

    /// Executes the statement; true when it changed a row.
    func run() throws -> Bool {
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE else {
            throw error(code)
        }
        return sqlite3_changes(db.sqliteConnection) > 0
    }

    /// The error of the failed step that returned `code`.
    private func error(_ code: Int32) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
    }

    /// SQLite's `SQLITE_TRANSIENT`: copy the bound bytes.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
