import Foundation
import TestSupport

/// Runs the built `acpd` executable in a directory and collects what it prints.
struct CLIRun: Sendable {
    let status: Int32
    let stdout: String
    let stderr: String
}

enum CLI {
    /// `shell`, when given, runs first in the `/bin/sh` that then execs acpd (e.g. `ulimit -n 128`).
    /// The blocking part runs on a thread of its own, never on one of the Swift concurrency pool's
    /// few threads: a command that waits (a setup wizard, a doctor timing out) must not starve the
    /// other tests of the process, nor the fakes that serve it from that pool.
    static func run(_ arguments: [String], in directory: URL, environment extra: [String: String] = [:],
                    stdin: String? = nil, shell: String? = nil, timeout: Double = 60) async throws -> CLIRun {
        try await withDeadline(timeout, "acpd \(arguments.joined(separator: " "))") {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<CLIRun, any Error>) in
                Thread {
                    continuation.resume(with: Result { try runBlocking(arguments, in: directory, environment: extra, stdin: stdin, shell: shell) })
                }.start()
            }
        }
    }

    /// Everything `pipe` gives until it closes, then waits for `process` to exit, on a thread
    /// of its own (never blocking one of the concurrency pool's threads).
    static func readToEnd(_ pipe: Pipe, thenWaitFor process: Process) async -> Data {
        await withCheckedContinuation { continuation in
            Thread {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: data)
            }.start()
        }
    }

    private static func runBlocking(_ arguments: [String], in directory: URL, environment extra: [String: String],
                                    stdin: String?, shell: String?) throws -> CLIRun {
        let process = Process()
        if let shell {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "\(shell) && exec \"$0\" \"$@\"", TestPaths.product("acpd")] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: TestPaths.product("acpd"))
            process.arguments = arguments
        }
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["ACPD_CONFIG"] = nil
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes to the end before waiting, so a chatty child never blocks on a full pipe.
        let errData = LockedData()
        let errReader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        errReader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errData.isSet { usleep(1000) }
        return CLIRun(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData.value, as: UTF8.self))
    }
}

private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    func set(_ value: Data) { lock.withLock { data = value } }
    var isSet: Bool { lock.withLock { data != nil } }
    var value: Data { lock.withLock { data ?? Data() } }
}
