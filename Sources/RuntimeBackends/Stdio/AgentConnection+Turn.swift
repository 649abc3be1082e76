import JSONKit
import ACPControlPlane
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Prompt turns, session updates, permissions and cancellation.
extension AgentConnection {
    /// Starts a turn whose events go to `continuation`; the stream always ends with exactly one
    /// `.done` or `.failed`.
    func startTurn(prompt: [ContentBlock], runId: RunID, ticket: UInt64,
                   continuation: TurnSink) {
        lastStartedTicket = max(lastStartedTicket, ticket)
        if ticket <= cancelledBeforeStart {
            // Cancelled between `runTurn` and here: the prompt never reaches the agent.
            continuation.yield(.done(.cancelled))
            continuation.finish()
            return
        }
        if let death {
            continuation.yield(.failed(death, retryable: true))
            continuation.finish()
            return
        }
        guard turn == nil else {
            continuation.yield(.failed(ACPError(.turnFailed, message: "a turn is already running in this session"), retryable: false))
            continuation.finish()
            return
        }
        guard let sessionId = agentSessionId else {
            continuation.yield(.failed(ACPError(.turnFailed, message: "the agent session is not ready"), retryable: true))
            continuation.finish()
            return
        }
        turnCounter += 1
        let blocks = prompt.map { WireContentBlock(prompt: $0.downgraded(for: capabilities.prompt)) }
        turn = ActiveTurn(token: turnCounter, runId: runId, continuation: continuation, prompt: blocks)
        do throws(ACPError) {
            try sendPrompt(PromptRequest(sessionId: sessionId, prompt: blocks), token: turnCounter)
        } catch {
            finishTurn(.failed(error, retryable: true))
        }
    }

    /// Ends the turn in flight with `event` (once); answers what is still pending.
    func finishTurn(_ event: RuntimeEvent) {
        guard let current = turn else { return }
        turn = nil
        current.graceTask?.cancel()
        // Never leave a permission request unanswered once its turn is over.
        for id in permissions.keys { respond(id: id, RequestPermissionResponse(outcome: .cancelled)) }
        permissions = [:]
        current.continuation.yield(event)
        current.continuation.finish()
    }

    func promptAnswered(token: UInt64, result: Result<JSONValue, JSONRPCError>) {
        guard let current = turn, current.token == token else {
            logger.debug("prompt response for a turn that already ended")
            return
        }
        switch result {
        case .success(let value):
            do throws(ACPError) {
                let response = try AgentMessage.decodeResult(PromptResponse.self, from: value)
                finishTurn(.done(StopReason(wire: response.stopReason)))
            } catch {
                finishTurn(.failed(error, retryable: false))
            }
        case .failure(let error) where current.cancelRequested:
            logger.info("the agent answered a cancelled prompt with an error: \(error)")
            finishTurn(.done(.cancelled))
        case .failure(let error) where error.code == JSONRPCError.authenticationRequired:
            if !current.authRetried, let methodId = usableAuthMethod {
                turn?.authRetried = true
                Task { await self.authenticateAndResend(token: token, methodId: methodId) }
            } else {
                finishTurn(.failed(needsLoginError(detail: error.description), retryable: false))
            }
        case .failure(let error):
            finishTurn(.failed(ACPError(.turnFailed, message: "the agent reported an error: \(error.message)",
                                        detail: "JSON-RPC error \(error.code)\(error.data.map { " data: \($0)" } ?? "")"),
                               retryable: false))
        }
    }

    private func authenticateAndResend(token: UInt64, methodId: String) async {
        let auth = await call("authenticate", AuthenticateRequest(methodId: methodId), timeout: options.requestTimeout)
        guard let current = turn, current.token == token, let sessionId = agentSessionId else { return }
        guard case .success = auth else {
            finishTurn(.failed(needsLoginError(detail: "authenticate failed"), retryable: false))
            return
        }
        do throws(ACPError) {
            try sendPrompt(PromptRequest(sessionId: sessionId, prompt: current.prompt), token: token)
        } catch {
            finishTurn(.failed(error, retryable: true))
        }
    }

    func handleUpdate(_ notification: SessionNotification) {
        if let loading = loadingSessionId, notification.sessionId == loading {
            replayedUpdates += 1  // history replay of session/load: not new output
            return
        }
        noteAgentUpdate(notification)
        guard let current = turn, notification.sessionId == agentSessionId else {
            logger.debug("update \(notification.update.kind) outside a turn dropped")
            return
        }
        for event in UpdateMapper.events(for: notification.update) {
            current.continuation.yield(event)
        }
    }

    // MARK: Agent requests

    func handleRequest(id: RequestID, _ request: AgentRequest) {
        switch request {
        case .requestPermission(let params):
            requestPermission(id: id, params)
        case .createElicitation(let params):
            serveElicitation(id: id, params)
        case .readTextFile(let params) where options.fileSystem:
            serveFile(id: id, sessionId: params.sessionId) { (root: String) throws(JSONRPCError) -> ReadTextFileResponse in
                ReadTextFileResponse(content: try FileSystemAccess.read(params, root: root))
            }
        case .writeTextFile(let params) where options.fileSystem:
            serveFile(id: id, sessionId: params.sessionId) { (root: String) throws(JSONRPCError) -> EmptyObject in
                try FileSystemAccess.write(params, root: root)
                return EmptyObject()
            }
        default:
            logger.info("answering unsupported request \(request.method) with -32601")
            respondError(id: id, JSONRPCError(code: JSONRPCError.methodNotFound, message: "Method not found",
                                              data: .object(JSONObject(members: [("method", .string(request.method))]))))
        }
    }

