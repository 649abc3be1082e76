import Foundation
import Testing
import TestSupport

/// Live delivery through the http channel: a multi-chunk turn is one reply message that is sent
/// once and then edited in place (same `seq` and `id`), `final` only at the end, as seen on
/// `GET /v1/conversations/{id}/events` and in the message log.
struct HTTPStreamingE2ETests {
    @Test func aStreamedReplyIsOneMessageEditedInPlaceUntilFinal() async throws {
        try await withE2EDaemon(acpLines: ["stream: { coalesceIdleMs: 20 }"]) { chat, _ in
            let events = try E2EEventStream(port: chat.daemon.port, path: "/v1/conversations/room1/events", token: chat.daemon.token)
            defer { events.close() }
            try await withDeadline(10, "the event stream opens") {
                while !events.received.contains(": acpd") { try await Task.sleep(for: .milliseconds(20)) }
            }
            let prompt = "[chunks=6][delay=120] one two three four five six"
            let run = try await chat.prompt(prompt, in: "room1")
            let finished = try? await withDeadline(20, "the final event of run \(run)") {
                while true {
                    let parsed = events.events.filter { $0.message?.runId == run }
                    if parsed.contains(where: { $0.message?.final == true }) { return parsed }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            let parsed = try #require(finished, "no final event of run \(run) in:\n\(events.received)")
            let sends = parsed.filter { $0.name == "send" }
            let edits = parsed.filter { $0.name == "edit" }
            #expect(sends.count == 1, "one message for the whole turn: \(events.received)")
            #expect(edits.count >= 1, "the reply grows by edits: \(events.received)")
            let first = try #require(sends.first?.message)
            #expect(parsed.first?.name == "send")
            #expect(parsed.allSatisfy { $0.message?.seq == first.seq && $0.message?.id == first.id && $0.id == "\(first.seq)" })
            #expect(parsed.dropLast().allSatisfy { $0.message?.final == false }, "final only at the end")
            let texts = parsed.compactMap { $0.message?.text }
            #expect(zip(texts, texts.dropFirst()).allSatisfy { $1.hasPrefix($0) }, "each edit extends the text: \(texts)")
            #expect(texts.last == "echo: \(prompt)")

            // The log holds the same one message, final, with the whole text.
            let logged = try await chat.messages(in: "room1").filter { $0.runId == run }
            #expect(logged.count == 1)
            #expect(logged.first?.seq == first.seq && logged.first?.final == true && logged.first?.text == "echo: \(prompt)")
            #expect(logged.first?.kind == "reply")
        }
    }
}

extension HTTPStreamingE2ETests {
    @Test func finalOnlyDeliverySendsTheWholeReplyOnce() async throws {
        try await withE2EDaemon(acpLines: ["stream: { deliveryMode: final_only, coalesceIdleMs: 20 }"]) { chat, _ in
            let events = try E2EEventStream(port: chat.daemon.port, path: "/v1/conversations/room1/events", token: chat.daemon.token)
            defer { events.close() }
            try await withDeadline(10, "the event stream opens") {
                while !events.received.contains(": acpd") { try await Task.sleep(for: .milliseconds(20)) }
            }
            let prompt = "[chunks=4][delay=60] all at once"
            let run = try await chat.prompt(prompt, in: "room1")
            #expect(try await chat.finalText(of: run, in: "room1") == "echo: \(prompt)")
            let parsed = try await withDeadline(10, "the event of run \(run)") {
                while true {
                    let parsed = events.events.filter { $0.message?.runId == run }
                    if !parsed.isEmpty { return parsed }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            #expect(parsed.map(\.name) == ["send"], "\(events.received)")
            #expect(parsed.first?.message?.final == true && parsed.first?.message?.text == "echo: \(prompt)")
        }
    }
}

/// A Server-Sent Events reader over a raw socket, read by a dedicated thread (a blocking `recv`
/// must not hold one of the few cooperative threads), so tests poll `received` or `events`.
final class E2EEventStream: @unchecked Sendable {
    /// One event: `event:` name, `id:` and the decoded `data:` message.
    struct Event: Sendable {
        let name: String
        let id: String?
        let message: E2EMessage?
    }

    private let fd: Int32
    private let lock = NSLock()
    private var bytes: [UInt8] = []

    init(port: Int, path: String, token: String) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else {
            _ = Glibc.close(fd)
            throw DaemonTestError("cannot connect to 127.0.0.1:\(port)")
        }
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nAccept: text/event-stream\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        let thread = Thread { [self] in readUntilClosed() }
        thread.start()
    }

    /// Everything received so far (headers, chunk framing and events).
    var received: String { String(decoding: lock.withLock { bytes }, as: UTF8.self) }

    /// The complete events received so far, in order.
    var events: [Event] {
        // "\r\n" (HTTP and chunk framing) is one Character to Swift: normalise it before splitting on "\n".
        received.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n").compactMap { block -> Event? in
            var name: String?
            var id: String?
            var data: String?
            for line in block.components(separatedBy: "\n") {
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("id: ") { id = String(line.dropFirst(4)) }
                if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
            }
            guard let name else { return nil }
            let message = data.flatMap { try? JSONDecoder().decode(E2EMessage.self, from: Data($0.utf8)) }
            return Event(name: name, id: id, message: message)
        }
    }

    /// Shuts the socket down, which ends the reading thread's `recv`.
    func close() { _ = shutdown(fd, Int32(SHUT_RDWR)) }

    private func readUntilClosed() {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &chunk, chunk.count, 0)
            guard count > 0 else { break }
            lock.withLock { bytes += chunk[0..<count] }
        }
        _ = Glibc.close(fd)
    }
}
