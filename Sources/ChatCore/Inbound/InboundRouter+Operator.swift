import ACPControlPlane
import Bindings
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The operator commands (CONTRACT.md §4): `/acp health`, `sessions`, `send`, `logs`, `run`, and
/// the deletion of messages that carry the secret.
extension InboundRouter {
    /// Hands the router the daemon's version, start time, log ring and shell (`OperatorTools`).
    public func install(_ tools: OperatorTools) {
        operatorTools = tools
    }

    // MARK: health

    /// One message: version, uptime, every channel's state, sessions by state, live runtimes,
    /// runs, pending permission and pairing requests.
    func health() async -> InboundOutcome {
        let now = Date()
        var lines = ["acpd \(operatorTools.version), up \(Self.span(now.timeIntervalSince(operatorTools.startedAt)))"]
        var channelParts: [String] = []
        for channel in channels.all {
            if let status = channel.accountStatus {
                var part = "\(status.name) \(status.state.rawValue) for \(Self.span(now.timeIntervalSince(status.since)))"
                if status.state != .running, let error = status.lastError { part += " (\(error.prefix(120)))" }
                channelParts.append(part)
            } else {
                channelParts.append("\(channel.kind.rawValue) \(channel.isAcceptingInbound ? "running" : "stopped")")
            }
        }
        lines.append("channels: " + (channelParts.isEmpty ? "none" : channelParts.joined(separator: ", ")))
        do {
            let counts = try store.sessionCounts()
            let open = counts.filter { $0.key != .closed }.values.reduce(0, +)
            let byState = SessionState.allCases.compactMap { state in counts[state].map { "\(state.rawValue) \($0)" } }
            lines.append("sessions: \(open) open" + (byState.isEmpty ? "" : " (\(byState.joined(separator: ", ")))"))
            lines.append("runtimes: \(await manager.liveRuntimes()) live of \(config.acp.maxConcurrentSessions)")
            let runs = try store.activeRunCounts()
            lines.append("runs: \(runs.running) running, \(runs.queued) queued")
            lines.append("pending: \(try store.pendingPermissionCount()) permission request(s), \(try store.pendingPairingCount()) pairing request(s)")
        } catch {
            logger.error("health: store unavailable", metadata: ["error": "\(error)"])
            lines.append("store: unavailable (see the daemon log)")
        }
        return ok(lines.joined(separator: "\n"))
    }

    /// "42s", "5m 3s", "3h 12m", "2d 4h".
    static func span(_ seconds: TimeInterval) -> String {
        let total = max(0, Int(seconds))
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m \(total % 60)s" }
        if total < 86400 { return "\(total / 3600)h \(total % 3600 / 60)m" }
        return "\(total / 86400)d \(total % 86400 / 3600)h"
    }

    // MARK: sessions

    /// Open sessions, most recent first, filtered: key, label, agent, state, bindings, last activity.
    func sessionsList(_ options: SessionListOptions) throws -> InboundOutcome {
        let since = options.activeMinutes.map { Date().addingTimeInterval(-TimeInterval($0) * 60) }
        let sessions = try store.openSessions(agent: options.agent, activeSince: since,
                                              limit: ConfigLimits.clamp(options.limit, to: 1...SessionListOptions.maxLimit))
        var filters: [String] = []
        if let agent = options.agent { filters.append("agent \(agent)") }
        if let minutes = options.activeMinutes { filters.append("active in the last \(minutes) min") }
        let filtered = filters.isEmpty ? "" : " (\(filters.joined(separator: ", ")))"
        guard !sessions.isEmpty else { return ok("no open sessions\(filtered)") }
        var lines = ["\(sessions.count) open session(s)\(filtered):"]
        for session in sessions {
            let bound = try store.bindings(activeOnly: true, session: session.key)
                .map { "\($0.source.rawValue) \($0.conversation.canonical)" }.joined(separator: ", ")
            lines.append("- \(session.key)\(session.label.map { " [\($0)]" } ?? "") agent \(session.agentId), \(session.state.rawValue), "
                         + "bound \(bound.isEmpty ? "nowhere" : bound), last activity \(Self.age(session.lastActivityAt)) ago")
        }
        return ok(lines.joined(separator: "\n"))
    }

    // MARK: send

