import ACPControlPlane
import Foundation
@testable import RuntimeBackends
import Testing
import TestSupport

/// `ShellCommand` (`/acp run`): exit codes, both streams in one capped buffer, only the given
/// environment, the process group killed at the timeout and when the shell exits.
@Suite struct ShellCommandTests {
    static let environment = ["PATH": "/usr/bin:/bin"]

    @Test func exitCodeAndBothStreamsInOrder() async throws {
        let result = try await ShellCommand.run("echo out; echo err >&2; exit 7", workingDirectory: "/", environment: Self.environment,
                                                timeout: .seconds(10), maxOutputBytes: 1000)
        #expect(result.exit == .exited(7))
        #expect(!result.timedOut)
        #expect(String(decoding: result.output, as: UTF8.self) == "out\nerr\n")
        #expect(result.droppedBytes == 0)
    }

    @Test func outputIsCappedAndTheRestCounted() async throws {
        let result = try await ShellCommand.run("head -c 100000 /dev/zero", workingDirectory: "/", environment: Self.environment,
                                                timeout: .seconds(10), maxOutputBytes: 64)
        #expect(result.exit == .exited(0))
        #expect(result.output.count == 64)
        #expect(result.droppedBytes == 100_000 - 64)
    }

    @Test func onlyTheGivenEnvironmentAndDirectory() async throws {
        setenv("SHELL_COMMAND_TEST_HOST_ONLY", "leak", 1)
        defer { unsetenv("SHELL_COMMAND_TEST_HOST_ONLY") }
        try await withTemporaryDirectory { directory in
            let result = try await ShellCommand.run("echo \"[$SHELL_COMMAND_TEST_HOST_ONLY][$GIVEN]\"; pwd -P", workingDirectory: directory.path,
                                                    environment: Self.environment.merging(["GIVEN": "yes"]) { $1 },
                                                    timeout: .seconds(10), maxOutputBytes: 1000)
            #expect(String(decoding: result.output, as: UTF8.self) == "[][yes]\n\(directory.resolvingSymlinksInPath().path)\n")
        }
    }

    @Test func aMissingDirectoryIsAnInvalidArgument() async throws {
        await #expect(throws: ACPError.self) {
            try await ShellCommand.run("true", workingDirectory: "/nonexistent-\(UUID())", environment: Self.environment,
                                       timeout: .seconds(1), maxOutputBytes: 10)
        }
    }

    @Test func theTimeoutKillsTheWholeGroupAndABackgroundChildDiesWithTheShell() async throws {
        try await withTemporaryDirectory { directory in
            let started = ContinuousClock.now
            let result = try await ShellCommand.run("sleep 300 & echo $! > kid; echo started; sleep 300", workingDirectory: directory.path,
                                                    environment: Self.environment, timeout: .seconds(2), maxOutputBytes: 100)
            #expect(result.timedOut)
            #expect(result.exit == .signaled(SIGKILL))
            #expect(String(decoding: result.output, as: UTF8.self) == "started\n")
            #expect(ContinuousClock.now - started < .seconds(60), "not the 300 s of the sleep")
            #expect(result.duration >= .seconds(2))
            let kid = try #require(Int32(String(contentsOf: directory.appendingPathComponent("kid"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)))
            try await withDeadline(5, "the background sleep is gone") { while Self.isAlive(kid) { try await Task.sleep(for: .milliseconds(20)) } }

            // The shell exits at once, leaving a child in its group: the child is killed too.
            let left = try await ShellCommand.run("sleep 300 & echo $! > left", workingDirectory: directory.path,
                                                  environment: Self.environment, timeout: .seconds(10), maxOutputBytes: 100)
            #expect(left.exit == .exited(0) && !left.timedOut)
            let orphan = try #require(Int32(String(contentsOf: directory.appendingPathComponent("left"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)))
            try await withDeadline(5, "the left-behind sleep is gone") { while Self.isAlive(orphan) { try await Task.sleep(for: .milliseconds(20)) } }
        }
    }

    /// True while `pid` exists and is not a zombie.
    static func isAlive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return true }
        return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }
}
