import ACPControlPlane
import Foundation
import Logging
import Testing
import TestSupport
@testable import RuntimeBackends

@Suite("ChildProcess supervision")
struct ChildProcessTests {
    let logger = Logger(label: "test.child")

    private func shell(_ script: String, env: [String: String] = ["PATH": "/usr/bin:/bin"], cwd: String = "/tmp") -> ProcessSpec {
        ProcessSpec(executable: "sh", arguments: ["-c", script], environment: env, workingDirectory: cwd)
    }

    private func collect(_ child: ChildProcess) async -> [String] {
        var lines: [String] = []
        for await item in child.stdoutLines {
            if case .success(let bytes) = item { lines.append(String(decoding: bytes, as: UTF8.self)) }
        }
        return lines
    }

    @Test("stdout lines are framed on \\n, \\r stripped, blank lines skipped; exit status reported")
    func framingAndExit() async throws {
        let child = try ChildProcess.spawn(shell(#"printf 'one\r\n\n  \ntwo\nthree'; echo oops >&2; exit 3"#), label: "t", logger: logger)
        let lines = try await withDeadline(10, "stdout EOF") { await self.collect(child) }
        #expect(lines == ["one", "two", "three"])
        let exit = try await withDeadline(10, "exit") { await child.waitForExit() }
        #expect(exit == .exited(3))
        try await withDeadline(5, "stderr tail") {
            while child.recentStderr != ["oops"] { try await Task.sleep(nanoseconds: 10_000_000) }
        }
    }

    @Test("a reader that falls behind stops the reading: the child blocks on a full pipe, then every line arrives in order")
    func backpressure() async throws {
        // ~6.9 MB of output: without backpressure acpd would read it all into memory and `seq`
        // would be gone within a fraction of a second.
        let count = 1_000_000
        let child = try ChildProcess.spawn(shell("seq 1 \(count)"), label: "t", logger: logger)
        try await Task.sleep(for: .seconds(1))
        #expect(child.exitStatus == nil, "the child wrote everything while nobody read: acpd buffered its output")
        let (next, outOfOrder) = try await withDeadline(60, "stdout EOF") {
            var next = 1, outOfOrder = 0
            for await item in child.stdoutLines {
                guard case .success(let bytes) = item else { continue }
                if String(decoding: bytes, as: UTF8.self) != String(next) { outOfOrder += 1 }
                next += 1
            }
            return (next, outOfOrder)
        }
        #expect(next == count + 1 && outOfOrder == 0, "lines \(next - 1), out of order \(outOfOrder)")
        #expect(try await withDeadline(10, "exit") { await child.waitForExit() } == .exited(0))
    }

    @Test("a child that exits while the reader is behind, its pipe held open by a grandchild: what it left is still read, past the close 2 s after the exit")
    func exitWhileBehind() async throws {
        // 100 small writes 10 ms apart (15,000 lines, 54 kB: less than a pipe holds): reading
        // stops after the first few (the reader takes nothing), the rest waits in the pipe, and
        // the child exits; a grandchild that outlives it (its group is not killed here) keeps the
        // pipe open, so no EOF comes. The reader starts only after the close 2 s after the exit.
        var spec = shell("(sleep 8) & i=0; while [ $i -lt 100 ]; do seq 1 150; sleep 0.01; i=$((i+1)); done")
        spec.killGroupOnExit = false
        let child = try ChildProcess.spawn(spec, label: "t", logger: logger)
        defer { Glibc.kill(-child.pid, SIGKILL) }
        let exit = try await withDeadline(20, "exit") { await child.waitForExit() }
        #expect(exit == .exited(0))
        try await Task.sleep(for: .seconds(3))
        let lines = try await withDeadline(20, "stdout EOF") { await self.collect(child) }
        #expect(lines.count == 15_000, "read \(lines.count) of 15000 lines")
        #expect(lines.last == "150")
    }

    @Test("a reader that stops iterating does not leave the child blocked on a full pipe")
    func readerLeaves() async throws {
        let child = try ChildProcess.spawn(shell("seq 1 1000000"), label: "t", logger: logger)
        try await Task.sleep(for: .milliseconds(300))
        for await _ in child.stdoutLines { break }
        let deadline = ContinuousClock.now + .seconds(30)
        while child.exitStatus == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(child.exitStatus == .exited(0), "the child is stuck writing to a pipe nobody reads")
        if child.exitStatus == nil { _ = await child.kill() }
    }

    @Test("the child sees exactly the given environment and working directory")
    func environmentAndCwd() async throws {
        try await withTemporaryDirectory { dir in
            setenv("ACPD_TEST_SECRET_TOKEN", "hunter2", 1)
            let spec = shell("env | sort; pwd", env: ["PATH": "/usr/bin:/bin", "ONLY_ME": "1"], cwd: dir.path)
            let child = try ChildProcess.spawn(spec, label: "t", logger: logger)
            let lines = try await withDeadline(10, "stdout EOF") { await self.collect(child) }
            #expect(!lines.contains { $0.contains("ACPD_TEST_SECRET_TOKEN") })
            #expect(lines.contains("ONLY_ME=1"))
            #expect(lines.last == dir.path)
            _ = await child.waitForExit()
        }
    }

    @Test("descriptors acpd opened without O_CLOEXEC do not leak into the child")
    func noInheritedDescriptors() async throws {
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)  // deliberately without O_CLOEXEC
        defer { close(fds[0]); close(fds[1]) }
        let child = try ChildProcess.spawn(shell("ls /proc/$$/fd"), label: "t", logger: logger)
        let lines = try await withDeadline(10, "stdout EOF") { await self.collect(child) }
        #expect(lines.contains("0") && lines.contains("2"))
        #expect(!lines.contains(String(fds[0])) && !lines.contains(String(fds[1])), "inherited: \(lines)")
        _ = await child.waitForExit()
    }

    @Test("a missing executable is a typed error")
    func missingExecutable() {
        #expect(throws: ACPError.self) {
            _ = try ChildProcess.spawn(ProcessSpec(executable: "no-such-agent-xyz", environment: ["PATH": "/usr/bin"],
                                                   workingDirectory: "/tmp"), label: "t", logger: logger)
        }
    }

