import ACPControlPlane
import Foundation
import RuntimeBackends

/// `acpd-crash-host <stateDir> <demoAgent> [agent args…]`: a session manager on a real store and
/// the real stdio backend, driven by commands on stdin, one per line, answering one line each on
/// stdout. It marks the points where the crash tests kill it with SIGKILL (`SPAWNING`,
/// `PAUSED-…`); a paused consumer stops delivering while the agent keeps streaming.
///
/// Delivery is simulated: each delivered event is appended to `<stateDir>/delivered.log` as
/// `<runId> <seq> <kind>` (flushed to disk) before the checkpoint advances.
@main
enum CrashHost {
    static func main() async throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.count >= 2 else {
            FileHandle.standardError.write(Data("usage: acpd-crash-host <stateDir> <demoAgent> [agent args…]\n".utf8))
            exit(2)
        }
        let stateDir = URL(fileURLWithPath: arguments[0])
        let spec = AgentSpec(id: "demo", command: [arguments[1], "--state-dir", stateDir.appendingPathComponent("demo").path]
                                 + arguments.dropFirst(2))
        let store = try ControlPlaneStore.open(stateDir: stateDir)
        let registry = BackendRegistry()
        var options = StdioRuntimeOptions()
        options.cancelGrace = .seconds(2)
        await registry.register(StdioRuntime(options: options))
        var settings = ControlPlaneSettings()
        settings.runDrainTimeout = .seconds(2)
        let manager = SessionManager(store: store, backends: registry, agents: { $0 == "demo" ? spec : nil }, settings: settings)
        let host = Host(manager: manager, store: store, log: stateDir.appendingPathComponent("delivered.log"), cwd: stateDir.path)
        for await line in stdinLines() {
            let words = line.split(separator: " ").map(String.init)
            guard let command = words.first else { continue }
            do {
                if command == "quit" {
                    await manager.shutdown()
                    say("BYE")
                    exit(0)
                }
                try await host.handle(command, Array(words.dropFirst()))
            } catch {
                say("ERROR \(error)")
            }
        }
    }
}

/// Writes one line to stdout at once (unbuffered).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Lines of stdin, read on a dedicated thread (the read blocks).
func stdinLines() -> AsyncStream<String> {
    let (stream, continuation) = AsyncStream<String>.makeStream()
    let thread = Thread {
        while let line = readLine(strippingNewline: true) { continuation.yield(line) }
        continuation.finish()
    }
    thread.start()
    return stream
}
