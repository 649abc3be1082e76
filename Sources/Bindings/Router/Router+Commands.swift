import ACPControlPlane
import Foundation

extension Router {
    /// Runs one authorised command.
    func runCommand(_ command: ChatCommand, _ context: CommandContext) async -> InboundOutcome {
        InboundOutcome(accepted: true, reply: ChatReply.error(ACPError(.invalidArgument, message: "not implemented yet")))
    }

    /// Sends a plain message to the conversation's session.
    func prompt(_ text: String, _ context: CommandContext) async -> InboundOutcome {
        InboundOutcome(accepted: true, reply: ChatReply.error(ACPError(.invalidArgument, message: "not implemented yet")))
    }

    /// The sender's pairing state.
    func pairingStatus(_ sender: SenderRef, conversation: ConversationRef) -> PairingStatus { .none }

    /// Records a pairing request and tells the owners.
    func requestApproval(_ sender: SenderRef, message: InboundMessage) async {}
}
