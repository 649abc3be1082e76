import ACPControlPlane

/// Chat account ids (`channels.<channel>.accounts.<id>`, `match.accountId`, the http API's
/// `accountId`): 1–64 characters of `[A-Za-z0-9_-]`, starting with a letter or digit. They are part
/// of canonical conversation strings and session keys, so they never contain `:`.
public enum AccountID {
    /// In a binding's `match.accountId`: every account of the channel (lower priority than an exact one).
    public static let wildcard = "*"

    /// The expected form, shown in every rejection.
    public static let expectedForm = "1–64 characters of A-Z a-z 0-9 _ - starting with a letter or digit (e.g. default)"

    /// True when `text` is a valid account id (the wildcard is not one).
    public static func isValid(_ text: String) -> Bool { isIdentifier(text, maxLength: 64) }

    /// Validates an account id; throws `ACP_INVALID_ARGUMENT` naming the expected form (and
    /// showing at most 64 characters of `text`). Every parser of a conversation calls it, so an
    /// account id from the http API or a canonical string is checked like the conversation id.
    @discardableResult
    public static func validate(_ text: String) throws(ACPError) -> String {
        guard isValid(text) else {
            let shown = text.count > 64 ? String(text.prefix(64)) + "…" : text
            throw ACPError(.invalidArgument, message: "\"\(shown)\" is not an account id; expected \(expectedForm)")
        }
        return text
    }

    /// `[A-Za-z0-9][A-Za-z0-9_-]{0,maxLength-1}`: the shape of agent ids, account ids and labels.
    static func isIdentifier(_ text: String, maxLength: Int, extra: Set<UInt8> = []) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, bytes.count <= maxLength, isAlphanumeric(first) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || extra.contains($0) }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }
}
