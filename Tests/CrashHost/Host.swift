import ACPControlPlane
import Foundation

/// The commands of the crash host.
final class Host: Sendable {
    let manager: SessionManager
    let store: ControlPlaneStore
    let log: DeliveryLog
    let cwd: String

    init(manager: SessionManager, store: ControlPlaneStore, log: URL, cwd: String) {
        self.manager = manager
        self.store = store
        self.log = DeliveryLog(url: log)
        self.cwd = cwd
    }

    func handle(_ command: String, _ args: [String]) async throws {
        switch command {
        case "recover":
            let report = try await manager.recover()
            say("RECOVERED interrupted=\(report.interruptedRuns.count) pending=\(report.pendingDeliveries) bindings=\(report.activeBindings)")
        case "spawn":
            // spawn <idempotencyKey> <conversationId>
            let conversation = ConversationRef(channel: .http, conversationId: args[1])
            let new = NewSession(key: SessionKey.spawned(agentId: "demo", uuid: UUID().uuidString)!, agentId: "demo", cwd: cwd)
            say("SPAWNING")
            let result = try await manager.spawn(new, binding: NewBinding(source: .runtime, conversation: conversation),
                                                 idempotency: IdempotencyKey(scope: "http:default", key: args[0]))
            say("SPAWNED \(result.sessionKey) replayed=\(result.replayed)")
        case "submit":
            // submit <sessionKey> <idempotencyKey> <conversationId> <prompt…>
            let key = try SessionKey.parse(args[0])
            let result = try await manager.submit(key, prompt: [.text(args.dropFirst(3).joined(separator: " "))],
                                                  from: ConversationRef(channel: .http, conversationId: args[2]),
                                                  idempotency: IdempotencyKey(scope: "http:default", key: args[1]))
            say("SUBMITTED \(result.runId) replayed=\(result.replayed)")
        case "live":
            // live <sessionKey> <pauseAfterDeliveredSeq|-> <pauseBeforeDeliverSeq|->
            let key = try SessionKey.parse(args[0])
            let stream = manager.subscribe(key)
            let pauseAfter = Int64(args[1])
            let pauseBefore = Int64(args[2])
            Task { await self.consume(stream, pauseAfter: pauseAfter, pauseBefore: pauseBefore) }
            say("LIVE")
        case "deliver-pending":
            var delivered = 0
            for pending in try store.pendingDeliveries() {
                for event in try store.events(run: pending.run.id, after: pending.deliveredSeq) {
                    try deliver(event, destination: pending.destination)
                    delivered += 1
                }
            }
            say("DELIVERED-PENDING \(delivered)")
        case "status":
            let key = try SessionKey.parse(args[0])
            say("STATUS \(try await manager.status(key).session.state.rawValue)")
        default:
            say("ERROR unknown command \(command)")
        }
    }

    private func consume(_ stream: AsyncStream<ControlPlaneEvent>, pauseAfter: Int64?, pauseBefore: Int64?) async {
        for await event in stream {
            guard let run = event.runId, let conversation = event.conversation else { continue }
            if event.seq == pauseBefore {
                say("PAUSED-BEFORE-DELIVER \(run) \(event.seq)")
                try? await Task.sleep(for: .seconds(3600))
            }
            do {
                try deliver(event, destination: conversation.canonical)
            } catch {
                say("ERROR delivering: \(error)")
            }
            if event.seq == pauseAfter {
                say("PAUSED-AFTER-DELIVER \(run) \(event.seq)")
                try? await Task.sleep(for: .seconds(3600))
            }
            if event.payload.isTerminal { say("RUN-END \(run) \(event.payload.kind)") }
        }
    }

    /// Sends (appends to the log, flushed) and then advances the checkpoint.
    private func deliver(_ event: ControlPlaneEvent, destination: String) throws {
        guard let run = event.runId else { return }
        try log.append("\(run) \(event.seq) \(event.payload.kind)")
        try store.advanceCheckpoint(run: run, destination: destination, to: event.seq)
    }
}

/// An append-only file, each line synced to disk before `append` returns.
final class DeliveryLog: Sendable {
    let url: URL

    init(url: URL) {
        self.url = url
        if !FileManager.default.fileExists(atPath: url.path) {
            FileManager.default.createFile(atPath: url.path, contents: nil)
        }
    }

    func append(_ line: String) throws {
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((line + "\n").utf8))
        try handle.synchronize()
    }
}
