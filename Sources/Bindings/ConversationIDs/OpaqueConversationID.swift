import ACPControlPlane

/// The normaliser of the `http` and `console` channels, whose ids are chosen by the caller:
/// 1–128 characters of `[A-Za-z0-9._:@-]` (CONTRACT.md §2), kept verbatim.
public enum OpaqueConversationID {
    /// The expected form, shown in every rejection.
    public static let expectedForm = "1–128 characters of A-Z a-z 0-9 . _ : @ - (e.g. alice@example.com or build:42)"

    /// Parses an `http` or `console` conversation id; throws `ACP_INVALID_ARGUMENT` with the
    /// expected form when it is empty, too long or has other characters, or `accountId` is not
    /// an account id.
    public static func parse(_ text: String, channel: ConversationRef.Channel,
                             accountId: String = ConversationRef.defaultAccount,
                             parent: String? = nil) throws(ACPError) -> ConversationRef {
        try AccountID.validate(accountId)
        try check(text, channel: channel)
        if let parent { try check(parent, channel: channel) }
        return ConversationRef(channel: channel, accountId: accountId, conversationId: text, parentConversationId: parent)
    }

    /// The canonical id string of `ref` (its `conversationId`).
    public static func format(_ ref: ConversationRef) -> String { ref.conversationId }

    static func isValid(_ text: String) -> Bool {
        (1...128).contains(text.utf8.count) && text.utf8.allSatisfy(allowed)
    }

    private static func allowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }

    private static func check(_ text: String, channel: ConversationRef.Channel) throws(ACPError) {
        guard isValid(text) else {
            let shown = text.count > 64 ? String(text.prefix(64)) + "…" : text
            throw ACPError(.invalidArgument,
                           message: "\"\(shown)\" is not a valid \(channel) conversation id; expected \(expectedForm)")
        }
    }
}
