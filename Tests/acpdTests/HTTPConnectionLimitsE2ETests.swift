import Foundation
import Testing
import TestSupport

/// Issue 11, finding 2: idle TCP connections must not exhaust acpd's file descriptors. The API
/// closes a connection whose request head does not arrive within `api.headerTimeoutSeconds` and
/// one idle for `api.idleTimeoutSeconds`, and holds at most `api.maxConnections` (a new one
/// replaces the longest-waiting idle one); `acpd run` raises its soft open-file limit; an agent
/// that cannot get descriptors fails with a typed error. Each test drives `acpd run` over real
/// sockets.
@Suite(.serialized)
struct HTTPConnectionLimitsE2ETests {
    private static let token = "e2e-limits-\(UUID().uuidString.prefix(8))"

    private static var config: String { E2EConfig.oneRoom(accessLines: ["rateLimit: { perMinute: 600, burst: 200 }"]) }

    private static func healthz(_ port: Int, timeout: Double) async throws -> String {
        try await RawTCPConnection.exchange(port: port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                                            timeout: timeout)
    }

    @Test("more idle connections than acpd has descriptors (nofile 256, api.maxConnections 8): /healthz answers at once, the idle ones are closed after the header timeout, an agent still starts")
    func idleConnectionsCannotExhaustDescriptors() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess.start(
                in: directory, token: Self.token, config: Self.config,
                api: "  maxConnections: 8\n  headerTimeoutSeconds: 2\n  idleTimeoutSeconds: 30\n", shell: "ulimit -n 256")
            let idle = try (0..<300).map { _ in try RawTCPConnection(port: daemon.port) }
            try await Task.sleep(for: .milliseconds(300))

            let started = Date()
            let health = try await Self.healthz(daemon.port, timeout: 5)
            #expect(health.hasPrefix("HTTP/1.1 200"), "\(health)")
            #expect(Date().timeIntervalSince(started) < 2, "/healthz took \(Date().timeIntervalSince(started)) s")
            // No spinning while the idle connections wait (the old acpd burnt a core on EMFILE).
            let pid = daemon.process.processIdentifier
            let cpuBefore = try Self.cpuSeconds(pid)
            try await Task.sleep(for: .seconds(1))
            let spent = try Self.cpuSeconds(pid) - cpuBefore
            #expect(spent < 0.4, "acpd used \(spent) s of CPU in 1 s with idle connections open")

            // Every idle connection is closed by acpd: replaced by a newer one, or at the header timeout.
            try await withDeadline(15, "acpd closes the 300 idle connections") {
                while true {
                    let open = idle.filter { !$0.pollClosed() }.count
                    if open == 0 { return }
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            #expect(daemon.process.isRunning, "acpd died:\n\(daemon.log)")
            let answer = try await daemon.post("room1", from: "alice", "hello after the flood")
            let runId = try #require(answer.runId, "\(answer)")
            #expect(try await daemon.finalText("room1", run: runId).contains("hello after the flood"))
            #expect(try await daemon.stop() == 0)
        }
    }

    @Test("over api.maxConnections a request in progress (an event stream) is never cut: an idle connection makes room, with every slot busy the new connection is closed at once, a stream whose client left frees its slot")
    func busyConnectionsAreKept() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess.start(in: directory, token: Self.token, config: Self.config,
                                                       api: "  maxConnections: 2\n  headerTimeoutSeconds: 30\n")
            let stream = "GET /v1/conversations/room1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(Self.token)\r\n\r\n"
            let first = try RawTCPConnection(port: daemon.port)
            try await first.waitConnected(timeout: 5)
            try first.send(stream)
            _ = try await first.waitFor("acpd http channel events", timeout: 5)
            // One idle connection, then a second stream: the idle one makes room for it.
            let idle = try RawTCPConnection(port: daemon.port)
            try await idle.waitConnected(timeout: 5)
            try await Task.sleep(for: .milliseconds(200))
            let second = try RawTCPConnection(port: daemon.port)
            try await second.waitConnected(timeout: 5)
            try second.send(stream)
            _ = try await second.waitFor("acpd http channel events", timeout: 5)
            #expect(try await idle.waitClosed(timeout: 5) != nil, "the idle connection was not replaced")

