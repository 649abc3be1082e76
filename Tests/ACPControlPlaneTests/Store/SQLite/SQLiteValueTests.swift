@testable import ACPControlPlane
import Foundation
import Testing

/// Binding and reading every value type the store uses, through real statements.
@Suite("SQLite layer: values, binding, rows")
struct SQLiteValueTests {
    @Test func everyTypeRoundTripsIncludingNullBlobsAndUnicode() async throws {
        try await withTestPool { pool, _ in
            let text = "héllo wörld ✓ 🚀 \u{0} end"  // an embedded NUL survives: lengths are explicit
            let blob: [UInt8] = [0, 1, 2, 255, 0]
            try pool.write { db in
                try db.execute(sql: "CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, f INTEGER, n TEXT, e TEXT, z BLOB)")
                try db.execute(sql: "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                               arguments: [Int64.max, 1.5, text, blob, true, nil as String?, "", [UInt8]()])
            }
            let row = try #require(try pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM t") })
            #expect(try row["i"] as Int64 == .max)
            #expect(try row["r"] as Double == 1.5)
            #expect(try row["s"] as String == text)
            #expect(try row["b"] as [UInt8] == blob)
            #expect(try row["f"] as Bool == true)
            #expect(try row["f"] as Int == 1)
            #expect(try row["n"] as String? == nil)
            #expect(try row["e"] as String == "")
            #expect(try row["e"] as String? == "")
            #expect(try row["z"] as [UInt8] == [])
            #expect(try row[2] as String == text)
            #expect(try row["S"] as String == text, "column names match ignoring case, as in SQL")
            // An integer column read as Double converts; a NULL read as non-optional throws.
            #expect(try row["i"] as Double == Double(Int64.max))
            #expect(throws: SQLiteError.self) { try row["n"] as String }
            #expect(throws: SQLiteError.self) { try row["missing"] as String? }
            #expect(throws: SQLiteError.self) { try row["b"] as Int }
        }
    }

    @Test("scalar fetches", arguments: [
        ("SELECT 42", StatementArguments(), SQLiteValue.integer(42)),
        ("SELECT ?", [3.25] as StatementArguments, .real(3.25)),
        ("SELECT ?", ["ünïcode"] as StatementArguments, .text("ünïcode")),
        ("SELECT NULL", [] as StatementArguments, .null),
        ("SELECT ? || ?", ["a", 1] as StatementArguments, .text("a1")),
    ])
    func scalarFetches(sql: String, arguments: StatementArguments, expected: SQLiteValue) async throws {
        try await withTestPool { pool, _ in
            let value = try pool.read { db in try SQLiteValue.fetchOne(db, sql: sql, arguments: arguments) }
            #expect((value ?? .null) == expected)
        }
    }

    @Test func fetchAllAndArgumentsBuiltInPieces() async throws {
        try await withTestPool { pool, _ in
            try pool.write { db in
                try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
                for name in ["a", "b", "c", "d"] { try db.execute(sql: "INSERT INTO t (name) VALUES (?)", arguments: [name]) }
            }
            var arguments: StatementArguments = [1]
            arguments += StatementArguments(["b", "d"])
            let names = try pool.read { db in
                try String.fetchAll(db, sql: "SELECT name FROM t WHERE id > ? AND name IN (?, ?) ORDER BY id", arguments: arguments)
            }
            #expect(names == ["b", "d"])
            let rows = try pool.read { db in try Row.fetchAll(db, sql: "SELECT id, name FROM t ORDER BY id DESC") }
            #expect(try rows.map { try $0["id"] as Int64 } == [4, 3, 2, 1])
            #expect(try pool.read { db in try Int.fetchOne(db, sql: "SELECT id FROM t WHERE name = 'zz'") } == nil)
        }
    }

    @Test func wrongArgumentCountIsAnErrorNotAGuess() async throws {
        try await withTestPool { pool, _ in
            let error = #expect(throws: SQLiteError.self) {
                try pool.read { db in try Int.fetchOne(db, sql: "SELECT ? + ?", arguments: [1]) }
            }
            #expect(error?.sql == "SELECT ? + ?")
            #expect(throws: SQLiteError.self) {
                try pool.write { db in try db.execute(sql: "SELECT 1; SELECT ?", arguments: [1, 2]) }
            }
        }
    }

    @Test func multiStatementScriptsRunInOrderConsumingArguments() async throws {
        try await withTestPool { pool, _ in
            try pool.write { db in
                try db.execute(sql: """
                    CREATE TABLE t (x INTEGER); -- a comment
                    INSERT INTO t VALUES (?);
                    INSERT INTO t VALUES (?), (?);
                    """, arguments: [1, 2, 3])
            }
            #expect(try pool.read { db in try Int.fetchAll(db, sql: "SELECT x FROM t ORDER BY x") } == [1, 2, 3])
        }
    }

    @Test func errorsCarryCodesMessageAndSQL() async throws {
        try await withTestPool { pool, _ in
            try pool.write { db in try db.execute(sql: "CREATE TABLE t (k TEXT PRIMARY KEY)") }
            try pool.write { db in try db.execute(sql: "INSERT INTO t VALUES ('a')") }
            let error = #expect(throws: SQLiteError.self) {
                try pool.write { db in try db.execute(sql: "INSERT INTO t VALUES ('a')") }
            }
            #expect(error?.resultCode == 19)  // SQLITE_CONSTRAINT
            #expect(error?.extendedCode == 1555)  // SQLITE_CONSTRAINT_PRIMARYKEY
            #expect(error?.message.contains("UNIQUE constraint failed") == true)
            #expect(error?.sql == "INSERT INTO t VALUES ('a')")
            #expect(ControlPlaneStore.describe(try #require(error)) == error?.message)
        }
    }
}