    @Test("stdin lines reach the child; writing after it exited is an error, not SIGPIPE")
    func writeAndDeadPipe() async throws {
        let child = try ChildProcess.spawn(shell("read line; echo \"got $line\""), label: "t", logger: logger)
        try await child.write(line: "hello")
        let lines = try await withDeadline(10, "stdout EOF") { await self.collect(child) }
        #expect(lines == ["got hello"])
        _ = await child.waitForExit()
        await #expect(throws: ACPError.self) {
            for _ in 0..<3 { try await child.write(line: "again") }
        }
    }

    @Test("terminate escalates to SIGKILL and no process of the group survives")
    func terminateKillsGroup() async throws {
        // The shell ignores TERM, starts a grandchild that ignores TERM too, and prints its pid.
        let script = "trap '' TERM; sh -c \"trap '' TERM; sleep 1000\" & echo $!; while true; do sleep 1; done"
        let child = try ChildProcess.spawn(shell(script), label: "t", logger: logger)
        let first = try await withDeadline(10, "grandchild pid") { () async -> Result<[UInt8], ACPError>? in
            var iterator = child.stdoutLines.makeAsyncIterator()
            return await iterator.next()
        }
        guard case .success(let bytes)? = first, let grandchild = Int32(String(decoding: bytes, as: UTF8.self)) else {
            Issue.record("no grandchild pid")
            return
        }
        // Generous: at the start of a full test run every suite competes for the two cores.
        let exit = try await withDeadline(40, "terminate") { await child.terminate(graceSeconds: 0.2) }
        #expect(exit == .signaled(SIGKILL))
        try await withDeadline(5, "grandchild gone") {
            while kill(grandchild, 0) == 0 { try await Task.sleep(nanoseconds: 20_000_000) }
        }
    }

    @Test("a polite child exits when stdin closes, before any signal")
    func terminateByClosingStdin() async throws {
        let child = try ChildProcess.spawn(shell("cat >/dev/null; exit 0"), label: "t", logger: logger)
        let exit = try await withDeadline(10, "terminate") { await child.terminate(graceSeconds: 5) }
        #expect(exit == .exited(0))
    }

    @Test("a 300 kB single line arrives whole")
    func bigLine() async throws {
        let child = try ChildProcess.spawn(shell("head -c 300000 /dev/zero | tr '\\0' x; echo"), label: "t", logger: logger)
        let lines = try await withDeadline(10, "stdout EOF") { await self.collect(child) }
        #expect(lines.count == 1)
        #expect(lines.first?.utf8.count == 300_000)
    }
}
