import ACPControlPlane
import ArgumentParser
import Bindings
import ChatCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import RuntimeBackends
import UnixSignals

/// `acpd prompt TEXT`: one prompt turn to an agent through its runtime backend, printed as it
/// streams. No chat, no store: a way to check an agent end to end from the terminal.
struct PromptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prompt",
        abstract: "Send one prompt to an agent and print the reply as it streams.",
        discussion: """
        Uses the agent's runtime backend (stdio or acpx) exactly as sessions do, without chat or store.
        With no config file, the bundled demo agent answers (see docs/demo-agent.md for its keywords).
        Ctrl-C cancels the turn (session/cancel); a second Ctrl-C stops the agent.
        """
    )

    @OptionGroup var config: ConfigOptions

    @Option(name: .long, help: ArgumentHelp("The agent id (default: acp.defaultAgent).", valueName: "ID"))
    var agent: String?

    @Option(name: .long, help: ArgumentHelp("The session working directory (default: the agent's cwd).", valueName: "PATH"))
    var cwd: String?

    @Option(name: .long, help: "Answer permission requests: ask (on the terminal), allow, or reject.")
    var permissions: PermissionAnswer = .ask

    @Flag(name: .long, help: "Print the agent's thoughts too.")
    var showThoughts = false

    @OptionGroup var trace: AgentTraceOptions

    @Argument(help: "The prompt text.")
    var text: [String]

    enum PermissionAnswer: String, ExpressibleByArgument, CaseIterable { case ask, allow, reject }

    func run() async throws {
        let prompt = text.joined(separator: " ")
        guard !prompt.isEmpty else { throw ValidationError("give the prompt text") }
        let logger = Logger(label: "acpd.prompt")
        let loaded = try config.loadOrExit()
        let settings = loaded.config
        guard let agentId = agent ?? settings.acp.defaultAgent else {
            throw ValidationError("no agent: pass --agent ID or set acp.defaultAgent")
        }
        guard let agentConfig = settings.agents[agentId] else {
            throw ValidationError("agent \"\(agentId)\" is not declared in \(loaded.description)")
        }
        let sessionCwd = cwd.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? agentConfig.cwd
        try FileManager.default.createDirectory(atPath: sessionCwd, withIntermediateDirectories: true)

        let registry = await RuntimeRegistryFactory.make(config: settings, verbose: trace.verbose)
        let runtime: any AgentRuntime
        do { runtime = try await registry.requireHealthy(agentConfig.backend) } catch {
            print(error.chatText)
            throw ExitCode(1)
        }
        guard let key = SessionKey.spawned(agentId: agentId, uuid: UUID().uuidString) else {
            throw ValidationError("agent id \"\(agentId)\" cannot form a session key")
        }
        let request = EnsureSessionRequest(sessionKey: key, agent: agentConfig.spec, cwd: sessionCwd,
                                           mode: .oneshot, envPassthrough: settings.acp.envPassthrough)
        let session: EnsuredSession
        do { session = try await runtime.ensureSession(request) } catch {
            print(error.chatText)
            throw ExitCode(1)
        }
        logger.debug("session ready", metadata: ["agentSession": "\(session.handle.agentSessionId)"])

        let showThoughts = showThoughts
        let outcome = await withTaskGroup(of: TurnOutcome?.self) { group in
            group.addTask {
                var printer = StreamPrinter(showThoughts: showThoughts)
                let events = runtime.runTurn(session.handle, prompt: [.text(prompt)], runId: RunID())
                for await event in events {
                    if case .permissionRequest(let request) = event {
                        await answer(request)
                        continue
                    }
                    if case .elicitation(.request(let request)) = event {
                        // Nobody to ask here: the agent is told the question was cancelled.
                        StandardStreams.error("[elicitation] \(request.message) — cancelled (acpd prompt cannot answer questions)\n")
                        await request.reply(.cancel)
                        continue
                    }
                    if let outcome = printer.print(event) { return outcome }
                }
                return .failed("the turn ended without a result")
            }
            group.addTask {
                // Ctrl-C: cancel the turn; a second one stops the agent.
                var interrupts = 0
                for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) {
                    interrupts += 1
                    if interrupts == 1 {
                        StandardStreams.error("\n[cancelling…]\n")
                        await runtime.cancel(session.handle)
                    } else {
                        await runtime.close(sessionKey: key, reason: .shutdown)
                    }
                }
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .failed("interrupted")
        }
        await runtime.close(sessionKey: key, reason: .oneshotDone)
        if case .failed = outcome { throw ExitCode(1) }
    }

    private func answer(_ request: PermissionRequest) async {
        let lines = request.options.enumerated().map { "  \($0.offset + 1). \($0.element.name) [\($0.element.kind.wire)]" }
        say("\n[permission] \(request.title)\n" + lines.joined(separator: "\n"))
        let choice: PermissionOption?
        switch permissions {
        case .allow: choice = request.options.first { $0.kind.isAllow }
        case .reject: choice = request.options.first { $0.kind.isReject }
        case .ask: choice = askOnTerminal(request.options)
        }
        if let choice {
            say("[permission] → \(choice.name)")
            await request.reply(.selected(optionId: choice.id))
        } else {
            say("[permission] → cancelled")
            await request.reply(.cancelled)
        }
    }

    private func say(_ line: String) {
        StandardStreams.output(line + "\n")
    }

    private func askOnTerminal(_ options: [PermissionOption]) -> PermissionOption? {
        guard isatty(STDIN_FILENO) != 0 else { return options.first { $0.kind.isReject } }
        StandardStreams.output("choose 1-\(options.count) (empty = reject): ")
        guard let line = readLine(), let number = Int(line.trimmingHorizontalWhitespace()),
              options.indices.contains(number - 1) else { return options.first { $0.kind.isReject } }
        return options[number - 1]
    }
}

enum TurnOutcome: Sendable {
    case done(StopReason)
    case failed(String)
}

/// Prints runtime events as a terminal transcript.
struct StreamPrinter: Sendable {
    let showThoughts: Bool
    /// Titles of the turn's tool calls: updates name the call by id only.
    private var toolTitles: [String: String] = [:]

    init(showThoughts: Bool) {
        self.showThoughts = showThoughts
    }

    /// Prints `event`; returns the outcome when the event ends the turn.
    mutating func print(_ event: RuntimeEvent) -> TurnOutcome? {
        switch event {
        case .text(let delta):
            if delta.stream == .output {
                write(delta.text)
            } else if showThoughts {
                write("\u{1B}[2m\(delta.text)\u{1B}[0m\n")
            }
        case .toolCall(let call):
            if let title = call.title { toolTitles[call.id] = title }
            let status = call.status.map { " (\($0))" } ?? ""
            write("\n[tool] \(toolTitles[call.id] ?? call.id)\(status)\n")
        case .plan(let entries):
            write("\n[plan]\n" + entries.map { "  - [\($0.status)] \($0.content)" }.joined(separator: "\n") + "\n")
        case .usage(let usage):
            write("\n[usage] \(usage.used)/\(usage.size) tokens\n")
        case .outputDropped(let reason):
            StandardStreams.error("[warning] some agent output could not be read: \(reason)\n")
        case .done(let reason):
            write("\n[done: \(reason.wire)]\n")
            return .done(reason)
        case .failed(let error, _):
            write("\n\(error.chatText)\n")
            return .failed(error.message)
        case .permissionRequest, .modeChanged, .commandsUpdated, .sessionInfo, .elicitation:
            break
        }
        return nil
    }

    private func write(_ text: String) {
        StandardStreams.output(text)
    }
}
