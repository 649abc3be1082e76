import Foundation
import TestSupport

/// `acpd` started in the background for a wizard test: the test drives the fake while it runs,
/// then awaits it. Waiting happens on a thread of its own, never on the Swift concurrency pool
/// the fakes serve from.
final class SetupProcess: Sendable {
    private let process: Process
    private let finished: Task<CLIRun, Never>

    init(_ arguments: [String], in directory: URL, environment extra: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestPaths.product("acpd"))
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        for key in ["ACPD_CONFIG", "TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN"] { environment[key] = nil }
        for (key, value) in ["http_proxy": "", "HTTP_PROXY": "", "no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1"] { environment[key] = value }
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        finished = Task {
            await withCheckedContinuation { continuation in
                Thread {
                    let errData = LockedValue(Data())
                    let reader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
                    reader.start()
                    let outData = out.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    while !reader.isFinished { usleep(1000) }
                    continuation.resume(returning: CLIRun(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                                                          stderr: String(decoding: errData.get(), as: UTF8.self)))
                }.start()
            }
        }
    }

    /// What it printed and its exit status, once it ended (killed after `timeout` seconds).
    func wait(timeout: Double = 60) async throws -> CLIRun {
        let process = process
        let killer = Task {
            try await Task.sleep(for: .seconds(timeout))
            if process.isRunning { process.terminate() }
        }
        defer { killer.cancel() }
        return await finished.value
    }
}
