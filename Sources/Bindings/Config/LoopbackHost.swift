/// Whether the host of `api.listen` is loopback, so the API may run without `api.token`.
///
/// Only what is loopback by its spelling counts: an IPv4 address in 127.0.0.0/8 written as four
/// decimal parts (`127.0.0.1`), the IPv6 loopback `::1` in any spelling (also the IPv4-mapped
/// `::ffff:127.x.y.z`), and the name `localhost` (any case; RFC 6761 reserves it for loopback).
/// Any other name is not loopback, whatever it resolves to today: `127.0.0.1.nip.io` is a DNS
/// name its owner can point anywhere. Shortened or odd IPv4 forms (`127.1`, `127.00.0.1`) are
/// not taken as addresses either, so they need a token too.
enum LoopbackHost {
    /// True when `host` (without brackets or port) is a loopback address by its spelling.
    static func isLoopback(_ host: String) -> Bool {
        if host.lowercased() == "localhost" { return true }
        if let octets = ipv4(host) { return octets[0] == 127 }
        if let groups = ipv6(host) {
            if groups == [0, 0, 0, 0, 0, 0, 0, 1] { return true }
            return groups[0..<6] == [0, 0, 0, 0, 0, 0xFFFF] && groups[6] >> 8 == 127
        }
        return false
    }

    /// The four octets of a dotted-quad IPv4 address: four decimal parts 0–255, no leading zeros.
    static func ipv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  part.utf8.count == 1 || part.utf8.first != 0x30, let value = UInt8(part) else { return nil }
            octets.append(value)
        }
        return octets
    }

    static func ipv4(_ text: String) -> [UInt8]? { ipv4(Substring(text)) }

    /// The eight 16-bit groups of an IPv6 address (RFC 4291 text forms: groups of 1–4 hex digits,
    /// at most one `::`, optionally ending in a dotted-quad IPv4 address); nil for anything else.
    static func ipv6(_ text: String) -> [UInt16]? {
        let halves = text.split(separator: "::", omittingEmptySubsequences: false).map(String.init)
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String, allowIPv4: Bool) -> [UInt16]? {
            guard !part.isEmpty else { return [] }
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            var out: [UInt16] = []
            for (index, piece) in pieces.enumerated() {
                if allowIPv4, index == pieces.count - 1, piece.contains(".") {
                    guard let octets = ipv4(piece) else { return nil }
                    out.append(UInt16(octets[0]) << 8 | UInt16(octets[1]))
                    out.append(UInt16(octets[2]) << 8 | UInt16(octets[3]))
                    continue
                }
                guard (1...4).contains(piece.utf8.count), let value = UInt16(piece, radix: 16),
                      piece.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) })
                else { return nil }
                out.append(value)
            }
            return out
        }
        if halves.count == 1 {
            guard let all = groups(halves[0], allowIPv4: true), all.count == 8 else { return nil }
            return all
        }
        guard let head = groups(halves[0], allowIPv4: false), let tail = groups(halves[1], allowIPv4: true),
              head.count + tail.count <= 7 else { return nil }
        return head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
    }
}
