import CSQLite

/// A failure reported by SQLite (or by the layer for a misuse SQLite would not catch, such as a
/// wrong number of arguments or a NULL read as a non-optional value).
///
/// `resultCode` is the primary result code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT`, …),
/// `extendedCode` the extended one (`SQLITE_CONSTRAINT_UNIQUE`, …), `message` SQLite's own text
/// (`sqlite3_errmsg`), and `sql` the statement that failed, when there was one.
struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    let resultCode: Int32
    let extendedCode: Int32
    let message: String
    let sql: String?

    init(resultCode: Int32, extendedCode: Int32? = nil, message: String, sql: String? = nil) {
        self.resultCode = resultCode & 0xFF
        self.extendedCode = extendedCode ?? resultCode
        self.message = message
        self.sql = sql
    }

    /// The error SQLite holds for `connection` after a call returned `code`.
    init(code: Int32, connection: OpaquePointer?, sql: String? = nil) {
        let message: String
        if let connection, let text = sqlite3_errmsg(connection) {
            message = String(cString: text)
        } else if let text = sqlite3_errstr(code) {
            message = String(cString: text)
        } else {
            message = "SQLite error \(code)"
        }
        let extended = connection.map { sqlite3_extended_errcode($0) } ?? code
        self.init(resultCode: code, extendedCode: extended, message: message, sql: sql)
    }

    /// A value that cannot be read as the requested type (SQLite's own code for it).
    static func mismatch(_ message: String, sql: String?) -> SQLiteError {
        SQLiteError(resultCode: SQLITE_MISMATCH, message: message, sql: sql)
    }

    /// A call the layer refuses (closed pool, wrong argument count).
    static func misuse(_ message: String, sql: String? = nil) -> SQLiteError {
        SQLiteError(resultCode: SQLITE_MISUSE, message: message, sql: sql)
    }

    var description: String {
        var text = "SQLite error \(resultCode)"
        if extendedCode != resultCode { text += " (extended \(extendedCode))" }
        text += ": \(message)"
        if let sql { text += " — in \(sql.count > 200 ? String(sql.prefix(200)) + "…" : sql)" }
        return text
    }
}
