import GRDB
import GRDBSQLite

/// The row a ``RawStatement`` stands on, its columns read through SQLite's C API: no copy of the row and no decoding
/// by column name, for the lookup that runs once per request.
struct RawRow {
    let statement: SQLiteStatement

    /// Column `index` as text; nil when it is NULL.
    func optionalText(_ index: Int32) -> String? {
        // `sqlite3_column_text` first: it converts the value, then `sqlite3_column_bytes` gives the converted length.
        guard let characters = sqlite3_column_text(statement, index) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: characters, count: Int(sqlite3_column_bytes(statement, index))), as: UTF8.self)
    }

    /// Column `index` as text, of a column that is `NOT NULL`.
    func text(_ index: Int32) -> String {
        optionalText(index) ?? ""
    }

    /// Column `index` as an integer.
    func integer(_ index: Int32) -> Int64 {
        sqlite3_column_int64(statement, index)
    }

    /// Column `index`'s bytes (a blob), valid until the statement moves on.
    func blob(_ index: Int32) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: sqlite3_column_blob(statement, index), count: Int(sqlite3_column_bytes(statement, index)))
    }
}
