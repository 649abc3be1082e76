import Foundation

// acpd-demo-agent: a deterministic ACP v1 agent on stdio (spec: docs/demo-agent.md).
// Reads NDJSON JSON-RPC from stdin, writes it to stdout, logs to stderr, exits 0 at end of input.

signal(SIGPIPE, SIG_IGN)

let options: DemoOptions
do {
    options = try DemoOptions.parse(Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment)
} catch {
    if let message = error.message {
        Log.line(message)
        _ = FD.writeAll(2, Array((DemoOptions.usage + "\n").utf8))
        exit(2)
    }
    _ = FD.writeAll(1, Array((DemoOptions.usage + "\n").utf8))
    exit(0)
}

let agent = DemoAgent(options: options, output: Output())
for await line in StdinLines.stream() {
    let message: JSON
    do {
        message = try JSON.parse(line)
    } catch {
        Log.line("dropping a malformed line (\(line.count) bytes): not JSON")
        continue
    }
    await agent.receive(message)
}
// End of input: let running requests finish (turns are cancelled), at most one second.
Task {
    try? await Task.sleep(for: .seconds(1))
    Log.line("stdin closed; requests still running after 1 s, exiting anyway")
    exit(0)
}
await agent.drain()
Log.line("stdin closed; exiting")
exit(0)
