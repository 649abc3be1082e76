import JSONKit
import Foundation
import TestSupport

/// A running agent process (normally `acpd-demo-agent`) driven line by line from a test.
///
/// Every line written to its stdin and read from its stdout is recorded in the combined capture
/// format of `Tests/Peers/validate_acp.py` (`{"dir":"out"|"in","conn":N,"msg":…}`, seen from the
/// client). Stdout and stderr are drained by dedicated reader threads, so a chatty agent never
/// blocks on a full pipe. Waiting is always event-driven: `next(where:)` resumes when a matching
/// line arrives (callers bound it with `withDeadline`).
final class DemoAgentProcess: @unchecked Sendable {
    // @unchecked: `process` and the pipes are only touched from the init, `send` (serialised by
    // `writeLock`) and the termination paths; everything mutable lives in actors.
    let inbox = DemoAgentInbox()
    let capture: DemoAgentCapture
    private let process = Process()
    private let stdin: FileHandle
    private let writeLock = NSLock()
    private let exitStatus = DemoAgentExitStatus()
    private var nextRequestId = 0
    let connection: Int

    /// Starts `executable` with `arguments`; `environment` replaces the inherited one when given.
    init(executable: String = TestPaths.demoAgent, arguments: [String] = [], environment: [String: String]? = nil,
         capture: DemoAgentCapture = DemoAgentCapture(), connection: Int = 1) throws {
        self.capture = capture
        self.connection = connection
        // Writing to an agent that just died must fail with EPIPE, not kill the test runner.
        signal(SIGPIPE, SIG_IGN)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        // Close-on-exec pipes: processes spawned concurrently by other tests must not inherit
        // them (an inherited stdin write end would hide end-of-input from the agent).
        let stdinPipe = try DemoAgentPipe()
        let stdout = try DemoAgentPipe()
        let stderr = try DemoAgentPipe()
        stdin = stdinPipe.write
        process.standardInput = stdinPipe.read
        process.standardOutput = stdout.write
        process.standardError = stderr.write
        let exitStatus = self.exitStatus
        process.terminationHandler = { process in
            let status = process.terminationReason == .exit ? process.terminationStatus : -process.terminationStatus
            Task { await exitStatus.set(status) }
        }
        try process.run()
        // The child has its copies now; ours would keep the pipes open forever.
        try? stdinPipe.read.close()
        try? stdout.write.close()
        try? stderr.write.close()
        let inbox = self.inbox
        let capture = self.capture
        let connection = self.connection
        Self.readLines(from: stdout.read, name: "demo-agent-stdout") { line in
            capture.record(direction: "in", line: line, connection: connection)
            return line
        } onLine: { line in
            inbox.deliver(line)
        } onEnd: {
            inbox.finish()
        }
        Self.readLines(from: stderr.read, name: "demo-agent-stderr") { $0 } onLine: { line in
            inbox.deliverStderr(line)
        } onEnd: {}
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    var pid: Int32 { process.processIdentifier }

    /// Writes one raw line (a `\n` is appended) to the agent's stdin. Returns false if the pipe is closed.
    @discardableResult
    func sendLine(_ line: String, record: Bool = true) -> Bool {
        writeLock.lock()
        defer { writeLock.unlock() }
        if record { capture.record(direction: "out", line: line, connection: connection) }
        do {
            try stdin.write(contentsOf: Data((line + "\n").utf8))
            return true
        } catch {
            return false
        }
    }

    /// Sends a JSON-RPC request with a fresh integer id; returns the id.
    @discardableResult
    func sendRequest(_ method: String, _ params: [String: Any]) -> Int {
        writeLock.lock()
        let id = nextRequestId
        nextRequestId += 1
        writeLock.unlock()
        sendLine(Self.json(["jsonrpc": "2.0", "id": id, "method": method, "params": params]))
        return id
    }

    /// Sends a JSON-RPC notification.
    func sendNotification(_ method: String, _ params: [String: Any]) {
        sendLine(Self.json(["jsonrpc": "2.0", "method": method, "params": params]))
    }

    /// Answers the agent's request `id` with `result`.
    func respond(to id: Any, result: [String: Any]) {
        sendLine(Self.json(["jsonrpc": "2.0", "id": id, "result": result]))
    }

    /// Sends a request and waits (at most `timeout` seconds) for its response line.
    func request(_ method: String, _ params: [String: Any], timeout: Double = 10) async throws -> [String: Any] {
        let id = sendRequest(method, params)
        let line = try await next(timeout: timeout, "the response to \(method)") { DemoAgentJSON.isResponse($0, id: id) }
        return DemoAgentJSON.object(line)
    }

    /// The next stdout line (after the previous match) satisfying `predicate`.
    func next(timeout: Double = 10, _ what: String, where predicate: @escaping @Sendable ([String: Any]) -> Bool) async throws -> String {
        let inbox = self.inbox
        let line = try await withDeadline(timeout, what) {
            await inbox.next { predicate(DemoAgentJSON.object($0)) }
        }
        guard let line else { throw DemoAgentTestError("agent stdout ended while waiting for \(what)") }
        return line
    }

    /// Closes the agent's stdin (end of input).
    func closeStdin() {
        writeLock.lock()
        defer { writeLock.unlock() }
        try? stdin.close()
    }

    /// Waits for the process to exit; returns its status (negative: killed by that signal).
    func waitForExit(timeout: Double = 10) async throws -> Int32 {
        let exitStatus = self.exitStatus
        let status = try await withDeadline(timeout, "the agent to exit") { await exitStatus.wait() }
        guard let status else { throw DemoAgentTestError("cancelled waiting for the agent to exit") }
        return status
    }

    /// Kills the process (SIGKILL) and reaps it.
    func kill() async {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        _ = try? await waitForExit(timeout: 10)
    }

    static func json(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads `handle` to its end on a dedicated thread, splitting on `\n`.
    private static func readLines(from handle: FileHandle, name: String, transform: @escaping @Sendable (String) -> String,
                                  onLine: @escaping @Sendable (String) -> Void, onEnd: @escaping @Sendable () -> Void) {
        let thread = Thread {
            let fd = handle.fileDescriptor
            var pending = [UInt8]()
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                var start = 0
                for index in 0..<count where buffer[index] == 0x0A {
                    pending.append(contentsOf: buffer[start..<index])
                    onLine(transform(String(decoding: pending, as: UTF8.self)))
                    pending.removeAll(keepingCapacity: true)
                    start = index + 1
                }
                pending.append(contentsOf: buffer[start..<count])
            }
            if !pending.isEmpty { onLine(transform(String(decoding: pending, as: UTF8.self))) }
            onEnd()
        }
        thread.name = name
        thread.start()
    }
}

/// Error thrown by the demo-agent test harness.
struct DemoAgentTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The exit status of a process, awaitable; a cancelled wait returns nil at once.
actor DemoAgentExitStatus {
    private var status: Int32?
    private var waiters: [UUID: CheckedContinuation<Int32?, Never>] = [:]

    func set(_ value: Int32) {
        status = value
        for waiter in waiters.values { waiter.resume(returning: value) }
        waiters.removeAll()
    }

    func wait() async -> Int32? {
        if let status { return status }
        let id = UUID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if let status {
                    continuation.resume(returning: status)
                } else if Task.isCancelled {
                    continuation.resume(returning: nil)
                } else {
                    waiters[id] = continuation
                }
            }
        } onCancel: {
            Task { await self.cancel(id) }
        }
    }

    private func cancel(_ id: UUID) {
        waiters.removeValue(forKey: id)?.resume(returning: nil)
    }
}