    /// Queues `text` as a run of the session `target` names. Its output goes to that session's
    /// conversation, the one of its active bindings used most recently, never here. A session
    /// bound nowhere (or only where no channel of this daemon runs) is refused: its output would
    /// reach no one.
    func send(_ target: String, text: String, _ context: CommandContext) async throws -> InboundOutcome {
        guard config.acp.dispatchEnabled else { throw ACPError(.dispatchDisabled) }
        let key = try namedSession(target)
        guard let session = try store.session(key), session.state != .closed else {
            throw ACPError(.sessionClosed, message: "\(key) is closed", hint: "start it again with /new in its conversation, or spawn a new one")
        }
        let bindings = try store.bindings(activeOnly: true, session: key)
        guard let destination = bindings.max(by: { $0.lastActivityAt < $1.lastActivityAt })?.conversation else {
            throw ACPError(.notBound, message: "\(key) is bound to no conversation, so its output would reach no one",
                           hint: "bind a conversation to it first (/acp bind \(key) there), then send again")
        }
        guard channels.channel(for: destination) != nil else {
            throw ACPError(.invalidArgument, message: "\(key) is bound to \(destination.canonical), whose channel does not run here",
                           hint: "start that channel account, or bind the session to a conversation on a running channel")
        }
        let idempotency = IdempotencyKey(scope: "\(context.conversation.channel.rawValue):\(context.conversation.accountId):send",
                                         key: context.message.idempotencyKey)
        let result = try await manager.submit(key, prompt: [.text(text)], from: destination, idempotency: idempotency)
        logger.info("prompt sent to another session", metadata: [
            "session": "\(key)", "run": "\(result.runId)", "from": "\(context.conversation.canonical)", "to": "\(destination.canonical)",
        ])
        return ok("sent to \(key); run \(result.runId) queued", runId: result.runId)
    }

    // MARK: logs

    /// The last `tail` lines of acpd's log (matching `grep`), redacted, cut to fit one message of
    /// this channel; a closing note says how many lines were left out.
    func logs(_ options: LogsOptions, _ context: CommandContext) -> InboundOutcome {
        guard let source = operatorTools.logs else {
            return failure(ACPError(.invalidArgument, message: "this process keeps no log lines", hint: "read acpd's log on the host"))
        }
        // Room for the message's own framing on every channel (e.g. Telegram's 4096 with entities).
        let budget = max(200, context.channel.capabilities.maxMessageLength - 80)
        let redactor = redactor
        let reply = LogExcerpt.reply(lines: source.lines(), tail: ConfigLimits.clamp(options.tail, to: 1...LogsOptions.maxTail),
                                     grep: options.grep, budget: budget, redact: { redactor.redact($0) })
        return InboundOutcome(accepted: true, reply: reply)
    }

    // MARK: run

    /// Runs a shell command for an owner (`access.shell`): policy checked, in the bound session's
    /// cwd (else the default agent's), with the agents' controlled environment, killed with its
    /// process group at the timeout; the output redacted and cut at `maxOutputBytes`.
    func shellRun(_ options: ShellRunOptions, _ context: CommandContext) async throws -> InboundOutcome {
        let settings = config.access.shell
        guard settings.enabled else {
            throw ACPError(.invalidArgument, message: "the shell is disabled (access.shell.enabled is false)",
                           hint: "set access.shell.enabled: true in the config and reload (SIGHUP)")
        }
        guard let shell = operatorTools.shell else {
            throw ACPError(.invalidArgument, message: "this process cannot run shell commands", hint: "run it on the host")
        }
        let maxTimeout = settings.effectiveMaxTimeoutSeconds
        let timeout = options.timeoutSeconds ?? settings.defaultTimeoutSeconds
        guard timeout <= maxTimeout else {
            throw ACPError(.invalidArgument, message: "/acp run: --timeout may be at most \(maxTimeout) seconds (access.shell.maxTimeoutSeconds)",
                           hint: "usage: \(CommandName.run.usage)")
        }
        try ShellPolicy(config: settings).check(options.command)
        let (cwd, agent) = try await shellPlace(context)
        let maxOutput = ConfigLimits.clamp(settings.maxOutputBytes, to: ConfigLimits.shellMaxOutputBytes)
        let request = ShellRequest(
            command: options.command, workingDirectory: cwd,
            environment: ShellPolicy.environment(passthrough: config.acp.envPassthrough, agent: agent,
                                                 host: ProcessInfo.processInfo.environment),
            timeout: .seconds(timeout), maxOutputBytes: maxOutput)
        let outcome = try await shell.run(request)
        let seconds = Self.seconds(outcome.duration)
        logger.notice("operator shell command", metadata: [
            "sender": "\(context.sender)", "command": "\(redactor.redact(options.command))", "cwd": "\(cwd)",
            "ending": "\(outcome.ending)", "seconds": "\(seconds)",
        ])
        let output = shellOutput(outcome, limit: maxOutput)
        switch outcome.ending {
        case .exited(let code):
            return ok("exit \(code) in \(seconds)s" + (output.isEmpty ? "" : "\n" + output))
        case .signaled(let signal):
            return ok("killed by signal \(signal) in \(seconds)s" + (output.isEmpty ? "" : "\n" + output))
        case .timedOut:
            let error = ACPError(.turnTimeout, message: "the command ran past its \(timeout)s timeout; it was killed with its process group",
                                 hint: "give it more time with --timeout (at most \(maxTimeout)s)")
            return InboundOutcome(accepted: true, reply: ChatReply.error(error) + (output.isEmpty ? "" : "\noutput so far:\n" + output))
        }
    }

