import Foundation
import Testing
import TestSupport

/// `acpd chat`: the console channel through the router, with stdin piped in.
struct DaemonChatTests {
    /// At EOF nobody can answer any more: a run waiting for the agent's question is cancelled at
    /// once (it used to wait out `acp.permissions.timeoutSeconds`, 10 minutes by default).
    @Test func endOfInputCancelsARunWaitingForAnAnswer() async throws {
        try await withTemporaryDirectory { directory in
            try DaemonProcess.writeConfig(in: directory, port: try DaemonProcess.freePort(), token: "t")
            let start = ContinuousClock.now
            let run = try await CLI.run(["chat", "--config", "acpd.yaml", "--conversation", "asked"], in: directory,
                                        stdin: "deploy [elicit]\n", timeout: 60)
            #expect(ContinuousClock.now - start < .seconds(30))
            #expect(run.status == 0, "stderr: \(run.stderr)")
            #expect(run.stdout.contains("Where should the demo deploy go? — cancelled"), "stdout: \(run.stdout)")
            #expect(run.stdout.contains("elicitation: cancel"), "stdout: \(run.stdout)")
            #expect(run.stderr.contains("input ended with a question pending: cancelling the run"), "stderr: \(run.stderr)")
        }
    }

    @Test func consoleSpawnsBindsAndEchoesThenKeepsTheBinding() async throws {
        try await withTemporaryDirectory { directory in
            try DaemonProcess.writeConfig(in: directory, port: try DaemonProcess.freePort(), token: "t")
            let first = try await CLI.run(["chat", "--config", "acpd.yaml", "--conversation", "desk"], in: directory,
                                          stdin: "hello console\n")
            #expect(first.status == 0, "stderr: \(first.stderr)")
            #expect(first.stdout.contains("OK: spawned agent:demo:"), "stdout: \(first.stdout)")
            #expect(first.stdout.contains("echo: hello console"), "stdout: \(first.stdout)")
            #expect(first.stdout.components(separatedBy: "echo: hello console").count == 2, "printed once: \(first.stdout)")

            // The same conversation again: the binding holds, nothing new is spawned.
            let second = try await CLI.run(["chat", "--config", "acpd.yaml", "--conversation", "desk"], in: directory,
                                           stdin: "again\n")
            #expect(second.status == 0, "stderr: \(second.stderr)")
            #expect(!second.stdout.contains("OK: spawned"), "stdout: \(second.stdout)")
            #expect(second.stdout.contains("echo: again"), "stdout: \(second.stdout)")
            #expect(!second.stdout.contains("hello console"), "stdout: \(second.stdout)")
        }
    }
}
