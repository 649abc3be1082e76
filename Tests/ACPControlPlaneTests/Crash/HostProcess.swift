import Foundation
import Synchronization
import TestSupport

/// The `acpd-crash-host` executable, driven line by line, killable with SIGKILL.
final class HostProcess: Sendable {
    private let process: Process
    private let input: FileHandle
    private let lines = LineBuffer()

    init(stateDir: URL, agentArguments: [String] = []) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestPaths.product("acpd-crash-host"))
        process.arguments = [stateDir.path, TestPaths.demoAgent] + agentArguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        self.input = stdin.fileHandleForWriting
        let output = stdout.fileHandleForReading
        let thread = Thread { [lines] in
            var buffer = Data()
            while true {
                let chunk = output.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: 0x0A) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer.removeSubrange(buffer.startIndex...newline)
                    lines.append(line)
                }
            }
        }
        thread.start()
    }

    var pid: Int32 { process.processIdentifier }

    func send(_ command: String) throws {
        try input.write(contentsOf: Data((command + "\n").utf8))
    }

    /// Waits for the first not yet consumed line starting with `prefix` and returns it.
    /// An `ERROR` line fails at once.
    func line(_ prefix: String, timeout: Double = 20) async throws -> String {
        try await withDeadline(timeout, "host line \(prefix)") { [lines] in
            while true {
                let found = lines.take(prefix)
                if let found { return try found.get() }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    /// Sends `command` and waits for its answer line.
    func call(_ command: String, expect prefix: String, timeout: Double = 20) async throws -> [String] {
        try send(command)
        return try await line(prefix, timeout: timeout).split(separator: " ").map(String.init)
    }

    /// SIGKILL, then wait for the process to be gone.
    func kill() async throws {
        _ = Foundation.kill(process.processIdentifier, SIGKILL)
        try await withDeadline(10, "host exit") { [process] in
            while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        }
    }

    func quit() async throws {
        try send("quit")
        try await withDeadline(20, "host quit") { [process] in
            while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        }
    }

    struct HostError: Error, CustomStringConvertible {
        let line: String
        var description: String { line }
    }
}

/// Lines read so far, consumed by prefix.
final class LineBuffer: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    /// Removes and returns the first line starting with `prefix`; an `ERROR` line is a failure.
    func take(_ prefix: String) -> Result<String, HostProcess.HostError>? {
        lines.withLock { lines -> Result<String, HostProcess.HostError>? in
            if let index = lines.firstIndex(where: { $0.hasPrefix(prefix) }) { return .success(lines.remove(at: index)) }
            if let error = lines.first(where: { $0.hasPrefix("ERROR") }) { return .failure(HostProcess.HostError(line: error)) }
            return nil
        }
    }
}
