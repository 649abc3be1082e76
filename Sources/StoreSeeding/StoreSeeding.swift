import ACPControlPlane
import Foundation

/// Store states written below the session manager, through the store's `package` table helpers
/// (no SQL here), for the benchmarks and the tests: as a crash or a live actor would have left
/// them. Never linked into acpd (the architecture test keeps it out).
extension ControlPlaneStore {
    /// Inserts a session (idle) and one running run for it, as a crash would have left them;
    /// returns the run id.
    public func insertSessionWithRunningRun(_ key: SessionKey, conversation: ConversationRef) throws -> RunID {
        let run = RunID()
        let stamp = timestamp
        try write { db in
            try SessionTables.insert(db, SessionRecord(key: key, agentId: "demo", cwd: "/tmp", backend: "stdio"))
            _ = try RunTables.insert(db, id: run, key: key, lane: .normal, conversation: conversation, prompt: [.text("bench")], at: stamp)
            try RunTables.markStarted(db, id: run, at: stamp)
        }
        return run
    }

    /// Appends agent text events `firstSeq…` to a run in one transaction, as the session actor would.
    public func appendText(session: SessionKey, run: RunID, firstSeq: Int64, texts: [String]) throws {
        let stamp = timestamp
        let pending = texts.enumerated().map { offset, text in
            EventLog.Pending(sessionKey: session, runId: run, seq: firstSeq + Int64(offset),
                             payload: .text(TextDelta(stream: .output, text: text, messageId: "m1")))
        }
        _ = try write { db in try EventLog.append(db, pending, at: stamp) }
    }
}