    /// Where a command runs: the cwd of the session bound here, else the default agent's; and the
    /// agent whose environment it gets.
    private func shellPlace(_ context: CommandContext) async throws -> (cwd: String, agent: AgentConfig?) {
        switch context.resolution {
        case .bound(let match), .create(let match), .stale(let match, _):
            if let session = try store.session(match.sessionKey) { return (session.cwd, config.agents[session.agentId]) }
            if let settings = match.settings { return (settings.cwd, config.agents[settings.agentId]) }
        case .unbound:
            break
        }
        guard let id = config.acp.defaultAgent, let agent = config.agents[id] else {
            throw ACPError(.notBound, message: "no directory to run in: this conversation is not bound and there is no acp.defaultAgent",
                           hint: "run it in a bound conversation, or set acp.defaultAgent")
        }
        return (agent.cwd, agent)
    }

    /// The output as chat text: redacted, cut at `limit` bytes (never leaving part of a secret at
    /// the cut), with a notice of what was cut.
    private func shellOutput(_ outcome: ShellOutcome, limit: Int) -> String {
        var text = redactor.redact(String(decoding: outcome.output, as: UTF8.self))
        var dropped = outcome.droppedBytes
        if text.utf8.count > limit {
            var cut = text.utf8.count
            while text.utf8.count > limit { text.removeLast() }
            cut -= text.utf8.count
            dropped += cut
        }
        if dropped > 0 {
            let held = redactor.pendingSecretPrefix(in: text)
            if held > 0 { text.removeLast(held) }
        }
        while text.hasSuffix("\n") { text.removeLast() }
        if dropped > 0 { text += "\n[output cut at \(limit) bytes; \(dropped) more byte(s) not shown]" }
        return text
    }

    /// `duration` in seconds with one decimal ("0.3", "12.0").
    static func seconds(_ duration: Duration) -> String {
        let tenths = Int((Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18) * 10 + 0.5)
        return "\(tenths / 10).\(tenths % 10)"
    }

    // MARK: messages carrying the secret

    /// Deletes a message that carries the secret (`/auth`, `--secret`) where the channel lets the
    /// bot. Best effort: a channel that cannot (`notSupported`), or a platform that refuses (no
    /// rights, too old), is logged, never an error for the command.
    func deleteSecretMessage(_ message: InboundMessage, channel: any ChatChannel) async {
        guard let id = message.platformMessageId else { return }
        do {
            try await channel.deleteMessage(MessageRef(conversation: message.conversation, messageId: id))
            logger.debug("deleted a message that carried the secret", metadata: ["conversation": "\(message.conversation.canonical)"])
        } catch ChannelError.notSupported {
            logger.debug("this channel cannot delete the message that carried the secret",
                         metadata: ["conversation": "\(message.conversation.canonical)"])
        } catch {
            logger.warning("the message that carried the secret could not be deleted; delete it by hand",
                           metadata: ["conversation": "\(message.conversation.canonical)", "message": "\(id)", "error": "\(error)"])
        }
    }
}
