import CSQLite

/// SQLite's `SQLITE_TRANSIENT` destructor: SQLite copies bound text and blobs before the bind
/// call returns, so Swift's buffers need not outlive it.
@inline(__always)
private var transientDestructor: sqlite3_destructor_type {
    unsafeBitCast(-1 as Int, to: sqlite3_destructor_type.self)
}

/// A prepared statement of one connection. Each use resets it, clears and rebinds its
/// parameters, and resets it again when done, so a statement kept in the connection's cache
/// holds no lock or snapshot between uses, also after a failed step.
///
/// Not thread-safe: it belongs to its connection, which the pool hands to one caller at a time.
final class Statement {
    let handle: OpaquePointer
    /// The SQL it was prepared from (for errors).
    let sql: String
    /// Column names, resolved once on first read.
    private var resolvedColumns: ColumnNames?

    init(handle: OpaquePointer, sql: String) {
        self.handle = handle
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    private var connection: OpaquePointer? { sqlite3_db_handle(handle) }

    /// The result columns and their name → index map (shared by every row read from it).
    var columns: ColumnNames {
        let count = Int(sqlite3_column_count(handle))
        // SQLite re-prepares a statement after a schema change, which may change `SELECT *`.
        if let resolvedColumns, resolvedColumns.names.count == count { return resolvedColumns }
        let names = (0..<count).map { index in sqlite3_column_name(handle, Int32(index)).map { String(cString: $0) } ?? "" }
        let resolved = ColumnNames(names)
        resolvedColumns = resolved
        return resolved
    }

    /// Runs the statement to completion with `arguments`, ignoring any rows.
    func execute(arguments: StatementArguments = []) throws(SQLiteError) {
        try start(arguments)
        defer { sqlite3_reset(handle) }
        while try step() {}
    }

    /// Resets the statement and binds `arguments`, ready for `step`.
    func start(_ arguments: StatementArguments) throws(SQLiteError) {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard arguments.values.count == expected else {
            throw SQLiteError(resultCode: SQLITE_RANGE,
                              message: "wrong number of statement arguments: \(arguments.values.count) given, \(expected) expected", sql: sql)
        }
        for (offset, value) in arguments.values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    /// Binds one value to parameter `index` (1-based).
    func bind(_ value: SQLiteValue, at index: Int32) throws(SQLiteError) {
        let code: Int32
        switch value {
        case .null:
            code = sqlite3_bind_null(handle, index)
        case .integer(let number):
            code = sqlite3_bind_int64(handle, index, number)
        case .real(let number):
            code = sqlite3_bind_double(handle, index, number)
        case .text(var text):
            code = text.withUTF8 { bytes in
                // An empty buffer may have no address; SQLite would read a NULL pointer as NULL.
                if bytes.isEmpty { return sqlite3_bind_text(handle, index, "", 0, transientDestructor) }
                return bytes.withMemoryRebound(to: CChar.self) { chars in
                    sqlite3_bind_text(handle, index, chars.baseAddress, Int32(chars.count), transientDestructor)
                }
            }
        case .blob(let bytes):
            if bytes.isEmpty {
                code = sqlite3_bind_zeroblob(handle, index, 0)
            } else {
                code = bytes.withUnsafeBytes { raw in
                    sqlite3_bind_blob(handle, index, raw.baseAddress, Int32(raw.count), transientDestructor)
                }
            }
        }
        guard code == SQLITE_OK else { throw SQLiteError(code: code, connection: connection, sql: sql) }
    }

    /// Ends the current use (releases what a half-read result holds); its error, if any, was
    /// already reported by `step`.
    func reset() {
        sqlite3_reset(handle)
    }

    /// Advances to the next row: true when there is one, false when the statement is done.
    func step() throws(SQLiteError) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code: throw SQLiteError(code: code, connection: connection, sql: sql)
        }
    }

    /// The value of column `index` (0-based) of the current row.
    func value(at index: Int32) -> SQLiteValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(handle, index))
        case SQLITE_TEXT:
            guard let text = sqlite3_column_text(handle, index) else { return .text("") }
            let count = Int(sqlite3_column_bytes(handle, index))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, index))
            guard count > 0, let bytes = sqlite3_column_blob(handle, index) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        default:
            return .null
        }
    }

    /// The current row, copied out of the statement.
    func currentRow() -> Row {
        let columns = self.columns
        var values: [SQLiteValue] = []
        values.reserveCapacity(columns.names.count)
        for index in 0..<Int32(columns.names.count) { values.append(value(at: index)) }
        return Row(values: values, columns: columns, sql: sql)
    }
}
