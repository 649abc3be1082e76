/// The result columns of a statement: names in order and a name → index map, built once per
/// statement and shared by its rows (no per-row dictionary).
final class ColumnNames {
    let names: [String]
    private let exact: [String: Int]

    init(_ names: [String]) {
        self.names = names
        var exact: [String: Int] = [:]
        // The leftmost column wins when two share a name (`SELECT a.*, b.*`).
        for (index, name) in names.enumerated() where exact[name] == nil { exact[name] = index }
        self.exact = exact
    }

    /// The index of column `name` (exact match first, then ignoring ASCII case, as SQL does).
    func index(of name: String) -> Int? {
        if let index = exact[name] { return index }
        let lowered = name.lowercased()
        return names.firstIndex { $0.lowercased() == lowered }
    }
}

/// One result row, copied out of its statement (valid after the statement moved on).
///
/// Read a column by name or index as the type wanted: `let key: String = try row["key"]`,
/// `let label: String? = try row["label"]`. A NULL read as a non-optional, a missing column, or
/// a value that does not convert throws `SQLiteError` (`SQLITE_MISMATCH`).
struct Row {
    let values: [SQLiteValue]
    let columns: ColumnNames
    /// The statement that produced it (for errors).
    let sql: String

    /// The raw value of column `name`.
    func value(named name: String) throws(SQLiteError) -> SQLiteValue {
        guard let index = columns.index(of: name) else {
            throw .mismatch("no column named \(name) in the result", sql: sql)
        }
        return values[index]
    }

    private func value(at index: Int) throws(SQLiteError) -> SQLiteValue {
        guard values.indices.contains(index) else { throw .mismatch("no column at index \(index) in the result", sql: sql) }
        return values[index]
    }

    private func convert<T: SQLiteValueConvertible>(_ value: SQLiteValue, _ column: String) throws(SQLiteError) -> T {
        if value == .null { throw .mismatch("column \(column) is NULL, expected \(T.self)", sql: sql) }
        guard let converted = T(sqliteValue: value) else { throw .mismatch("column \(column) cannot be read as \(T.self)", sql: sql) }
        return converted
    }

    private func convertOptional<T: SQLiteValueConvertible>(_ value: SQLiteValue, _ column: String) throws(SQLiteError) -> T? {
        if value == .null { return nil }
        guard let converted = T(sqliteValue: value) else { throw .mismatch("column \(column) cannot be read as \(T.self)", sql: sql) }
        return converted
    }

    subscript<T: SQLiteValueConvertible>(_ name: String) -> T {
        get throws(SQLiteError) { try convert(value(named: name), name) }
    }

    subscript<T: SQLiteValueConvertible>(_ name: String) -> T? {
        get throws(SQLiteError) { try convertOptional(value(named: name), name) }
    }

    subscript<T: SQLiteValueConvertible>(_ index: Int) -> T {
        get throws(SQLiteError) { try convert(value(at: index), "#\(index)") }
    }

    subscript<T: SQLiteValueConvertible>(_ index: Int) -> T? {
        get throws(SQLiteError) { try convertOptional(value(at: index), "#\(index)") }
    }
}

// MARK: - Fetching

extension Row {
    /// The first row `statement` returns with `arguments`, or nil.
    static func fetchOne(_ statement: Statement, arguments: StatementArguments = []) throws(SQLiteError) -> Row? {
        try statement.start(arguments)
        defer { statement.reset() }
        return try statement.step() ? statement.currentRow() : nil
    }

    /// Every row `statement` returns with `arguments`.
    static func fetchAll(_ statement: Statement, arguments: StatementArguments = []) throws(SQLiteError) -> [Row] {
        try statement.start(arguments)
        defer { statement.reset() }
        var rows: [Row] = []
        while try statement.step() { rows.append(statement.currentRow()) }
        return rows
    }

    /// The first row of `sql` (prepared for this call only), or nil.
    static func fetchOne(_ db: Database, sql: String, arguments: StatementArguments = []) throws(SQLiteError) -> Row? {
        try fetchOne(db.makeStatement(sql: sql), arguments: arguments)
    }

    /// Every row of `sql` (prepared for this call only).
    static func fetchAll(_ db: Database, sql: String, arguments: StatementArguments = []) throws(SQLiteError) -> [Row] {
        try fetchAll(db.makeStatement(sql: sql), arguments: arguments)
    }
}

extension SQLiteValueConvertible {
    /// The first column of the first row, or nil when there is no row or the value is NULL.
    static func fetchOne(_ statement: Statement, arguments: StatementArguments = []) throws(SQLiteError) -> Self? {
        try statement.start(arguments)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        let value = statement.value(at: 0)
        if value == .null { return nil }
        guard let converted = Self(sqliteValue: value) else {
            throw .mismatch("the first column cannot be read as \(Self.self)", sql: statement.sql)
        }
        return converted
    }

    /// The first column of every row (a NULL one is an error).
    static func fetchAll(_ statement: Statement, arguments: StatementArguments = []) throws(SQLiteError) -> [Self] {
        try statement.start(arguments)
        defer { statement.reset() }
        var result: [Self] = []
        while try statement.step() {
            guard let converted = Self(sqliteValue: statement.value(at: 0)) else {
                throw .mismatch("a value of the first column cannot be read as \(Self.self)", sql: statement.sql)
            }
            result.append(converted)
        }
        return result
    }

    /// `fetchOne` of `sql`, prepared for this call only.
    static func fetchOne(_ db: Database, sql: String, arguments: StatementArguments = []) throws(SQLiteError) -> Self? {
        try fetchOne(db.makeStatement(sql: sql), arguments: arguments)
    }

    /// `fetchAll` of `sql`, prepared for this call only.
    static func fetchAll(_ db: Database, sql: String, arguments: StatementArguments = []) throws(SQLiteError) -> [Self] {
        try fetchAll(db.makeStatement(sql: sql), arguments: arguments)
    }
}
