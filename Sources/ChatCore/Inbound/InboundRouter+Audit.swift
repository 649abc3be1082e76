import ACPControlPlane
import Bindings

/// The audit log of commands (CONTRACT.md §4): every command, also a refused one, with its
/// result code. Written right after the handler ran (before the reply is posted), in a
/// transaction of its own; a pairing decision's row was already written with the decision.
extension InboundRouter {
    /// Writes the audit row of `message` when it is a command (a button press counts as the
    /// command it stands for); plain messages are not audited. Only the command's name is kept,
    /// never its arguments (no secret of `/auth` or `--secret` reaches the log).
    func auditCommand(_ message: InboundMessage, _ outcome: InboundOutcome) {
        let name: CommandName
        switch CommandParser.parse(message.buttonPayload ?? message.text) {
        case .command(let command): name = command.name
        case .invalid(let invalid, _): name = invalid
        case .prompt, .notAddressedToUs: return
        }
        let result = Self.auditResult(outcome)
        // A decided pairing request wrote its row in the decision's transaction.
        if result == "ok", name == .approve || name == .deny { return }
        let conversation = message.conversation
        var session: String?
        if outcome.accepted, let binding = try? store.activeBindings(for: conversation).first { session = binding.sessionKey.rawValue }
        let entry = AuditEntry(channel: conversation.channel.rawValue, accountId: conversation.accountId,
                               conversationId: conversation.conversationId,
                               sender: SenderRef(channel: conversation.channel, id: message.senderId).description,
                               command: name.rawValue, result: result, sessionKey: session, runId: outcome.runId?.rawValue)
        do { try store.appendAudit(entry) } catch {
            logger.error("audit row not written", metadata: ["error": "\(error)", "command": "\(name.rawValue)"])
        }
    }

    /// The result code of an outcome: `ok`, the error code of `ERROR: <CODE>: …`, `unauthorized`,
    /// `rate_limited`, `locked`, `ignored` (nothing sent), `stale` (a button press on something
    /// answered already: only the presser was told) or `error` (an error without a code).
    static func auditResult(_ outcome: InboundOutcome) -> String {
        if outcome.refusal == .rateLimited { return "rate_limited" }
        guard outcome.accepted else { return "ignored" }
        if outcome.notice != nil { return "stale" }
        guard let reply = outcome.reply else { return "ok" }
        if reply.hasPrefix("OK:") { return "ok" }
        if reply == ChatReply.unauthorized { return "unauthorized" }
        if reply == ChatReply.locked { return "locked" }
        let body = reply.dropFirst("ERROR: ".count)
        if reply.hasPrefix("ERROR: "), let colon = body.firstIndex(of: ":") {
            let code = body[..<colon]
            if !code.isEmpty, code.allSatisfy({ $0.isUppercase || $0 == "_" || $0.isNumber }) { return String(code) }
        }
        return "error"
    }
}
