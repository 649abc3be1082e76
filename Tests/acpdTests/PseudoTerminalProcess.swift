import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `acpd` on a pseudo-terminal (stdin, stdout and stderr), driven expect-style: wait for a text,
/// type an answer. What it printed is read on a thread of its own.
final class PseudoTerminalProcess: @unchecked Sendable {
    private let process = Process()
    private let master: Int32
    private let lock = NSLock()
    private var output = ""

    init(_ arguments: [String], in directory: URL, environment extra: [String: String] = [:]) throws {
        var master: Int32 = -1, slave: Int32 = -1
        guard openpty(&master, &slave, nil, nil, nil) == 0 else { throw CocoaError(.fileReadUnknown) }
        self.master = master
        process.executableURL = URL(fileURLWithPath: TestPaths.product("acpd"))
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        for key in ["ACPD_CONFIG", "TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN"] { environment[key] = nil }
        for (key, value) in ["http_proxy": "", "HTTP_PROXY": "", "no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1"] { environment[key] = value }
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let terminal = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        process.standardInput = terminal
        process.standardOutput = terminal
        process.standardError = terminal
        try process.run()
        close(slave)
        let descriptor = master
        Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(descriptor, &buffer, buffer.count)
                guard count > 0 else { break }
                let text = String(decoding: buffer[0..<count], as: UTF8.self)
                lock.withLock { output += text }
            }
        }.start()
    }

    /// Everything printed so far.
    var transcript: String { lock.withLock { output } }

    /// Waits until the output contains `text` (after what earlier expectations consumed).
    func expect(_ text: String, timeout: Double = 45) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !transcript.contains(text) {
            guard Date() < deadline, process.isRunning || transcript.contains(text) else {
                throw PseudoTerminalError(description: "never printed \"\(text)\"; got:\n\(transcript)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Types `line` and Enter.
    func type(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
    }

    /// Its exit status, once it ended (terminated after `timeout` seconds).
    func wait(timeout: Double = 30) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline { process.terminate() }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    deinit { close(master) }
}

/// An expectation of `PseudoTerminalProcess` was not met.
struct PseudoTerminalError: Error, CustomStringConvertible {
    let description: String
}
