/// One SQLite value, as bound to a statement parameter or read from a result column.
enum SQLiteValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// A Swift type that converts to and from an SQLite value: the types the store binds as
/// arguments and reads from rows.
protocol SQLiteValueConvertible {
    /// The value to bind.
    var sqliteValue: SQLiteValue { get }
    /// The Swift value of a stored one; nil when it is NULL or cannot be read as `Self`.
    init?(sqliteValue: SQLiteValue)
}

extension SQLiteValue: SQLiteValueConvertible {
    var sqliteValue: SQLiteValue { self }
    init?(sqliteValue: SQLiteValue) { self = sqliteValue }
}

extension Int64: SQLiteValueConvertible {
    var sqliteValue: SQLiteValue { .integer(self) }
    init?(sqliteValue: SQLiteValue) {
        switch sqliteValue {
        case .integer(let value): self = value
        case .real(let value): guard let exact = Int64(exactly: value) else { return nil }; self = exact
        case .text(let text): guard let parsed = Int64(text) else { return nil }; self = parsed
        case .null, .blob: return nil
        }
    }
}

extension Int: SQLiteValueConvertible {
    var sqliteValue: SQLiteValue { .integer(Int64(self)) }
    init?(sqliteValue: SQLiteValue) {
        guard let wide = Int64(sqliteValue: sqliteValue), let value = Int(exactly: wide) else { return nil }
        self = value
    }
}

extension Int32: SQLiteValueConvertible {
    var sqliteValue: SQLiteValue { .integer(Int64(self)) }
    init?(sqliteValue: SQLiteValue) {
        guard let wide = Int64(sqliteValue: sqliteValue), let value = Int32(exactly: wide) else { return nil }
        self = value
    }
}

extension Double: SQLiteValueConvertible {
    var sqliteValue: SQLiteValue { .real(self) }
    init?(sqliteValue: SQLiteValue) {
        switch sqliteValue {
        case .real(let value): self = value
        case .integer(let value): self = Double(value)
        case .text(let text): guard let parsed = Double(text) else { return nil }; self = parsed
        case .null, .blob: return nil
        }
    }
}

extension Bool: SQLiteValueConvertible {
    /// Stored as SQLite stores booleans: 1 or 0.
    var sqliteValue: SQLiteValue { .integer(self ? 1 : 0) }
    init?(sqliteValue: SQLiteValue) {
        switch sqliteValue {
        case .integer(let value): self = value != 0
        case .real(let value): self = value != 0
        case .null, .text, .blob: return nil
        }
    }
}

extension String: SQLiteValueConvertible {
    var sqliteValue: SQLiteValue { .text(self) }
    init?(sqliteValue: SQLiteValue) {
        switch sqliteValue {
        case .text(let text): self = text
        case .blob(let bytes): self = String(decoding: bytes, as: UTF8.self)
        case .null, .integer, .real: return nil
        }
    }
}

extension [UInt8]: SQLiteValueConvertible {
    /// Bytes are stored as a BLOB.
    var sqliteValue: SQLiteValue { .blob(self) }
    init?(sqliteValue: SQLiteValue) {
        switch sqliteValue {
        case .blob(let bytes): self = bytes
        case .text(let text): self = Array(text.utf8)
        case .null, .integer, .real: return nil
        }
    }
}

/// The values bound to a statement's `?` parameters, in order. Written as an array literal of
/// convertible values and `nil`: `[key.rawValue, label, 3, nil]` (an optional that is nil binds NULL).
struct StatementArguments: ExpressibleByArrayLiteral, Sendable, Equatable {
    var values: [SQLiteValue]

    init(arrayLiteral elements: (any SQLiteValueConvertible)?...) {
        values = elements.map { $0?.sqliteValue ?? .null }
    }

    /// Arguments from a sequence of values of one type.
    init<S: Sequence>(_ sequence: S) where S.Element: SQLiteValueConvertible {
        values = sequence.map(\.sqliteValue)
    }

    init(values: [SQLiteValue]) {
        self.values = values
    }

    var isEmpty: Bool { values.isEmpty }

    static func += (lhs: inout StatementArguments, rhs: StatementArguments) {
        lhs.values += rhs.values
    }

    static func + (lhs: StatementArguments, rhs: StatementArguments) -> StatementArguments {
        StatementArguments(values: lhs.values + rhs.values)
    }
}
