import Foundation

/// Plays one prompt turn following its `TurnScript` (the order is documented in
/// docs/demo-agent.md, "Order of a turn") and records the turn in the session's history.
///
/// Runs in the turn's own task; cancelling that task is how `session/cancel` stops the turn:
/// every wait (delays, `[hang]`, the permission request) ends at once and the turn reports
/// `cancelled`. `[hang-hard]` never looks at cancellation.
struct TurnRunner: Sendable {
    enum Outcome: Sendable {
        case stop(String)
        case failure(RPCError)
    }

    let sessionId: String
    let sessionCwd: String
    let promptText: String
    let script: TurnScript
    let output: Output
    let peer: PeerRequests
    let history: HistoryStore

    private var asciiOnly: Bool { script.unicode }

    func run() async -> Outcome {
        history.append(.user, promptText)
        var answered = ""
        let outcome: Outcome
        do {
            outcome = try await play(answered: &answered)
        } catch {
            outcome = .stop("cancelled")
        }
        if !answered.isEmpty { history.append(.agent, answered) }
        return outcome
    }

    private func play(answered: inout String) async throws -> Outcome {
        if script.stderrBytes > 0 { Self.writeNoise(script.stderrBytes) }
        if script.thought {
            try await update(Updates.chunk("agent_thought_chunk", messageId: Self.newId("thought"),
                                           content: Updates.text("The user wants the demo agent to answer.")))
        }
        if script.plan {
            try await update(Updates.plan([("Read the prompt", "high", "in_progress"), ("Answer it", "medium", "pending")]))
            try await update(Updates.plan([("Read the prompt", "high", "completed"), ("Answer it", "medium", "in_progress")]))
        }
        if script.tool {
            let id = Self.newId("tool")
            try await update(Updates.toolCall(id: id, title: "Read README.md", kind: "read", sessionCwd: sessionCwd))
            try await update(Updates.toolCallUpdate(id: id, status: "in_progress"))
            try await update(Updates.toolCallUpdate(id: id, status: "completed", text: "demo file contents"))
        }
        if script.usage { try await update(Updates.usage) }
        if script.fail { return .failure(RPCError(code: -32603, message: "demo failure")) }

        let answer: String
        if script.permission {
            guard let said = await askPermission() else {
                // Said even when the turn task is cancelled: one short chunk, then the answer.
                await output.notify("session/update", Updates.notification(sessionId: sessionId,
                    Updates.chunk("agent_message_chunk", messageId: Self.newId("msg"), content: Updates.text("permission: cancelled"))),
                    asciiOnly: asciiOnly)
                answered = "permission: cancelled"
                return .stop("cancelled")
            }
            answer = said
        } else if let elicited = try await elicit() {
            answer = elicited
        } else {
            answer = defaultAnswer()
        }

        if script.garbage {
            // Two lines the client cannot read: not JSON, and a session/update without its update.
            await output.raw("this line is not JSON {")
            await output.notify("session/update", .object([("sessionId", .string(sessionId))]))
        }
        if script.hangHard { await Self.hangForever() }
        if script.hang { try await Self.hangUntilCancelled() }

        if let big = script.bigBytes {
            try Task.checkCancellation()
            let text = JSON.preEscapedString([UInt8](repeating: 0x78, count: big))
            await output.notify("session/update", Updates.notification(sessionId: sessionId,
                Updates.chunk("agent_message_chunk", messageId: Self.newId("msg"), content: .object([("type", .string("text")), ("text", text)]))))
            answered = "[big: \(big) bytes]"
            if script.crash { Self.crash() }
        } else {
            try await sendAnswer(answer, chunks: script.chunks, delay: script.delayMilliseconds, answered: &answered)
        }
        return .stop(script.refuse ? "refusal" : "end_turn")
    }

    /// Streams `text` as `chunks` agent_message_chunks sharing one messageId.
    private func sendAnswer(_ text: String, chunks: Int, delay: Int, answered: inout String) async throws {
        let messageId = Self.newId("msg")
        for piece in TurnScript.split(text, into: chunks) {
            if delay > 0 { try await Task.sleep(for: .milliseconds(delay)) }
            try Task.checkCancellation()
            await output.notify("session/update", Updates.notification(sessionId: sessionId,
                Updates.chunk("agent_message_chunk", messageId: messageId, content: Updates.text(piece))), asciiOnly: asciiOnly)
            answered += piece
            if script.crash { Self.crash() }
        }
    }

    /// Asks `session/request_permission`; returns what to say, or nil when the turn was cancelled.
    private func askPermission() async -> String? {
        let params = Updates.permissionRequest(sessionId: sessionId, toolCallId: Self.newId("perm"))
        let reply = await withdrawing(ElicitationScript(parsing: promptText)) { [asciiOnly, peer] in
            await peer.call("session/request_permission", params: params, asciiOnly: asciiOnly)
        }
        switch reply {
        case .withdrawn:
            return nil
        case .error(let code, let message):
            return "permission: error \(code) \(message)"
        case .result(let result):
            let outcome = result["outcome"]
            switch outcome?["outcome"]?.stringValue {
            case "selected": return "permission: selected \(outcome?["optionId"]?.stringValue ?? "?")"
            case "cancelled": return nil
            default: return "permission: error invalid outcome"
            }
        }
    }

    /// `[env]`, `[cwd]` and `[unicode]` texts joined by newlines, or `echo: <prompt>`.
    private func defaultAnswer() -> String {
        var parts: [String] = []
        if script.env {
            parts.append(ProcessInfo.processInfo.environment.keys.sorted().joined(separator: ","))
        }
        if script.cwd {
            parts.append("cwd: \(FileManager.default.currentDirectoryPath) session: \(sessionCwd)")
        }
        if script.unicode { parts.append(TurnScript.unicodeText) }
        return parts.isEmpty ? "echo: \(promptText)" : parts.joined(separator: "\n")
    }

    private func update(_ update: JSON) async throws {
        try Task.checkCancellation()
        await output.notify("session/update", Updates.notification(sessionId: sessionId, update), asciiOnly: asciiOnly)
    }

    /// `[hang-hard]`: never returns; the turn task is never cancelled for it (see DemoAgent).
    private static func hangForever() async -> Never {
        Log.line("[hang-hard]: ignoring everything until killed")
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        // Cancelled anyway (not expected): park without spinning.
        while true { await withUnsafeContinuation { (_: UnsafeContinuation<Void, Never>) in } }
    }

    /// `[hang]`: returns only by throwing `CancellationError`.
    private static func hangUntilCancelled() async throws -> Never {
        while true { try await Task.sleep(for: .seconds(3600)) }
    }

    static func newId(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    private static func crash() -> Never {
        Log.line("[crash]: exiting with status 3")
        exit(3)
    }

    /// Writes `count` bytes of log lines to stderr in one go.
    private static func writeNoise(_ count: Int) {
        let pattern = Array("acpd-demo-agent: stderr noise for [stderr=N], nothing is wrong...\n".utf8)
        var noise = [UInt8]()
        noise.reserveCapacity(count)
        while noise.count < count { noise.append(contentsOf: pattern.prefix(count - noise.count)) }
        noise[count - 1] = 0x0A
        _ = FD.writeAll(2, noise)
    }
}
