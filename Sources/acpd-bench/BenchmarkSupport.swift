import ACPControlPlane
import Foundation

/// Bulk store helpers for the benchmarks. They write below the session manager, through the
/// store's `package` table helpers (no SQL here), and are not for the daemon: live runs belong to
/// their session actors.
extension ControlPlaneStore {
    /// Fills the store like a long-lived daemon: `sessions` sessions, each with finished runs
    /// totalling `eventsPerSession` events (last event terminal, fully delivered), a runtime
    /// binding, and — for every `interruptEvery`-th session — one run left `running`; everything
    /// stamped `age` seconds ago.
    func benchSeed(sessions: Int, runsPerSession: Int, eventsPerSession: Int, interruptEvery: Int, age: Double = 0) throws {
        let stamp = timestamp - age
        let perRun = max(2, eventsPerSession / max(1, runsPerSession))
        var index = 0
        while index < sessions {
            let end = min(sessions, index + 200)
            try write { db in
                for number in index..<end {
                    let key = SessionKey("agent:demo:acp:bench-\(number)")!
                    let conversation = ConversationRef(channel: .http, conversationId: "bench-\(number)")
                    try SessionTables.insert(db, SessionRecord(key: key, agentId: "demo", cwd: "/tmp", backend: "stdio",
                                                               agentSessionId: "demo-\(number)", createdAt: Date(timeIntervalSince1970: stamp)))
                    _ = try SessionTables.insertBinding(db, key: key, NewBinding(source: .runtime, conversation: conversation), at: stamp)
                    for runNumber in 0..<runsPerSession {
                        let run = RunID()
                        _ = try RunTables.insert(db, id: run, key: key, lane: .normal, conversation: conversation,
                                                 prompt: [.text("prompt \(runNumber)")], at: stamp)
                        try RunTables.markStarted(db, id: run, at: stamp)
                        let interrupted = interruptEvery > 0 && number % interruptEvery == 0 && runNumber == runsPerSession - 1
                        let events = (1...perRun).map { seq in
                            let terminal = seq == perRun && !interrupted
                            return EventLog.Pending(sessionKey: key, runId: run, seq: Int64(seq), payload: terminal
                                ? .completed(stopReason: "end_turn")
                                : .text(TextDelta(stream: .output, text: "chunk \(seq) of the agent's answer, some text", messageId: "m1")))
                        }
                        // The terminal event also stamps the run's last_seq.
                        _ = try EventLog.append(db, events, at: stamp)
                        if !interrupted {
                            try RunTables.markEnded(db, id: run, .completed, stopReason: "end_turn", at: stamp)
                            _ = try DeliveryCheckpoints.advance(db, run: run, destination: conversation.canonical, to: Int64(perRun), at: stamp)
                        } else {
                            try SessionTables.setState(db, key: key, .running, at: stamp)
                        }
                    }
                }
            }
            index = end
        }
    }
}

/// A TCP port nothing listens on now (the kernel's pick for an ephemeral bind on 127.0.0.1).
func benchFreePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw BenchError("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw BenchError("cannot bind an ephemeral port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Waits (up to `seconds`, checking every 50 ms) until `condition` holds.
func benchWaitFor(_ seconds: Double, _ what: String, _ condition: () async -> Bool) async throws {
    let deadline = monotonicSeconds() + seconds
    while await !condition() {
        guard monotonicSeconds() < deadline else { throw BenchError("timed out waiting: \(what)") }
        try await Task.sleep(for: .milliseconds(50))
    }
}

/// Writes `config` to `<dir>/acpd.yaml` and starts `acpd run` on it (output to `<dir>/acpd.log`,
/// whose path is printed when `ACPD_BENCH_KEEP` is set); the caller terminates it.
func benchStartDaemon(_ acpd: String, config: String, in dir: URL) throws -> (Process, URL) {
    try config.write(to: dir.appendingPathComponent("acpd.yaml"), atomically: true, encoding: .utf8)
    let daemon = Process()
    daemon.executableURL = URL(fileURLWithPath: acpd)
    daemon.arguments = ["run", "--config", dir.appendingPathComponent("acpd.yaml").path]
    daemon.currentDirectoryURL = dir
    let log = dir.appendingPathComponent("acpd.log")
    FileManager.default.createFile(atPath: log.path, contents: nil)
    let handle = try FileHandle(forWritingTo: log)
    daemon.standardOutput = handle
    daemon.standardError = handle
    try daemon.run()
    if ProcessInfo.processInfo.environment["ACPD_BENCH_KEEP"] != nil { print("log: \(log.path)") }
    return (daemon, log)
}
