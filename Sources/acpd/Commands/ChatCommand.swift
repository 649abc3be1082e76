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
import RuntimeBackends
import ServiceLifecycle

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
        // Big agent lines' buffers get mappings of their own, given back when freed.
        MemoryTrim.mapBigAllocations()
        let loaded = try config.loadOrExit(serving: true)
        log.bootstrap(defaultLevel: .warning, config: loaded.config.log)
        let logger = Logger(label: "acpd.chat")
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
        let session = ConsoleSession(console: console, conversation: ref, parts: parts,
                                     agent: agent ?? loaded.config.acp.defaultAgent)
        // As `acpd run`, in the same order; the terminal session ends the group at EOF (its
        // runs delivered), and the rest stops in reverse: delivery drains last.
        let group = ServiceGroup(configuration: .init(services: [
            .init(service: parts.delivery),
            .init(service: ControlPlaneService(manager: parts.manager, store: parts.store, grace: Daemon.shutdownGrace, logger: logger)),
            .init(service: parts.router),
            .init(service: console),
            .init(service: session, successTerminationBehavior: .gracefullyShutdownGroup),
        ], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await parts.store.serving(group, logger: logger)
    }
}

/// The terminal side of `acpd chat`: spawns a session bound to the console conversation when it
/// has none, submits each stdin line, and at EOF waits until the runs it started reached the
/// terminal, then returns (which shuts the group down).
struct ConsoleSession: Service {
    let console: ConsoleChannel
    let conversation: ConversationRef
    let parts: DaemonParts
    let agent: String?

    func run() async throws {
        var counter = 0
        func say(_ text: String) async -> InboundOutcome? {
            counter += 1
            let message = InboundMessage(conversation: conversation, senderId: "operator", text: text,
                                         idempotencyKey: "console:\(UUID().uuidString):\(counter)")
            return await console.submit(message)
        }
        if try await parts.bindings.runtimeBinding(for: conversation) == nil,
           (try? parts.store.bindings(activeOnly: true).contains { $0.conversation == conversation }) != true,
           let agent {
            _ = await say("/acp spawn \(agent) --bind here")
        }
        console.showPrompt()
        var runs: [RunID] = []
        for await line in StandardInputLines.stream().cancelOnGracefulShutdown() {
            let text = line.trimmingHorizontalWhitespace()
            if text.isEmpty { continue }
            if let runId = await say(text)?.runId { runs.append(runId) }
        }
        // EOF: let the runs started here reach the terminal before the group stops (a SIGTERM
        // stops waiting). Nobody can answer a question or a permission request any more: a run
        // waiting for one is cancelled rather than left to its timeout.
        let unanswerable = Task { await cancelRunsWaitingForAnAnswer() }
        defer { unanswerable.cancel() }
        let started = runs
        await cancelWhenGracefulShutdown { [console] in
            for runId in started { await console.waitUntilDelivered(runId) }
        }
    }

    /// Every 200 ms until cancelled: when the console's session has a pending permission request
    /// or question, cancels its runs (`/acp cancel`), which ends them and says so.
    private func cancelRunsWaitingForAnAnswer() async {
        while !Task.isCancelled {
            if let key = try? parts.store.activeBindings(for: conversation).first?.sessionKey {
                let permissions = (try? await parts.manager.status(key).pendingPermissions.isEmpty) == false
                let questions = await !parts.manager.pendingElicitations(key).isEmpty
                if permissions || questions {
                    StandardStreams.error("input ended with a question pending: cancelling the run\n")
                    _ = try? await parts.manager.cancel(key, conversation: conversation)
                }
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
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
