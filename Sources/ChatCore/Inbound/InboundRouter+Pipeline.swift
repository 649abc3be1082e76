import ACPControlPlane
import Bindings
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension InboundRouter {
    /// Resolution → gate → handler, for a message whose idempotency key is newly reserved.
    func process(_ message: InboundMessage, channel: any ChatChannel, intake: IntakeKey) async -> InboundOutcome {
        // A pressed button carries its payload (the typed command it stands for).
        // A `--secret` is cut out before anything reads the text; a message carrying a secret is deleted.
        let carried = CarriedSecret(message.buttonPayload ?? message.text)
        let input = CommandParser.parse(carried.text)
        if carried.carriesSecret, input != .notAddressedToUs { await deleteSecretMessage(message, channel: channel) }
        let conversation = message.conversation
        let resolution: Resolution
        do { resolution = try await resolver.resolve(conversation) } catch {
            logger.error("binding resolution failed", metadata: ["error": "\(error)"])
            return InboundOutcome(accepted: true, reply: ChatReply.error("the state store is unavailable, try again later"))
        }
        if let key = resolution.match?.sessionKey { rememberSession(key, of: conversation) }
        let sender = SenderRef(channel: conversation.channel, id: message.senderId)
        purgeGateNowAndThen()
        switch gate.check(input, sender: sender, conversation: ConversationAccess(resolution), pairing: pairingStatus(sender, conversation: conversation),
                         approvers: Set(resolution.match?.binding?.approvers ?? []), now: Date(), secret: carried.secret) {
        case .ignore: return .ignored
        case .reply(let text): return InboundOutcome(accepted: true, reply: text)
        case .rateLimited: return InboundOutcome(accepted: true, reply: ChatReply.rateLimited, refusal: .rateLimited)
        case .requestApproval:
            await requestApproval(sender, message: message)
            return .ignored
        case .proceed: break
        }
        let context = CommandContext(message: message, channel: channel, sender: sender, resolution: resolution,
                                     isOwner: gate.evaluator.isOwner(sender), intake: intake)
        switch input {
        case .command(let command):
            return await LogCorrelation.with(["command": "\(command.name.rawValue)"]) {
                let outcome = await runCommand(command, context)
                logger.debug("command handled", metadata: ["result": "\(Self.auditResult(outcome))"])
                return outcome
            }
        case .prompt(let text):
            if let answered = await answerElicitationByMessage(text, context) { return answered }
            return await prompt(text, context)
        case .invalid(_, let error): return InboundOutcome(accepted: true, reply: ChatReply.error(error))
        case .notAddressedToUs: return .ignored
        }
    }
}

extension InboundRouter {
    /// Drops full rate buckets and expired unlocks every 256 messages, so the gate's memory stays
    /// bounded by the senders of the last minutes.
    func purgeGateNowAndThen() {
        handledCount &+= 1
        if handledCount % 256 == 0 { gate.purge(now: Date()) }
    }
}

/// Everything a handler knows about the message it answers.
struct CommandContext: Sendable {
    var message: InboundMessage
    var channel: any ChatChannel
    var sender: SenderRef
    var resolution: Resolution
    var isOwner: Bool
    /// The message's idempotency key and fingerprint (a prompt's submit records its outcome with them).
    var intake: IntakeKey
    var conversation: ConversationRef { message.conversation }
}
