import Foundation
import Testing
import TestSupport

/// `GET /v1/conversations/{id}/events`: Server-Sent Events of the http channel's sends and edits,
/// read over a raw socket; an open stream does not hold up a graceful shutdown.
struct DaemonEventsTests {
    @Test func eventsStreamCarriesTheRepliesAndEndsOnShutdown() async throws {
        try await withTemporaryDirectory { directory in
            let port = try DaemonProcess.freePort()
            try DaemonProcess.writeConfig(in: directory, port: port, token: "events-token")
            let daemon = try await DaemonProcess(directory: directory, port: port, token: "events-token")
            let stream = try SSEConnection(port: port, path: "/v1/conversations/room1/events", token: "events-token")
            try await withDeadline(10, "event stream opens") { try stream.waitFor(": acpd") }

            let (status, outcome) = try await daemon.json("POST", "/v1/messages",
                                                          body: ["conversationId": "room1", "senderId": "alice", "text": "streamed", "messageId": "e-1"])
            #expect(status == 202)
            #expect(outcome["runId"] is String)
            let seen = try await withDeadline(30, "an event of the final message") { try stream.waitFor("\"final\":true") }
            #expect(seen.contains("event: send"), "stream: \(seen)")
            #expect(seen.contains("echo: streamed"), "stream: \(seen)")

            #expect(try await daemon.stop(signal: SIGTERM) == 0, "log:\n\(daemon.log)")
            stream.close()
        }
    }
}

/// A blocking HTTP/1.1 GET on 127.0.0.1 whose body is read as it arrives.
final class SSEConnection: @unchecked Sendable {
    private let fd: Int32
    private let lock = NSLock()
    private var received = ""

    init(port: Int, path: String, token: String) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { throw DaemonTestError("cannot connect to 127.0.0.1:\(port)") }
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nAccept: text/event-stream\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
    }

    /// Reads until the received text contains `marker`; returns everything received so far.
    func waitFor(_ marker: String) throws -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let text = lock.withLock { received }
            if text.contains(marker) { return text }
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { throw DaemonTestError("stream ended before \(marker): \(text)") }
            lock.withLock { received += String(decoding: buffer[0..<count], as: UTF8.self) }
        }
    }

    func close() { _ = Glibc.close(fd) }
}
