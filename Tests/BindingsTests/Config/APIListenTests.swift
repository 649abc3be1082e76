@testable import Bindings
import Testing

/// Issue 11, finding 9: `api.listen` needs `api.token` unless its host is literally loopback:
/// an IPv4 address in 127.0.0.0/8, `::1` (any spelling, also IPv4-mapped 127.x), or `localhost`.
/// A name that merely starts with `127.` (`127.0.0.1.nip.io`) resolves wherever its owner wants.
@Suite struct APIListenTests {
    static let loopback = ["127.0.0.1", "127.0.0.2", "127.255.255.255", "127.5.6.7", "[::1]", "[0:0:0:0:0:0:0:1]",
                           "[0000:0000:0000:0000:0000:0000:0000:0001]", "[::0:1]", "[::ffff:127.0.0.1]", "localhost", "LOCALHOST"]
    static let notLoopback = ["127.0.0.1.nip.io", "127.evil.example", "127.0.0.1.", "127.1", "127.0.1", "127.0.0.256",
                              "127.00.0.1", "0127.0.0.1", "localhost.example.com", "foo.localhost", "0.0.0.0", "[::]",
                              "[::2]", "[1::1]", "[::ffff:10.0.0.1]", "10.0.0.1", "128.0.0.1", "example.com", "[::1:]",
                              "[:::1]", "[1:2:3:4:5:6:7:8:9]", "126.255.255.255"]

    @Test(arguments: loopback)
    func aLoopbackHostNeedsNoToken(_ host: String) throws {
        let config = try parseConfig("api: { listen: \"\(host):7878\" }\n")
        #expect(config.api.port == 7878)
    }

    @Test(arguments: notLoopback)
    func anyOtherHostNeedsAToken(_ host: String) throws {
        let issues = configIssues("api: { listen: \"\(host):7878\" }\n")
        #expect(issues.map(\.path.description) == ["api.token"], "\(host): \(issues)")
        #expect(issues.first?.message.contains("is not a loopback address") == true)
        #expect(try parseConfig("api: { listen: \"\(host):7878\", token: t }\n").api.token?.value == "t")
    }
}

/// The address parsers behind `LoopbackHost`.
@Suite struct LoopbackHostTests {
    @Test func ipv4IsFourDecimalParts() {
        #expect(LoopbackHost.ipv4("127.0.0.1") == [127, 0, 0, 1])
        #expect(LoopbackHost.ipv4("0.0.0.0") == [0, 0, 0, 0])
        #expect(LoopbackHost.ipv4("255.255.255.255") == [255, 255, 255, 255])
        for text in ["127.1", "127.0.1", "1.2.3.4.5", "127.0.0.256", "127.00.0.1", "01.2.3.4", "1.2.3.", ".1.2.3", "1.2.3.-4",
                     "1.2.3.+4", "1.2.3.4 ", "a.b.c.d", "１.2.3.4", "1.2.3.1000", ""] {
            #expect(LoopbackHost.ipv4(text) == nil, "\(text)")
        }
    }

    @Test func ipv6FollowsTheTextForms() {
        #expect(LoopbackHost.ipv6("::1") == [0, 0, 0, 0, 0, 0, 0, 1])
        #expect(LoopbackHost.ipv6("::") == [0, 0, 0, 0, 0, 0, 0, 0])
        #expect(LoopbackHost.ipv6("1::") == [1, 0, 0, 0, 0, 0, 0, 0])
        #expect(LoopbackHost.ipv6("fe80::1:2") == [0xFE80, 0, 0, 0, 0, 0, 1, 2])
        #expect(LoopbackHost.ipv6("1:2:3:4:5:6:7:8") == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(LoopbackHost.ipv6("::ffff:127.0.0.1") == [0, 0, 0, 0, 0, 0xFFFF, 0x7F00, 1])
        #expect(LoopbackHost.ipv6("ABCD::") == [0xABCD, 0, 0, 0, 0, 0, 0, 0])
        for text in ["1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", ":::1", "::1:", "1::2::3", "12345::", "g::1", "::1.2.3", "1.2.3.4::",
                     "1:2:3:4:5:6:7::8", ":1:2:3:4:5:6:7", "::+1", "", ":"] {
            #expect(LoopbackHost.ipv6(text) == nil, "\(text)")
        }
    }

    @Test func loopbackIsDecidedBySpellingAlone() {
        for host in ["127.0.0.1", "127.1.2.3", "::1", "0::1", "::ffff:127.9.9.9", "localhost", "LocalHost"] {
            #expect(LoopbackHost.isLoopback(host), "\(host)")
        }
        for host in ["127.0.0.1.nip.io", "127.evil", "localhost.", "localhost.localdomain", "my.localhost", "::", "::2",
                     "::ffff:128.0.0.1", "::127.0.0.1", "0.0.0.0", "10.1.1.1", "127.1", ""] {
            #expect(!LoopbackHost.isLoopback(host), "\(host)")
        }
    }
}
