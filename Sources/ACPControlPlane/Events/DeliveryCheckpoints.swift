#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A finished run whose output has not all reached its destination yet.
public struct PendingDelivery: Sendable, Equatable {
    public let run: RunRecord
    /// The destination the checkpoint is kept for: the run conversation's canonical string.
    public let destination: String
    /// The last `seq` delivered there (0: nothing yet). Offer the events after it.
    public let deliveredSeq: Int64
}

/// Delivery checkpoints: per (run, destination), the last event `seq` that was sent successfully.
/// A checkpoint only moves forward and never passes the last committed event of its run.
/// (`package`: acpd-bench seeds stores with it.)
package enum DeliveryCheckpoints {
    static func get(_ db: Database, run: RunID, destination: String) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT last_seq FROM acp_delivery_checkpoint WHERE run_id = ? AND destination = ?"),
                           arguments: [run.rawValue, destination]) ?? 0
    }

    /// Moves the checkpoint to `seq` (no-op when it is already there or beyond) and returns it.
    /// `seq` beyond the run's last committed event is an error: it would skip events never written.
    package static func advance(_ db: Database, run: RunID, destination: String, to seq: Int64, at time: Double) throws -> Int64 {
        let last = try EventLog.lastSeq(db, run: run)
        guard seq <= last else {
            throw ACPError(.invalidArgument, message: "delivery checkpoint \(seq) is beyond the last committed event \(last) of run \(run)")
        }
        try db.cachedStatement(sql: """
            INSERT INTO acp_delivery_checkpoint (run_id, destination, last_seq, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (run_id, destination) DO UPDATE SET last_seq = excluded.last_seq, updated_at = excluded.updated_at
            WHERE excluded.last_seq > acp_delivery_checkpoint.last_seq
            """).execute(arguments: [run.rawValue, destination, seq, time])
        return try get(db, run: run, destination: destination)
    }

    /// Finished runs with a conversation whose checkpoint there is behind their terminal event,
    /// oldest first.
    static func pending(_ db: Database, limit: Int) throws -> [PendingDelivery] {
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT r.*, COALESCE(c.last_seq, 0) AS delivered_seq
            FROM acp_runs r
            LEFT JOIN acp_delivery_checkpoint c
              ON c.run_id = r.id AND c.destination = r.channel || ':' || r.account_id || ':' || r.conversation_id
            WHERE r.state IN ('completed', 'failed', 'cancelled') AND r.conversation_id IS NOT NULL
              AND COALESCE(c.last_seq, 0) < r.last_seq
            ORDER BY r.ended_at, r.ordinal
            LIMIT ?
            """), arguments: [limit])
        return try rows.compactMap { row in
            let run = try RunRecord(row: row)
            guard let conversation = run.conversation else { return nil }
            return PendingDelivery(run: run, destination: conversation.canonical, deliveredSeq: try row["delivered_seq"])
        }
    }
}