    private func serveFile<R: Encodable & Sendable>(
        id: RequestID, sessionId: String, _ body: @escaping @Sendable (String) throws(JSONRPCError) -> R
    ) {
        guard sessionId == agentSessionId else {
            respondError(id: id, JSONRPCError(code: JSONRPCError.invalidParams, message: "unknown sessionId"))
            return
        }
        let root = cwd
        Task {
            let result: Result<R, JSONRPCError>
            do throws(JSONRPCError) { result = .success(try body(root)) } catch { result = .failure(error) }
            switch result {
            case .success(let value): self.respond(id: id, value)
            case .failure(let error): self.respondError(id: id, error)
            }
        }
    }

    private func requestPermission(id: RequestID, _ params: RequestPermissionRequest) {
        guard let current = turn, !current.cancelRequested, params.sessionId == agentSessionId else {
            respond(id: id, RequestPermissionResponse(outcome: .cancelled))
            return
        }
        permissions[id] = PendingPermission(optionIds: Set(params.options.map(\.optionId)))
        let reply = PermissionReply { [weak self] outcome in
            await self?.answerPermission(id: id, outcome) ?? false
        }
        let options = params.options.map { PermissionOption(id: $0.optionId, name: $0.name, kind: .init(wire: $0.kind)) }
        let request = PermissionRequest(
            id: id.description, toolCallId: params.toolCall.toolCallId,
            title: params.toolCall.title ?? params.toolCall.toolCallId, kind: params.toolCall.kind,
            options: options, reply: reply)
        current.continuation.yield(.permissionRequest(request))
    }

    /// Answers the agent's permission request `id` once. False when it is no longer pending or
    /// `outcome` names an option the agent did not offer (then nothing is sent).
    func answerPermission(id: RequestID, _ outcome: PermissionOutcome) -> Bool {
        guard let entry = permissions[id] else { return false }
        let wire: RequestPermissionOutcome
        switch outcome {
        case .selected(let optionId):
            guard entry.optionIds.contains(optionId) else { return false }
            wire = .selected(optionId: optionId)
        case .cancelled:
            wire = .cancelled
        }
        permissions[id] = nil
        respond(id: id, RequestPermissionResponse(outcome: wire))
        return true
    }

    /// `$/cancel_request` from the agent: stop waiting for that permission and answer it once.
    func withdrawPermission(_ id: RequestID) {
        if withdrawElicitation(id) { return }
        guard permissions.removeValue(forKey: id) != nil else {
            logger.debug("$/cancel_request for \(id), which is not pending")
            return
        }
        respond(id: id, RequestPermissionResponse(outcome: .cancelled))
        // The conversation's prompt then says the agent withdrew it.
        turn?.continuation.yield(.elicitation(.withdrawn(requestId: id.description)))
    }

    // MARK: Cancellation

    /// Answers every pending permission with `cancelled`, then sends `session/cancel`; the turn
    /// keeps streaming until the prompt response. Without a response within the grace period
    /// the agent is killed and the turn fails with ACP_TURN_TIMEOUT.
    /// Cancels the turn in flight. `latestTicket` is the newest `runTurn` ticket of this session:
    /// when that turn has not reached the connection yet, it is remembered as cancelled, so a
    /// cancel right after a submit is never lost.
    func cancelTurn(latestTicket: UInt64 = 0) {
        if turn == nil, latestTicket > lastStartedTicket {
            cancelledBeforeStart = max(cancelledBeforeStart, latestTicket)
            return
        }
        guard var current = turn, !current.cancelRequested, let sessionId = agentSessionId else { return }
        current.cancelRequested = true
        for id in permissions.keys.sorted(by: { $0.description < $1.description }) {
            respond(id: id, RequestPermissionResponse(outcome: .cancelled))
        }
        permissions = [:]
        cancelElicitations()
        notify("session/cancel", CancelNotification(sessionId: sessionId))
        let token = current.token
        let grace = options.cancelGrace
        current.graceTask = Task { [weak self] in
            do { try await Task.sleep(for: grace) } catch { return }
            await self?.cancelGraceExpired(token: token)
        }
        turn = current
    }

    /// Like `cancelTurn` without the grace timer (the agent is being shut down anyway).
    func cancelTurnForShutdown() {
        guard turn?.cancelRequested == false, let sessionId = agentSessionId else { return }
        turn?.cancelRequested = true
        for id in permissions.keys { respond(id: id, RequestPermissionResponse(outcome: .cancelled)) }
        permissions = [:]
        notify("session/cancel", CancelNotification(sessionId: sessionId))
    }

    private func cancelGraceExpired(token: UInt64) async {
        guard let current = turn, current.token == token else { return }
        logger.warning("the agent did not answer the cancelled prompt within \(options.cancelGrace); killing its process group")
        finishTurn(.failed(ACPError(.turnTimeout, message: "agent did not stop after cancel",
                                    hint: "send the message again; the session is restored on a fresh agent process"),
                           retryable: false))
        await killNow()
    }

    // MARK: Auth helpers

    /// The configured auth method when the agent offers it as an `agent`-type method.
    var usableAuthMethod: String? {
        guard let configured = agent.authMethod,
              let method = authMethods.first(where: { $0.id == configured }), method.isAgentType else { return nil }
        return configured
    }

    func needsLoginError(detail: String?) -> ACPError {
        let names = authMethods.map { method in
            method.description.map { "\(method.name) (\($0))" } ?? method.name
        }
        let list = names.isEmpty ? "no login method advertised" : names.joined(separator: ", ")
        return ACPError(.sessionInitFailed, message: "agent needs login: \(list)",
                        hint: "log in to the agent on the acpd host, or configure an agent-type auth method for it",
                        detail: detail)
    }
}
