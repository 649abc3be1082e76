import ACPControlPlane
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

extension AcpxRuntime {
    /// Runs one prompt turn: `acpx … prompt --session NAME --file -` with the prompt on stdin.
    /// The stream yields the agent's updates in order and ends with exactly one `.done` or
    /// `.failed`, decided from the `session/prompt` result and acpx's exit code (see
    /// `AcpxExitStatus`). When the consumer stops listening before the end, the turn is cancelled.
    public func runTurn(_ handle: RuntimeHandle, prompt: [ContentBlock], runId: RunID) -> AsyncStream<RuntimeEvent> {
        // Pulled through `TurnPull`: the reading of acpx's output waits while the consumer is far
        // behind (`TurnFlow`), so acpx's pipe fills instead of the stream growing without bound.
        let (stream, continuation) = TurnSink.makeTurn()
        // The task ends when the acpx process does; the stream's consumer owns it through the stream.
        Task { await self.executeTurn(handle, prompt: prompt, runId: runId, continuation: continuation) }
        continuation.onConsumerCancelled {
            Task { await self.cancelRun(handle, runId: runId) }
        }
        return stream
    }

    /// Cancels the turn of `handle` only if it is still run `runId`.
    func cancelRun(_ handle: RuntimeHandle, runId: RunID) async {
        guard let session = await sessions.session(for: handle), let turn = await sessions.turn(handle.sessionKey),
              turn.runId == runId else { return }
        await cancel(turn, session: session)
    }

    func executeTurn(_ handle: RuntimeHandle, prompt: [ContentBlock], runId: RunID,
                     continuation: TurnSink) async {
        var log = logger
        log[metadataKey: "session"] = "\(handle.sessionKey)"
        log[metadataKey: "run"] = "\(runId)"
        let finish = { (outcome: AcpxTurnOutcome) in
            continuation.yield(outcome.runtimeEvent)
            continuation.finish()
        }
        guard let session = await sessions.session(for: handle) else {
            finish(.failed(ACPError(.sessionNotFound, message: "the agent session is not live",
                                    hint: "send the message again: acpd starts the session first",
                                    detail: "acpx backend has no session for \(handle.runtimeInstance)"), retryable: true))
            return
        }
        guard let turn = await sessions.beginTurn(handle.sessionKey, runId: runId) else {
            finish(.failed(ACPError(.turnFailed, message: "another turn is still running in this session",
                                    detail: "acpx backend: second runTurn for \(handle.sessionKey)"), retryable: false))
            return
        }
        log[metadataKey: "agent"] = "\(session.agentId)"
        let outcome = await drive(session, turn: turn, prompt: prompt, continuation: continuation, log: log)
        await sessions.endTurn(handle.sessionKey, turn)
        if case .failed(let error, _) = outcome, error.code == .sessionNotFound {
            // acpx lost the session (exit 4): the next ensureSession must run `sessions ensure` again.
            await sessions.forget(handle)
        }
        finish(outcome)
    }

    private func drive(_ session: AcpxSession, turn: AcpxActiveTurn, prompt: [ContentBlock],
                       continuation: TurnSink, log: Logger) async -> AcpxTurnOutcome {
        let blocks = prompt.map { $0.downgraded(for: Self.capabilities.prompt) }
        guard let input = AcpxPromptInput.encode(blocks) else {
            return .failed(ACPError(.invalidArgument, message: "the prompt is empty", hint: "send some text"), retryable: false)
        }
        if turn.cancelRequested { return .done(.cancelled) }
        let child: ChildProcess
        do {
            child = try process.start(argv: session.commandLine.prompt(session.name), environment: session.environment,
                                      cwd: session.cwd, label: "acpx prompt \(session.name)")
        } catch {
            return .failed(error, retryable: false)
        }
        if turn.attach(child) {
            // Cancelled while starting: acpx has nothing to cancel yet, so stop the process itself.
            escalate(child, log: log)
        }
        do {
            try await child.write(line: input)
        } catch {
            log.warning("could not write the prompt to acpx", metadata: ["error": "\(error)"])
        }
        child.closeStdin()

        var parser = AcpxStreamParser()
        var evidence = AcpxTurnEvidence()
        var skipped = 0
        for await line in child.stdoutLines {
            let bytes: [UInt8]
            switch line {
            case .failure(let error):
                skipped += 1
                log.warning("skipping an acpx output line", metadata: ["error": "\(error)"])
                continue
            case .success(let line):
                bytes = line
            }
            log.trace("acpx stdout", metadata: ["line": "\(String(decoding: bytes.prefix(2000), as: UTF8.self))"])
            switch bytes.withUnsafeBytes({ parser.consume(bytes: $0) }) {
            case .events(let events):
                for event in events { continuation.yield(event.runtimeEvent) }
                await continuation.flow.waitForRoom()
            case .promptResult(let reason):
                evidence.stopReason = reason
            case .promptError(let error):
                evidence.promptError = error
                log.notice("the agent answered the prompt with an error", metadata: ["error": "\(error.logText)"])
            case .reportedError(let error):
                evidence.reportedError = error
                log.notice("acpx reported an error", metadata: ["error": "\(error.logText)"])
            case .permission(let decision):
                if decision.approved { evidence.permissionsApproved += 1 } else { evidence.permissionsDenied += 1 }
                log.info("acpx answered a permission request by its policy", metadata: [
                    "tool_call": "\(decision.toolCallId ?? "?")", "title": "\(decision.title ?? "")",
                    "decision": "\(decision.cancelled ? "cancelled" : decision.optionKind ?? "unknown option")",
                ])
            case .ignored(let what):
                log.trace("acpx line ignored", metadata: ["what": "\(what)"])
            case .malformed(let prefix):
                skipped += 1
                log.warning("skipping an acpx output line that is not JSON", metadata: ["line": "\(prefix.prefix(200))"])
            }
        }
        let exit = await child.waitForExit()
        evidence.cancelRequested = turn.cancelRequested
        evidence.stderrTail = child.recentStderr.suffix(10).joined(separator: "\n")
        let outcome = AcpxExitStatus.turnOutcome(exit, evidence: evidence)
        log.info("acpx turn ended", metadata: [
            "exit": "\(exit)", "stop_reason": "\(evidence.stopReason?.wire ?? "-")", "skipped_lines": "\(skipped)",
            "outcome": "\(outcome)",
        ])
        return outcome
    }
}
