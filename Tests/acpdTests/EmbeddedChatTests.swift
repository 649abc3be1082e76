import Foundation
import Testing
import TestSupport

/// The README's first command ends in `acpd chat` on the embedded defaults (no config file): it
/// must work in an empty folder, with the store and the demo agent's workspace made on first use.
@Suite("acpd chat on the embedded defaults")
struct EmbeddedChatTests {
    @Test("first message spawns a bound demo session and its answer is printed once")
    func chatInEmptyFolder() async throws {
        try await withTemporaryDirectory { dir in
            let run = try await CLI.run(["chat"], in: dir, stdin: "hello from the test [chunks=3]\n/acp status\n")
            #expect(run.status == 0, "stderr: \(run.stderr)")
            #expect(run.stdout.contains("OK: spawned agent:demo:acp:"))
            #expect(run.stdout.components(separatedBy: "echo: hello from the test [chunks=3]").count == 2)
            #expect(run.stdout.contains("binding: runtime console:default:local"))
            #expect(!run.stdout.contains("ERROR"))
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(".acpd/acpd.sqlite").path))
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("workspace").path))
        }
    }
}
