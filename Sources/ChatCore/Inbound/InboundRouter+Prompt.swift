import ACPControlPlane
import Bindings
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Plain messages and unknown senders.
extension InboundRouter {
    /// Queues a plain message as a run of the conversation's session. Its attachments are
    /// fetched first (`attachmentBlocks`); when one cannot be, the reply says why and nothing
    /// is submitted.
    ///
    /// Unbound: the gate only lets allowlisted senders' prompts through to here (members bindings
    /// resolve), so they get a short `ERROR: ACP_NOT_BOUND` hint; nobody else gets a reply.
    func prompt(_ text: String, _ context: CommandContext) async -> InboundOutcome {
        if case .unbound = context.resolution { return failure(ACPError(.notBound)) }
        guard config.acp.dispatchEnabled else { return failure(ACPError(.dispatchDisabled)) }
        do {
            let key = try await boundSession(context)
            let idempotency = IdempotencyKey(scope: "\(context.conversation.channel.rawValue):\(context.conversation.accountId):submit",
                                             key: context.message.idempotencyKey)
            let attachments = try await attachmentBlocks(context.message.attachments, session: key)
            let result = try await manager.submit(key, prompt: promptBlocks(text, attachments: attachments), from: context.conversation,
                                                  idempotency: idempotency, recording: context.intake.recording)
            var outcome = InboundOutcome(accepted: true, runId: result.runId)
            // Stored with the run, unless the submit key replayed an earlier submit (a store whose
            // outcome was lost): then `finish` stores it.
            outcome.recordedWithRun = !result.replayed
            return outcome
        } catch let recorded as SubmitAlreadyRecorded {
            // Another process handled the same key meanwhile (one process per store is the rule):
            // its outcome, unless it answered a different message.
            var first = InboundOutcome(stored: recorded.result)
            if let request = first.request, request != context.intake.fingerprint { return .keyConflict }
            first.request = nil
            first.replyPending = nil
            first.recordedWithRun = true
            return first
        } catch {
            return failure(error)
        }
    }

    /// The prompt's content: the text (the caption of an attachment), then the attachments' blocks.
    func promptBlocks(_ text: String, attachments: [ContentBlock]) -> [ContentBlock] {
        let blocks: [ContentBlock] = (text.isEmpty ? [] : [.text(text)]) + attachments
        return blocks.isEmpty ? [.text(text)] : blocks
    }

    /// `ERROR: …` for a thrown error: an `ACPError` with its code and hint, an attachment's
    /// refusal as it is; anything else is logged and answered as a generic failure (details stay
    /// in the log).
    func failure(_ error: any Error) -> InboundOutcome {
        if let error = error as? ACPError { return InboundOutcome(accepted: true, reply: ChatReply.error(error)) }
        if let refusal = error as? AttachmentRefusal { return InboundOutcome(accepted: true, reply: refusal.reply) }
        if let stale = error as? StalePress { return .pressNotice(stale.notice) }
        logger.error("command failed", metadata: ["error": "\(error)"])
        return InboundOutcome(accepted: true, reply: ChatReply.error("the request failed; see the daemon log"))
    }

    /// `OK: …`.
    func ok(_ text: String, runId: RunID? = nil) -> InboundOutcome {
        InboundOutcome(accepted: true, runId: runId, reply: ChatReply.ok(text))
    }
}

/// A button press on a permission request or question that is no longer pending (a double tap,
/// a press on an old message): the presser is told `notice`, the conversation gets nothing.
struct StalePress: Error {
    let notice: String
}

extension CommandContext {
    /// `error` for a typed command; for a button press, a `StalePress` with `notice` instead
    /// (the press changed nothing, and an `ERROR` in the conversation would be noise).
    func unlessPressed(_ error: ACPError, notice: String) -> any Error {
        message.buttonPayload == nil ? error : StalePress(notice: notice)
    }
}
