#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A scoped idempotency key: `scope` is per channel account (e.g. `telegram:default`), `key` the
/// platform message id or the client's `Idempotency-Key`.
public struct IdempotencyKey: Hashable, Sendable, CustomStringConvertible {
    public let scope: String
    public let key: String

    public init(scope: String, key: String) {
        self.scope = scope
        self.key = key
    }

    public var description: String { "\(scope)/\(key)" }
}

/// The answer of `reserve`: what the caller must do with the command.
public enum IdempotencyReservation: Sendable, Equatable {
    /// First time seen: run the command, then `complete` (or `release` to allow a retry).
    case new
    /// Another caller is running it right now: do nothing (or answer "in progress").
    case inProgress
    /// Already done: answer with this stored result and start nothing.
    case completed(result: String)
}

/// Statements on `acp_idempotency`. Entries live `ttl` after their creation; an expired entry
/// counts as absent. `in_progress` entries left by a crashed process are removed at recovery,
/// so the interrupted command can run again (its effects were never committed, or they were
/// committed together with the completion in one transaction).
enum IdempotencyTable {
    static func reserve(_ db: Database, _ key: IdempotencyKey, ttl: TimeInterval, at time: Double) throws -> IdempotencyReservation {
        if let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT state, result, created_at FROM acp_idempotency WHERE scope = ? AND key = ?"),
                                      arguments: [key.scope, key.key]) {
            let created: Double = try row["created_at"]
            if created + ttl > time {
                let state: String = try row["state"]
                if state == "completed" { return .completed(result: try row["result"] ?? "") }
                return .inProgress
            }
            try db.cachedStatement(sql: "DELETE FROM acp_idempotency WHERE scope = ? AND key = ?").execute(arguments: [key.scope, key.key])
        }
        try db.cachedStatement(sql: "INSERT INTO acp_idempotency (scope, key, state, created_at) VALUES (?, ?, 'in_progress', ?)").execute(arguments: [key.scope, key.key, time])
        return .new
    }

    /// Records the result. Works whether or not the key was reserved first (a command that
    /// completes in the same transaction as its effects may skip `reserve`).
    static func complete(_ db: Database, _ key: IdempotencyKey, result: String, at time: Double) throws {
        try db.cachedStatement(sql: """
            INSERT INTO acp_idempotency (scope, key, state, result, created_at, completed_at) VALUES (?, ?, 'completed', ?, ?, ?)
            ON CONFLICT (scope, key) DO UPDATE SET state = 'completed', result = excluded.result, completed_at = excluded.completed_at
            """).execute(arguments: [key.scope, key.key, result, time, time])
    }

    /// The stored result of a completed, unexpired key; nil otherwise (reservations in progress included).
    static func completedResult(_ db: Database, _ key: IdempotencyKey, ttl: TimeInterval, at time: Double) throws -> String? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT state, result, created_at FROM acp_idempotency WHERE scope = ? AND key = ?"),
                                         arguments: [key.scope, key.key]) else { return nil }
        let created: Double = try row["created_at"]
        let state: String = try row["state"]
        guard state == "completed", created + ttl > time else { return nil }
        return try row["result"] ?? ""
    }

    static func release(_ db: Database, _ key: IdempotencyKey) throws {
        try db.cachedStatement(sql: "DELETE FROM acp_idempotency WHERE scope = ? AND key = ? AND state = 'in_progress'").execute(arguments: [key.scope, key.key])
    }

    static func purge(_ db: Database, olderThan cutoff: Double) throws -> Int {
        try db.cachedStatement(sql: "DELETE FROM acp_idempotency WHERE created_at <= ?").execute(arguments: [cutoff])
        return db.changesCount
    }

    static func dropInProgress(_ db: Database) throws -> Int {
        try db.cachedStatement(sql: "DELETE FROM acp_idempotency WHERE state = 'in_progress'").execute()
        return db.changesCount
    }
}

extension ControlPlaneStore {
    /// Reserves `key`: `.new` (now in progress, owned by the caller), `.inProgress`, or
    /// `.completed(result)` for a replay. Durable; `ttl` is `acp.idempotency.ttlHours`.
    public func reserve(_ key: IdempotencyKey, ttl: TimeInterval) throws -> IdempotencyReservation {
        let time = timestamp
        return try write { db in try IdempotencyTable.reserve(db, key, ttl: ttl, at: time) }
    }

    /// The result stored under `key` when it is completed and younger than `ttl`; nil otherwise
    /// (absent, expired, or reserved and in progress). A read: no write transaction.
    public func completedResult(_ key: IdempotencyKey, ttl: TimeInterval) throws -> String? {
        let time = timestamp
        return try read { db in try IdempotencyTable.completedResult(db, key, ttl: ttl, at: time) }
    }

    /// Stores the outcome of the command reserved under `key`; later reservations replay it.
    public func complete(_ key: IdempotencyKey, result: String) throws {
        let time = timestamp
        try write { db in try IdempotencyTable.complete(db, key, result: result, at: time) }
    }

    /// Gives up a reservation without a result, so that the same key may run again.
    public func release(_ key: IdempotencyKey) throws {
        try write { db in try IdempotencyTable.release(db, key) }
    }

    /// Removes entries created more than `ttl` ago; returns how many.
    @discardableResult
    public func purgeIdempotency(ttl: TimeInterval) throws -> Int {
        let cutoff = timestamp - ttl
        return try write { db in try IdempotencyTable.purge(db, olderThan: cutoff) }
    }
}
