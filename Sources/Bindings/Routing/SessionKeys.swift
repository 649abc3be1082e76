import ACPControlPlane
import Crypto

/// Deterministic session keys for config and route bindings (CONTRACT.md §3), so that a restart
/// finds the same session:
///
/// - `agent:<agentId>:acp:binding:<channel>:<accountId>:<hash16>` for a `type: acp` binding,
/// - `agent:<agentId>:acp:route:<channel>:<accountId>:<hash16>` for a conversation a route matched,
///
/// where `hash16` is the first 16 hex digits of the SHA-256 of the conversation's canonical string
/// (`ConversationRef.canonical`, e.g. `telegram:default:-1001234567890:topic:42`). An acp binding
/// on account `*` keeps `*` in both; a route key always names the real account of the conversation.
public enum SessionKeys {
    /// The key of the session of a `type: acp` binding on `conversation`.
    public static func configBinding(agentId: String, conversation: ConversationRef) throws(ACPError) -> SessionKey {
        try make("agent:\(agentId):acp:binding:\(conversation.channel):\(conversation.accountId):\(hash16(conversation.canonical))")
    }

    /// The key of the session a `type: route` binding made for `conversation`.
    public static func route(agentId: String, conversation: ConversationRef) throws(ACPError) -> SessionKey {
        try make("agent:\(agentId):acp:route:\(conversation.channel):\(conversation.accountId):\(hash16(conversation.canonical))")
    }

    /// The first 16 lowercase hex digits of SHA-256 of `text` (UTF-8).
    public static func hash16(_ text: String) -> String {
        let digest = SHA256.hash(data: Array(text.utf8))
        return digest.prefix(8).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    private static func make(_ text: String) throws(ACPError) -> SessionKey {
        guard let key = SessionKey(text) else {
            throw ACPError(.invalidArgument, message: "cannot make a session key from \(text.prefix(80))",
                           hint: "agent and account ids must be short and printable")
        }
        return key
    }
}
