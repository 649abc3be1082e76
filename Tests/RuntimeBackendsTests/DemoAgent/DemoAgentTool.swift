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
        let output = try DemoAgentPipe()
        process.standardOutput = output.write
        process.standardError = output.write
        process.standardInput = FileHandle.nullDevice
        let exit = DemoAgentExitStatus()
        process.terminationHandler = { process in
            let status = process.terminationReason == .exit ? process.terminationStatus : -process.terminationStatus
            Task { await exit.set(status) }
        }
        try process.run()
        let pid = process.processIdentifier
        // The write end belongs to the child now; close ours so the reader sees end of file.
        try? output.write.close()
        let collected = DemoAgentCollected()
        let reader = Thread {
            let data = output.read.readDataToEndOfFile()
            collected.finish(String(decoding: data, as: UTF8.self))
        }
        reader.start()
        do {
            let what = "\(URL(fileURLWithPath: arguments.first ?? executable).lastPathComponent) to finish"
            let result = try await withDeadline(timeout, what) { () async -> Result? in
                guard let status = await exit.wait(), let text = await collected.value() else { return nil }
                return Result(status: status, output: text)
            }
            guard let result else { throw DemoAgentTestError("cancelled waiting for \(what)") }
            return result
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

/// A string produced once by a reader thread, awaitable; a cancelled wait returns nil at once.
final class DemoAgentCollected: @unchecked Sendable {
    // @unchecked: state guarded by `lock`.
    private let lock = NSLock()
    private var text: String?
    private var waiters: [UUID: CheckedContinuation<String?, Never>] = [:]

    func finish(_ value: String) {
        lock.lock()
        text = value
        let pending = waiters.values
        waiters.removeAll()
        lock.unlock()
        for waiter in pending { waiter.resume(returning: value) }
    }

    func value() async -> String? {
        let id = UUID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                lock.lock()
                if let text {
                    lock.unlock()
                    continuation.resume(returning: text)
                } else if Task.isCancelled {
                    lock.unlock()
                    continuation.resume(returning: nil)
                } else {
                    waiters[id] = continuation
                    lock.unlock()
                }
            }
        } onCancel: {
            lock.lock()
            let waiter = waiters.removeValue(forKey: id)
            lock.unlock()
            waiter?.resume(returning: nil)
        }
    }
}
