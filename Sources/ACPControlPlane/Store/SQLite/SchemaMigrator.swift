/// Applies numbered migrations, recording progress in `PRAGMA user_version` (the number of
/// migrations applied). Each migration runs in its own write transaction together with the
/// version bump, so a failed one leaves no trace and the file stays at the previous version.
///
/// Stores written by acpd's earlier GRDB-based layer carry the same `user_version` (each of
/// their migrations set it) plus GRDB's `grdb_migrations` table, which is left as it is; it is
/// only read to refuse a file that lists a migration this binary does not know.
struct SchemaMigrator {
    /// One migration: `identifier` is the name GRDB recorded it under.
    struct Migration {
        let identifier: String
        let apply: (Database) throws -> Void
    }

    private(set) var migrations: [Migration] = []

    /// The version a file has once every migration is applied.
    var latestVersion: Int { migrations.count }

    /// Appends a migration; it becomes version `migrations.count`.
    mutating func register(_ identifier: String, _ apply: @escaping (Database) throws -> Void) {
        migrations.append(Migration(identifier: identifier, apply: apply))
    }

    /// The version recorded in the file.
    static func version(_ db: Database) throws(SQLiteError) -> Int {
        try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
    }

    /// Applies the pending migrations up to version `target` (all when nil), one transaction each.
    func migrate(_ pool: ConnectionPool, upTo target: Int? = nil) throws {
        for (index, migration) in migrations.enumerated().prefix(target ?? migrations.count) {
            try pool.write { db in
                // Read inside the transaction: another process may have migrated meanwhile.
                guard try Self.version(db) <= index else { return }
                try migration.apply(db)
                try db.execute(sql: "PRAGMA user_version = \(index + 1)")
            }
        }
    }

    /// True when the file was written by a newer binary: a version above `latestVersion`, or a
    /// GRDB migration record this binary does not know.
    func hasBeenSuperseded(_ db: Database) throws(SQLiteError) -> Bool {
        if try Self.version(db) > latestVersion { return true }
        let hasGRDBTable = try Int.fetchOne(db, sql: """
            SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'grdb_migrations'
            """) ?? 0 > 0
        guard hasGRDBTable else { return false }
        let known = Set(migrations.map(\.identifier))
        return try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations").contains { !known.contains($0) }
    }
}
