import ACPControlPlane
import Testing

@testable import RuntimeBackends

@Suite("acpx session names")
struct AcpxSessionNameTests {
    @Test("keys of safe characters are kept as they are")
    func plainKeys() {
        let cases: [(String, String)] = [
            ("agent:demo:acp:binding:telegram:default:0123456789abcdef",
             "acpd-agent:demo:acp:binding:telegram:default:0123456789abcdef"),
            ("agent:codex:acp:3f2a-11", "acpd-agent:codex:acp:3f2a-11"),
            ("a_b", "acpd-a_b"),
        ]
        for (key, name) in cases {
            #expect(AcpxSessionName(SessionKey(key)!).rawValue == name)
        }
    }

    @Test("unsafe characters are replaced and the key's hash is appended")
    func lossyKeys() {
        let key = "agent:demo:acp:a/b"
        let name = AcpxSessionName(SessionKey(key)!).rawValue
        #expect(name == "acpd-agent:demo:acp:a_b-" + AcpxSessionName.fnv1a64Hex(key))
    }

    @Test("FNV-1a 64 matches the reference values")
    func fnv() {
        #expect(AcpxSessionName.fnv1a64Hex("") == "cbf29ce484222325")
        #expect(AcpxSessionName.fnv1a64Hex("a") == "af63dc4c8601ec8c")
        #expect(AcpxSessionName.fnv1a64Hex("foobar") == "85944171f73967e8")
    }

    @Test("distinct keys get distinct names, every name is short and safe")
    func injective() {
        var keys = ["a_b", "a/b", "a\\b", "a#b", "a$b", "a_b-x", "A_B"]
        for index in 0..<300 { keys.append("agent:demo:acp:\(index)/\(index % 7)") }
        keys.append(String(repeating: "k", count: 200))
        keys.append(String(repeating: "k", count: 199) + "j")
        var seen: [String: String] = [:]
        for key in keys {
            let name = AcpxSessionName(SessionKey(key)!).rawValue
            #expect(seen[name] == nil, "\(key) and \(seen[name] ?? "") share \(name)")
            seen[name] = key
            #expect(name.count <= AcpxSessionName.maxLength)
            #expect(name.hasPrefix("acpd-"))
            #expect(name.unicodeScalars.allSatisfy { $0.isASCII && $0 != " " && $0 != "/" })
        }
    }

    @Test("names are stable across calls")
    func stable() {
        let key = SessionKey("agent:demo:acp:x/y")!
        #expect(AcpxSessionName(key) == AcpxSessionName(key))
    }
}
