import JSONKit
import ACPControlPlane

/// `initialize`, authentication, and `session/new` / `session/load`.
extension AgentConnection {
    /// The ACP protocol version acpd speaks.
    static let protocolVersion = 1

    /// Initialises the agent and creates or restores its session. Throws ACP_SESSION_INIT_FAILED
    /// or ACP_PROTOCOL_ERROR; the caller shuts the process down on error.
    func establish(resumeSessionId: String?) async throws(ACPError) -> (EnsuredSession.Origin, String?) {
        try await initialize()
        var resumeFailure: String?
        if let resumeSessionId {
            var resumeError: String?
            if agentState.canResume {
                resumeError = try await resume(resumeSessionId)
                if resumeError == nil { return (.resumed, nil) }
            }
            if capabilities.loadSession {
                loadingSessionId = resumeSessionId
                let result = await callWithAuth("session/load", LoadSessionRequest(sessionId: resumeSessionId, cwd: cwd))
                loadingSessionId = nil
                switch result {
                case .success(.success(let value)):
                    agentSessionId = resumeSessionId
                    AgentStateReader.apply(sessionResult: value, to: &agentState)
                    logger.info("restored session \(resumeSessionId) with session/load (\(replayedUpdates) history updates not replayed to chat)")
                    return (.loaded, nil)
                case .success(.failure(let failure)):
                    if case .transport(let error) = failure, death != nil { throw initFailure(error) }
                    logger.notice("session/load failed: \(failure.message); starting a new session")
                    resumeFailure = "the agent could not restore its previous session (\(failure.message)); a new session was started and earlier context is lost"
                case .failure(let error):
                    throw error
                }
            } else if let resumeError {
                resumeFailure = "the agent could not resume its previous session (\(resumeError)); a new session was started and earlier context is lost"
            } else {
                resumeFailure = "the agent cannot restore sessions (no session/load support); a new session was started and earlier context is lost"
            }
        }
        switch await callWithAuth("session/new", NewSessionRequest(cwd: cwd)) {
        case .success(.success(let value)):
            let response = try AgentMessage.decodeResult(NewSessionResponse.self, from: value)
            agentSessionId = response.sessionId
            AgentStateReader.apply(sessionResult: value, to: &agentState)
            return (.created, resumeFailure)
        case .success(.failure(let failure)):
            switch failure {
            case .rpc(let error):
                throw ACPError(.sessionInitFailed, message: "the agent refused session/new: \(error.message)", detail: error.description)
            case .transport(let error):
                throw initFailure(error)
            }
        case .failure(let error):
            throw error
        }
    }

    private func initialize() async throws(ACPError) {
        let fs = options.fileSystem
        var client = ClientCapabilities(fs: .init(readTextFile: fs, writeTextFile: fs), terminal: false)
        client.elicitation = Self.elicitationCapabilities
        let params = InitializeRequest(
            protocolVersion: Self.protocolVersion,
            clientCapabilities: client,
            clientInfo: Implementation(name: "acpd", title: "acpd", version: options.clientVersion))
        let value: JSONValue
        switch await call("initialize", params, timeout: options.initializeTimeout) {
        case .success(let result):
            value = result
        case .failure(.rpc(let error)):
            throw ACPError(.sessionInitFailed, message: "the agent refused initialize: \(error.message)", detail: error.description)
        case .failure(.transport(let error)):
            throw initFailure(error)
        }
        let response = try AgentMessage.decodeResult(InitializeResponse.self, from: value)
        guard response.protocolVersion == Self.protocolVersion else {
            throw ACPError(.protocolError, message: "unsupported protocol version \(response.protocolVersion): the agent does not speak ACP v1",
                           hint: "use an agent release that supports ACP protocol version 1")
        }
        let agentCapabilities = response.agentCapabilities
        let prompt = agentCapabilities?.promptCapabilities
        authMethods = response.authMethods ?? []
        noteSessionCapabilities(agentCapabilities?.sessionCapabilities)
        capabilities = RuntimeCapabilities(
            agentName: response.agentInfo?.name, agentVersion: response.agentInfo?.version,
            protocolVersion: response.protocolVersion, loadSession: agentCapabilities?.loadSession ?? false,
            prompt: PromptCapabilities(image: prompt?.image ?? false, audio: prompt?.audio ?? false,
                                       embeddedContext: prompt?.embeddedContext ?? false),
            authMethods: authMethods.map(\.name))
        logger.debug("initialized \(response.agentInfo?.name ?? "agent") \(response.agentInfo?.version ?? "")")
    }

    /// Calls `method`; on -32000 authenticates with the configured `agent`-type method and
    /// retries once. The outer failure is "agent needs login" (no usable method, or still -32000).
    private func callWithAuth(
        _ method: String, _ params: some Encodable & Sendable
    ) async -> Result<Result<JSONValue, CallFailure>, ACPError> {
        let first = await call(method, params, timeout: options.requestTimeout)
        guard case .failure(.rpc(let error)) = first, error.code == JSONRPCError.authenticationRequired else {
            return .success(first)
        }
        guard let methodId = usableAuthMethod else {
            return .failure(needsLoginError(detail: "\(method): \(error)"))
        }
        logger.info("the agent needs authentication; calling authenticate \(methodId)")
        let auth = await call("authenticate", AuthenticateRequest(methodId: methodId), timeout: options.requestTimeout)
        if case .failure(let failure) = auth {
            return .failure(needsLoginError(detail: "authenticate \(methodId): \(failure.message)"))
        }
        let second = await call(method, params, timeout: options.requestTimeout)
        if case .failure(.rpc(let again)) = second, again.code == JSONRPCError.authenticationRequired {
            return .failure(needsLoginError(detail: "\(method) after authenticate: \(again)"))
        }
        return .success(second)
    }

    private func initFailure(_ error: ACPError) -> ACPError {
        if error.code == .sessionInitFailed { return error }
        let stderr = child.recentStderr.suffix(20).joined(separator: "\n")
        return ACPError(.sessionInitFailed, message: "the agent could not be started: \(error.message)",
                        detail: stderr.isEmpty ? error.detail : "recent stderr:\n\(stderr)")
    }
}