            // Both slots serve streams: a new connection is closed at once, the streams live on.
            let refused = try RawTCPConnection(port: daemon.port)
            #expect(try await refused.waitClosed(timeout: 5) != nil, "a connection over the limit stayed open")
            #expect(!first.pollClosed() && !second.pollClosed(), "a stream was cut")
            #expect(daemon.process.isRunning)
            // Clients that leave free their slots at once, not at the stream's next event.
            first.close()
            second.close()
            try await withDeadline(5, "/healthz answers once the streams' clients left") {
                while try await !Self.healthz(daemon.port, timeout: 5).hasPrefix("HTTP/1.1 200") {
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            #expect(try await daemon.stop() == 0)
        }
    }

    @Test("a request head must arrive within api.headerTimeoutSeconds, even sent byte by byte; a kept-alive connection is closed after api.idleTimeoutSeconds, not before")
    func headerAndIdleTimeouts() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess.start(
                in: directory, token: Self.token, config: Self.config,
                api: "  headerTimeoutSeconds: 1\n  idleTimeoutSeconds: 6\n")
            let silent = try RawTCPConnection(port: daemon.port)
            let partial = try RawTCPConnection(port: daemon.port)
            let drip = try RawTCPConnection(port: daemon.port)
            let keptAlive = try RawTCPConnection(port: daemon.port)
            for connection in [silent, partial, drip, keptAlive] { try await connection.waitConnected(timeout: 5) }
            try partial.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            try keptAlive.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            _ = try await keptAlive.waitFor("\"ok\"", timeout: 5)
            let answered = Date()

