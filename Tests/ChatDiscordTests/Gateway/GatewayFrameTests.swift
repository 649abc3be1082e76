import ChatDiscord
import JSONKit
import Testing

/// Decoding the gateway's frames where a number is out of the ordinary.
@Suite("gateway frames")
struct GatewayFrameTests {
    static func frame(_ text: String) throws -> GatewayFrame? {
        GatewayFrame.decode(try JSONParser.parse(Array(text.utf8)))
    }

    @Test("HELLO's heartbeat interval: an integer, a fraction, one beyond Int64 (the fuzzer's crash), one absurdly long")
    func helloInterval() throws {
        #expect(try Self.frame(#"{"op": 10, "d": {"heartbeat_interval": 41250}}"#) == .hello(heartbeatInterval: .milliseconds(41250)))
        #expect(try Self.frame(#"{"op": 10, "d": {"heartbeat_interval": 41250.7}}"#) == .hello(heartbeatInterval: .milliseconds(41250)))
        // Used to trap converting 4.12e52 to Int64: not a usable HELLO.
        #expect(try Self.frame(#"{"op": 10, "d": {"heartbeat_interval": 412E50}}"#) == nil)
        #expect(try Self.frame(#"{"op": 10, "d": {"heartbeat_interval": -5}}"#) == nil)
        // A usable but absurd interval is held to 10 minutes.
        #expect(try Self.frame(#"{"op": 10, "d": {"heartbeat_interval": 9000000000000}}"#) == .hello(heartbeatInterval: .seconds(600)))
    }
}