/// glibc's `pipe2`, which the Glibc module does not export (it needs _GNU_SOURCE).
@_silgen_name("pipe2")
private func demoAgentPipe2(_ fds: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32

/// A pipe whose both ends are close-on-exec (created atomically with `pipe2`).
struct DemoAgentPipe {
    let read: FileHandle
    let write: FileHandle

    init() throws {
        var fds: [Int32] = [-1, -1]
        guard demoAgentPipe2(&fds, O_CLOEXEC) == 0 else { throw DemoAgentTestError("pipe2 failed: errno \(errno)") }
        read = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true)
        write = FileHandle(fileDescriptor: fds[1], closeOnDealloc: true)
    }
}

/// Records the traffic of one or more agent processes as combined-format NDJSON lines.
final class DemoAgentCapture: @unchecked Sendable {
    // @unchecked: `lines` is only touched under `lock`.
    private let lock = NSLock()
    private var lines: [String] = []

    func record(direction: String, line: String, connection: Int) {
        // The message is embedded verbatim, so the capture holds exactly the bytes on the wire.
        let entry = "{\"dir\":\"\(direction)\",\"conn\":\(connection),\"msg\":\(line)}"
        lock.lock()
        lines.append(entry)
        lock.unlock()
    }

    /// Writes the capture to `url`, one line per message.
    func write(to url: URL) throws {
        lock.lock()
        let text = lines.joined(separator: "\n") + "\n"
        lock.unlock()
        try Data(text.utf8).write(to: url)
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return lines.count
    }
}
