import ACPControlPlane
import ChatCore
import Logging

/// Streaming into private chats with `sendMessageDraft` (`drafts: true`): a run's output is shown
/// as an animated draft while it streams and sent once, for good, with `sendMessage` when it is
/// finished (the run's final operation, or the run's next message starting past the limit).
extension TelegramChannel {
    /// The run whose message this is when it streams as a draft: drafts on, a private chat, a
    /// run's reply without buttons. Nil otherwise (an ordinary message).
    func streamsAsDraft(chat: Int64, buttons: [[ChatButton]], context: OutgoingContext) -> RunID? {
        guard options.drafts, chat > 0, buttons.isEmpty, context.kind == .reply, let run = context.runId else { return nil }
        return run
    }

    /// Shows `text` as draft `draftId`.
    func sendDraft(_ draftId: Int64, text: String, chat: Int64, thread: Int64?, conversation: ConversationRef) async throws {
        try await withPlainFallback(text, chat: chat, conversation: conversation) { text, entities throws(TelegramAPIError) in
            try await api.sendMessageDraft(chatId: chat, messageThreadId: thread, draftId: draftId, text: text, entities: entities)
        }
        drafts.update(draftId, text: text)
    }

    /// Sends the run's unfinished drafts (but `except`) for good, oldest first.
    func persistDrafts(of run: RunID, except: Int64?) async throws {
        for (id, draft) in drafts.unsent(of: run, except: except) where !draft.text.isEmpty {
            let message = try await sendForGood(draft.text, to: draft.conversation)
            drafts.sent(id, as: message)
        }
    }

    /// An edit of a draft message: the draft shows the new text; the run's final operation sends
    /// the text for good (and the run's earlier drafts before it). A draft already sent for good
    /// is edited as the message it became.
    func editDraft(_ draftId: Int64, of message: MessageRef, text: String, buttons: [[ChatButton]],
                   context: OutgoingContext) async throws {
        let (chat, thread) = try target(of: message.conversation)
        let run = context.runId ?? RunID()
        let draft = drafts.draft(draftId, run: run, conversation: message.conversation)
        if let sent = draft.messageId {
            try await edit(MessageRef(conversation: message.conversation, messageId: String(sent)), text: text,
                           buttons: buttons, context: context)
            return
        }
        guard context.isFinal || !buttons.isEmpty else {
            try await sendDraft(draftId, text: text, chat: chat, thread: thread, conversation: message.conversation)
            remember(message, text: text, context: context, isNew: false)
            return
        }
        try await persistDrafts(of: draft.run, except: draftId)
        let sent = try await sendForGood(text, to: message.conversation, buttons: buttons)
        drafts.sent(draftId, as: sent)
        if context.isFinal { drafts.finish(draft.run) }
        remember(message, text: text, context: context, isNew: false)
    }

    /// `sendMessage` of `text` (formatted) into `conversation`; returns the message id.
    private func sendForGood(_ text: String, to conversation: ConversationRef, buttons: [[ChatButton]] = []) async throws -> Int64 {
        let (chat, thread) = try target(of: conversation)
        let markup = buttons.isEmpty ? nil : InlineKeyboard.replyMarkup(buttons)
        let message = try await withPlainFallback(text, chat: chat, conversation: conversation) { text, entities throws(TelegramAPIError) in
            try await api.sendMessage(chatId: chat, messageThreadId: thread, text: text, entities: entities, replyMarkup: markup)
        }
        return message.messageId
    }
}