            // The drip sends a header byte every 100 ms: activity, but no head.
            let dripping = Task {
                for byte in "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + String(repeating: "a", count: 200) {
                    if Task.isCancelled || drip.pollClosed() { return }
                    try? drip.send(String(byte))
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
            defer { dripping.cancel() }
            for (name, connection) in [("silent", silent), ("partial head", partial), ("drip", drip)] {
                let closedAfter = try await connection.waitClosed(timeout: 4)
                #expect(closedAfter != nil, "\(name): still open after 4 s (header timeout 1 s)")
            }
            #expect(!keptAlive.pollClosed(), "kept-alive connection closed before the idle timeout")
            let closedAfter = try await keptAlive.waitClosed(timeout: 12)
            let idleFor = Date().timeIntervalSince(answered)
            #expect(closedAfter != nil, "kept-alive connection still open after the idle timeout")
            #expect(idleFor > 4, "kept-alive connection closed after \(idleFor) s (idle timeout 6 s)")
            #expect(daemon.process.isRunning)
            #expect(try await daemon.stop() == 0)
        }
    }

    @Test("acpd run raises its soft open-file limit to the hard one and logs it")
    func raisesSoftOpenFileLimit() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess.start(in: directory, token: Self.token, config: Self.config, shell: "ulimit -S -n 200")
            let limits = try String(contentsOfFile: "/proc/\(daemon.process.processIdentifier)/limits", encoding: .utf8)
            let line = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max open files") }, "\(limits)")
            let numbers = line.split(separator: " ").compactMap { Int($0) }
            #expect(numbers.count == 2 && numbers[0] == numbers[1] && numbers[0] > 200, "\(line)")
            #expect(daemon.log.contains("raised the open-file limit"), "\(daemon.log)")
            #expect(try await daemon.stop() == 0)
        }
    }

    @Test("with the default api.maxConnections (256) under nofile 256, acpd lowers the limit to what the descriptors afford beside its agents (64) and a flood of 300 idle connections cannot exhaust them")
    func connectionLimitFitsTheOpenFileLimit() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess.start(in: directory, token: Self.token, config: Self.config,
                                                       api: "  headerTimeoutSeconds: 30\n", shell: "ulimit -n 256")
            #expect(daemon.log.contains("configured=256 effective=64"), "\(daemon.log)")
            let idle = try (0..<300).map { _ in try RawTCPConnection(port: daemon.port) }
            try await Task.sleep(for: .milliseconds(500))
            let health = try await Self.healthz(daemon.port, timeout: 5)
            #expect(health.hasPrefix("HTTP/1.1 200"), "\(health)")
            let open = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemon.process.processIdentifier)/fd").count
            #expect(open < 256 - 100, "acpd holds \(open) descriptors")
            let answer = try await daemon.post("room1", from: "alice", "hello beside 300 idle connections")
            let runId = try #require(answer.runId, "\(answer)")
            #expect(try await daemon.finalText("room1", run: runId).contains("hello beside 300 idle connections"))
            _ = idle
            #expect(try await daemon.stop() == 0)
        }
    }

    @Test("an agent spawn without free descriptors fails with ACP_SESSION_INIT_FAILED naming the cause; acpd lives on and the next prompt works")
    func spawnWithoutDescriptorsFailsTyped() async throws {
        try await withTemporaryDirectory { directory in
            let daemon = try await DaemonProcess.start(in: directory, token: Self.token, config: Self.config)
            let pid = daemon.process.processIdentifier
            // A connection to post through, opened before the limit drops.
            let connection = try RawTCPConnection(port: daemon.port)
            try await connection.waitConnected(timeout: 5)
            try await Task.sleep(for: .milliseconds(200))
            // The soft limit at acpd's lowest free descriptor number: no descriptor is left.
            let used = Set(try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").compactMap { Int($0) })
            let firstFree = (0...).first { !used.contains($0) }!
            try Self.prlimit(pid: pid, soft: firstFree)

            let body = #"{"conversationId": "room1", "senderId": "alice", "text": "hello without descriptors", "messageId": "m-nofd"}"#
            try connection.send("POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(Self.token)\r\n"
                                + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            let answer = try await connection.waitFor("}", timeout: 10)
            #expect(answer.hasPrefix("HTTP/1.1 202"), "\(answer)")
            let runId = try #require(answer.split(separator: "\"runId\":\"").dropFirst().first?.prefix { $0 != "\"" }, "\(answer)")
            // Let the run fail while the limit holds, then restore it to read the outcome.
            try await Task.sleep(for: .seconds(2))
            #expect(daemon.process.isRunning, "acpd died:\n\(daemon.log)")
            try Self.prlimit(pid: pid, soft: 4096)

            let run = try await daemon.finishedRun(String(runId))
            #expect(run.state == "failed" && run.errorCode == "ACP_SESSION_INIT_FAILED", "\(run)")
            let text = try await daemon.finalText("room1", run: String(runId))
            #expect(text.contains("ERROR: ACP_SESSION_INIT_FAILED: the agent could not be started: acpd has run out of file descriptors"), "\(text)")
            #expect(text.contains("raise the open-file limit, nofile"), "\(text)")

            let again = try await daemon.post("room1", from: "alice", "hello with descriptors")
            let againId = try #require(again.runId, "\(again)")
            #expect(try await daemon.finalText("room1", run: againId).contains("hello with descriptors"))
            #expect(try await daemon.stop() == 0)
        }
    }

    /// The CPU time (user + system) process `pid` used so far, in seconds.
    private static func cpuSeconds(_ pid: Int32) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the command name (in parentheses): state is field 3, utime 14, stime 15.
        let fields = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")
        let ticks = (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Sets the soft open-file limit of a running process (util-linux `prlimit`), keeping the hard one.
    private static func prlimit(pid: Int32, soft: Int) throws {
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
        process.arguments = ["--pid", "\(pid)", "--nofile=\(soft):\(limit.rlim_max)"]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw DaemonTestError("prlimit --nofile=\(soft) failed") }
    }
}
