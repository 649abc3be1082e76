import ACPControlPlane
import ArgumentParser
import Bindings
import ChatCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

/// `acpd chat`: the `console` channel — a terminal chat through the same router, commands and
/// store as `acpd run`. The console's sender is an owner.
struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with an agent in the terminal (the console channel; same router, commands and store).",
        discussion: "Each line is a message; /acp commands work. When the conversation is not bound, the first line spawns a session of --agent (else acp.defaultAgent) bound to it. End with EOF (Ctrl-D)."
    )

    @OptionGroup var config: ConfigOptions

    @Option(name: .long, help: ArgumentHelp("The agent to spawn when the conversation is not bound.", valueName: "ID"))
    var agent: String?

    @Option(name: .long, help: ArgumentHelp("The console conversation id.", valueName: "ID"))
    var conversation: String = "local"

    @OptionGroup var log: LogOptions

    func run() async throws {
        log.bootstrap(defaultLevel: .warning)
        let logger = Logger(label: "acpd.chat")
        let loaded = try config.loadOrExit(serving: true)
        let ref: ConversationRef
        do { ref = try ConversationIDs.parse(conversation, channel: .console) } catch {
            throw ValidationError("--conversation: \(error.message)")
        }
        let console = ConsoleChannel()
        let parts: DaemonParts
        do { parts = try await DaemonParts.assemble(config: loaded.config, configPath: loaded.config.file, channels: [console], logger: logger) } catch {
            StandardStreams.error("cannot start: \(error)\n")
            throw ExitCode(1)
        }
        let delivery = Task { await parts.delivery.run() }
        var counter = 0
        func say(_ text: String) async -> InboundOutcome {
            counter += 1
            let message = InboundMessage(conversation: ref, senderId: "operator", text: text,
                                         idempotencyKey: "console:\(UUID().uuidString):\(counter)")
            return await parts.router.handle(message, channel: console)
        }
        if try await parts.bindings.runtimeBinding(for: ref) == nil,
           (try? parts.store.bindings(activeOnly: true).contains { $0.conversation == ref }) != true {
            let agentId = agent ?? loaded.config.acp.defaultAgent
            if let agentId { _ = await say("/acp spawn \(agentId) --bind here") }
        }
        var runs: [RunID] = []
        for await line in StandardInputLines.stream() {
            let text = line.trimmingHorizontalWhitespace()
            if text.isEmpty { continue }
            if let runId = await say(text).runId { runs.append(runId) }
        }
        // EOF: let the runs started here reach the terminal before leaving.
        for runId in runs { await console.waitUntilDelivered(runId) }
        // Stop delivery and wait for it: its send queues drain and record their checkpoints, so the
        // next start does not offer what this one already printed.
        delivery.cancel()
        await delivery.value
        await parts.manager.shutdown()
    }
}

/// Lines of stdin as an async stream, read on a dedicated thread (a blocking read).
enum StandardInputLines {
    static func stream() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream<String>.makeStream()
        do {
            try DedicatedThread.start(name: "acpd-stdin") {
                while let line = readLine(strippingNewline: true) { continuation.yield(line) }
                continuation.finish()
            }
        } catch {
            StandardStreams.error("cannot read stdin: \(error)\n")
            continuation.finish()
        }
        return stream
    }
}
