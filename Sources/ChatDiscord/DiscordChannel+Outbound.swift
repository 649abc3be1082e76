import ACPControlPlane
import Bindings
import ChatCore
import JSONKit
import Logging

/// What the send queue and the router call: messages, the typing indicator, threads, DMs.
extension DiscordChannel {
    /// `POST /channels/{id}/messages` (a thread's messages go to the thread's own id).
    public func send(to conversation: ConversationRef, text: String, buttons: [[ChatButton]],
                     context: OutgoingContext) async throws -> MessageRef {
        try requireEnabled()
        let channel = try target(of: conversation)
        do {
            let components = MessageComponents.rows(buttons)
            let message = try await rest.createMessage(channel: channel, content: text, components: components,
                                                       nonce: nonce(for: conversation, context: context))
            guard let id = message["id"]?.stringValue else { throw ChannelError.outcomeUnknown("Discord answered a message without an id") }
            let ref = MessageRef(conversation: conversation, messageId: id)
            // A nonce Discord had seen returns the message sent before a crash: it gets this text
            // (compared without the whitespace at the ends, which Discord may trim).
            if Self.trimmed(message["content"]?.stringValue ?? "") != Self.trimmed(text) {
                try await rest.editMessage(channel: channel, message: id, content: text, components: components)
            }
            remember(ref, text: text, context: context, isNew: true)
            return ref
        } catch let error as DiscordAPIError {
            throw error.channelError
        }
    }

    /// `text` without whitespace at either end.
    static func trimmed(_ text: String) -> Substring {
        let start = text.drop(while: \.isWhitespace)
        return start[..<(start.lastIndex { !$0.isWhitespace }.map { start.index(after: $0) } ?? start.startIndex)]
    }

    /// `PATCH /channels/{id}/messages/{id}`; an edit that changes nothing succeeds (Discord accepts it);
    /// no buttons removes them.
    public func edit(_ message: MessageRef, text: String, buttons: [[ChatButton]], context: OutgoingContext) async throws {
        try requireEnabled()
        let channel = try target(of: message.conversation)
        guard (try? DiscordConversationID.snowflake(message.messageId)) != nil else {
            throw ChannelError.permanent("\(message.messageId) is not a Discord message id")
        }
        do {
            try await rest.editMessage(channel: channel, message: message.messageId, content: text, components: MessageComponents.rows(buttons))
            remember(message, text: text, context: context, isNew: false)
        } catch {
            throw error.channelError
        }
    }

    /// The typing indicator in `conversation` (Discord shows it 10 s, or until the bot posts).
    /// Best effort: a failure is logged at debug level.
    public func showActivity(in conversation: ConversationRef) async {
        guard isEnabled, let channel = try? target(of: conversation) else { return }
        do { try await rest.triggerTyping(channel: channel) } catch {
            logger.debug("typing indicator failed", metadata: ["channel": "\(channel)", "error": "\(error)"])
        }
    }

    /// Discord's limit on a thread name, in characters.
    static let maxThreadName = 100

    /// Creates a thread named `title` (cut to 100 characters) in the channel of `parent` (threads
    /// do not nest: a thread's own parent is used): from the `/acp spawn` message being handled in
    /// `parent` when there is one (the thread then hangs under the command), else a public thread.
    public func createThread(in parent: ConversationRef, title: String) async throws -> ConversationRef {
        try requireEnabled()
        let channel = try target(of: ConversationRef(channel: parent.channel, accountId: parent.accountId,
                                                     conversationId: parent.parentConversationId ?? parent.conversationId))
        let trimmed = title.trimmingPrefix(while: \.isWhitespace)
        let name = trimmed.isEmpty ? "acpd" : String(trimmed.prefix(Self.maxThreadName))
        let command = parent.parentConversationId == nil ? spawnsInFlight.withLock { $0[parent.conversationId]?.first } : nil
        let thread: JSONValue
        do {
            if let command {
                do {
                    thread = try await rest.startThread(channel: channel, name: name, fromMessage: command)
                } catch .api(let status, _, _, _, _) where (400..<500).contains(status) && status != 429 {
                    // The message already has a thread, or is gone: a thread of its own.
                    thread = try await rest.startThread(channel: channel, name: name)
                }
            } else {
                thread = try await rest.startThread(channel: channel, name: name)
            }
        } catch {
            throw error.channelError
        }
        guard var info = DiscordChannelInfo(json: thread) else { throw ChannelError.outcomeUnknown("Discord answered a thread without an id") }
        if info.parentId == nil { info.parentId = channel }
        directory.record(info)
        return ConversationRef(channel: .discord, accountId: parent.accountId, conversationId: info.id, parentConversationId: channel)
    }

    /// Deletes thread `thread` (and its messages).
    public func removeThread(_ thread: ConversationRef) async throws {
        let id = try target(of: thread)
        guard thread.parentConversationId != nil || directory.info(id)?.isThread == true else {
            throw ChannelError.permanent("\(id) is not a Discord thread acpd can delete")
        }
        do {
            try await rest.deleteChannel(id)
        } catch {
            throw error.channelError
        }
        directory.remove(id)
    }

    /// The DM channel with user `userId`, opened once and remembered.
    public func directConversation(with userId: String) async throws -> ConversationRef {
        try requireEnabled()
        guard (try? DiscordConversationID.snowflake(userId)) != nil else { throw ChannelError.permanent("\(userId) is not a Discord user id") }
        let account = accountId ?? ConversationRef.defaultAccount
        if let known = directChannels.withLock({ $0[userId] }) {
            return ConversationRef(channel: .discord, accountId: account, conversationId: known)
        }
        let channel: JSONValue
        do {
            channel = try await rest.openDM(recipient: userId)
        } catch {
            throw error.channelError
        }
        guard let id = channel["id"]?.stringValue else { throw ChannelError.transient("Discord answered a DM channel without an id") }
        directChannels.withLock { $0[userId] = id }
        directory.record(DiscordChannelInfo(id: id, type: 1))
        return ConversationRef(channel: .discord, accountId: account, conversationId: id)
    }

    func requireEnabled() throws {
        guard isEnabled else { throw ChannelError.permanent("discord account \(accountId ?? "default") is disabled in config") }
    }

    func target(of conversation: ConversationRef) throws -> String {
        do {
            return try DiscordConversationID.snowflake(conversation.conversationId)
        } catch {
            throw ChannelError.permanent(error.message)
        }
    }
}
