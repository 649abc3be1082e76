import Bindings

/// The check of `Authorization: Bearer <api.token>`: the scheme is matched case-insensitively
/// (RFC 9110 §11.1: `bearer x` is the same as `Bearer x`), one or more spaces may follow it, and
/// the credentials are compared with the token in time that does not depend on where they differ.
struct BearerToken: Sendable {
    let token: Secret

    /// True when `header` (the `Authorization` value, nil when absent) carries the token.
    func accepts(_ header: String?) -> Bool {
        guard let header, let credentials = Self.credentials(header) else { return false }
        return Self.constantTimeEquals(Array(credentials.utf8), Array(token.value.utf8))
    }

    /// The credentials of a `Bearer` authorization value, nil for another scheme or none.
    static func credentials(_ header: String) -> Substring? {
        let value = header.drop { $0 == " " || $0 == "\t" }
        guard let space = value.firstIndex(where: { $0 == " " || $0 == "\t" }),
              value[..<space].lowercased() == "bearer" else { return nil }
        var credentials = value[space...].drop { $0 == " " || $0 == "\t" }
        while let last = credentials.last, last == " " || last == "\t" { credentials = credentials.dropLast() }
        return credentials.isEmpty ? nil : credentials
    }

    /// Compares every byte of `expected` whatever `given` holds, so the time taken tells nothing
    /// about how much of a guess was right (only the token's length is not hidden).
    static func constantTimeEquals(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference: UInt8 = given.count == expected.count ? 0 : 1
        for index in expected.indices {
            difference |= expected[index] ^ (index < given.count ? given[index] : 0)
        }
        return difference == 0
    }
}
