import ACPControlPlane

/// The acpx session name of an acpd session: stable for a session key, distinct for distinct keys,
/// and safe to pass as one argv element (`--name`, `--session`, `sessions close <name>`).
///
/// acpx scopes a saved session by `(agent command, cwd, name)`, so the name alone must tell acpd's
/// sessions apart. The name is `acpd-` followed by the key; characters outside
/// `[A-Za-z0-9._:@-]` become `_`, and when anything was replaced or the key was shortened, a
/// 16-hex-digit FNV-1a hash of the full key is appended, so two keys never share a name.
struct AcpxSessionName: Sendable, Hashable, CustomStringConvertible {
    let rawValue: String

    /// The longest name produced (acpx stores names in JSON records; keep them readable).
    static let maxLength = 120
    static let prefix = "acpd-"

    init(_ key: SessionKey) {
        let raw = key.rawValue
        var lossy = false
        var body = ""
        for scalar in raw.unicodeScalars {
            if Self.isSafe(scalar) {
                body.unicodeScalars.append(scalar)
            } else {
                body.append("_")
                lossy = true
            }
        }
        let hashSuffix = "-" + Self.fnv1a64Hex(raw)
        let budget = Self.maxLength - Self.prefix.count
        if body.count > budget {
            body = String(body.prefix(budget - hashSuffix.count))
            lossy = true
        }
        rawValue = Self.prefix + body + (lossy ? hashSuffix : "")
    }

    var description: String { rawValue }

    private static func isSafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "_", ":", "@", "-": true
        default: false
        }
    }

    /// 64-bit FNV-1a of the UTF-8 bytes, as 16 lowercase hex digits. Deterministic across runs and
    /// platforms (unlike `Hasher`), which is what a name persisted by acpx needs.
    static func fnv1a64Hex(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
