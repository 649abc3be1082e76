import Foundation
import TestSupport

/// Runs helper programs (the Python SDK client, the ACP validator) to completion.
enum DemoAgentTool {
    struct Result: Sendable {
        let status: Int32
        /// stdout and stderr, interleaved.
        let output: String
    }

    /// Runs `executable` with `arguments`; fails with `TimeoutError` (and kills it) after `timeout` seconds.
    static func run(_ executable: String, _ arguments: [String], timeout: Double) async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        let exit = DemoAgentExitStatus()
        process.terminationHandler = { process in
            let status = process.terminationReason == .exit ? process.terminationStatus : -process.terminationStatus
            Task { await exit.set(status) }
        }
        try process.run()
        let pid = process.processIdentifier
        // The write end belongs to the child now; close ours so the reader sees end of file.
        try? output.fileHandleForWriting.close()
        let collected = DemoAgentCollected()
        let reader = Thread {
            let data = output.fileHandleForReading.readDataToEndOfFile()
            collected.finish(String(decoding: data, as: UTF8.self))
        }
        reader.start()
        do {
            let status = try await withDeadline(timeout, "\(URL(fileURLWithPath: arguments.first ?? executable).lastPathComponent) to finish") {
                await exit.wait()
            }
            let text = await collected.value()
            return Result(status: status, output: text)
        } catch {
            kill(pid, SIGKILL)
            throw error
        }
    }

    /// Validates a combined capture with `Tests/Peers/validate_acp.py --side <side>`.
    static func validate(_ capture: URL, side: String) async throws -> Result {
        try await run(TestPaths.python, [TestPaths.peer("validate_acp.py"), "--side", side,
                                         "--schema", TestPaths.acpSchemaDir.path, capture.path], timeout: 60)
    }
}

/// A string produced once by a reader thread, awaitable.
final class DemoAgentCollected: @unchecked Sendable {
    // @unchecked: state guarded by `lock`.
    private let lock = NSLock()
    private var text: String?
    private var waiters: [CheckedContinuation<String, Never>] = []

    func finish(_ value: String) {
        lock.lock()
        text = value
        let pending = waiters
        waiters.removeAll()
        lock.unlock()
        for waiter in pending { waiter.resume(returning: value) }
    }

    func value() async -> String {
        await withCheckedContinuation { continuation in
            lock.lock()
            if let text {
                lock.unlock()
                continuation.resume(returning: text)
            } else {
                waiters.append(continuation)
                lock.unlock()
            }
        }
    }
}
