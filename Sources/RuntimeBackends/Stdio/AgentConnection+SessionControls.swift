import ACPControlPlane
import JSONKit

/// The agent's session state (modes, config options, commands, usage) and the requests that
/// change it: `session/set_mode`, `session/set_config_option`, `session/resume`, `session/close`.
extension AgentConnection {
    /// How long acpd waits for `session/set_mode` and `session/set_config_option`.
    static let controlTimeout: Double = 30
    /// How long a close or reset waits for `session/close` before it stops the agent anyway (a
    /// hung agent must not hold `/acp close` up).
    static let closeTimeout: Double = 5

    /// Keeps `agentState` current from a `session/update` of this process's session (in a turn or
    /// not; updates that arrive before the `session/new` answer was read count too: one agent
    /// process serves one session).
    func noteAgentUpdate(_ notification: SessionNotification) {
        guard agentSessionId == nil || notification.sessionId == agentSessionId else { return }
        switch notification.update {
        case .currentModeUpdate(let update):
            agentState.currentModeId = update.currentModeId
        case .configOptionUpdate(let update):
            if let options = AgentStateReader.configOptions(update.configOptions) { agentState.configOptions = options }
        case .availableCommandsUpdate(let update):
            agentState.commands = update.availableCommands.map {
                AgentCommand(name: $0.name, description: $0.description, inputHint: $0.input?["hint"]?.stringValue)
            }
        case .usageUpdate(let usage):
            agentState.usage = Usage(used: usage.used, size: usage.size, costAmount: usage.cost?.amount,
                                     costCurrency: usage.cost?.currency)
        default:
            break
        }
    }

    /// Reads `sessionCapabilities.resume` and `.close` of the `initialize` answer.
    func noteSessionCapabilities(_ sessionCapabilities: JSONValue?) {
        agentState.canResume = AgentStateReader.advertises(sessionCapabilities, "resume")
        agentState.canClose = AgentStateReader.advertises(sessionCapabilities, "close")
    }

    /// `session/resume` (no history replay). Returns nil when it worked, else why not (the caller
    /// then tries `session/load`, then a new session). Throws when the agent is gone.
    func resume(_ sessionId: String) async throws(ACPError) -> String? {
        switch await call("session/resume", ResumeSessionRequest(sessionId: sessionId, cwd: cwd), timeout: options.requestTimeout) {
        case .success(let value):
            agentSessionId = sessionId
            AgentStateReader.apply(sessionResult: value, to: &agentState)
            logger.info("restored session \(sessionId) with session/resume")
            return nil
        case .failure(.transport(let error)) where death != nil:
            throw ACPError(.sessionInitFailed, message: "the agent could not be started: \(error.message)", detail: error.detail)
        case .failure(let failure):
            logger.notice("session/resume failed: \(failure.message)")
            return failure.message
        }
    }

    /// `session/set_mode` with an offered mode id.
    func setMode(_ modeId: String) async throws(ACPError) {
        guard let sessionId = agentSessionId else { throw ACPError(.turnFailed, message: "the agent session is not ready") }
        guard agentState.modes.contains(where: { $0.id == modeId }) else {
            throw ACPError(.invalidArgument, message: "the agent offers no mode \(modeId)",
                           hint: "offered: \(agentState.modes.map(\.id).joined(separator: ", "))")
        }
        switch await call("session/set_mode", SetSessionModeRequest(sessionId: sessionId, modeId: modeId), timeout: Self.controlTimeout) {
        case .success:
            agentState.currentModeId = modeId
        case .failure(let failure):
            throw ACPError(.turnFailed, message: "the agent refused session/set_mode: \(failure.message)")
        }
    }

    /// `session/set_config_option` with an offered option and value; the answered list replaces
    /// the state and is returned.
    func setConfigOption(_ optionId: String, value: String) async throws(ACPError) -> [AgentConfigOption] {
        guard let sessionId = agentSessionId else { throw ACPError(.turnFailed, message: "the agent session is not ready") }
        guard let option = agentState.configOptions.first(where: { $0.id == optionId }) else {
            throw ACPError(.invalidArgument, message: "the agent offers no option \(optionId)",
                           hint: "offered: \(agentState.configOptions.map(\.id).joined(separator: ", "))")
        }
        guard option.values.contains(where: { $0.value == value }) else {
            throw ACPError(.invalidArgument, message: "option \(optionId) offers no value \(value)",
                           hint: "offered: \(option.values.map(\.value).joined(separator: ", "))")
        }
        let params = SetSessionConfigOptionRequest(sessionId: sessionId, configId: optionId, value: .string(value))
        switch await call("session/set_config_option", params, timeout: Self.controlTimeout) {
        case .success(let result):
            guard let options = AgentStateReader.configOptions(result["configOptions"]) else {
                throw ACPError(.protocolError, message: "the agent answered session/set_config_option without configOptions")
            }
            agentState.configOptions = options
            return options
        case .failure(let failure):
            throw ACPError(.turnFailed, message: "the agent refused session/set_config_option: \(failure.message)")
        }
    }

    /// `session/close` when the agent advertised it and is still running: the agent frees the
    /// session's state. Waits at most `closeTimeout`; failures are only logged.
    func closeAgentSession() async {
        guard agentState.canClose, isAlive, let sessionId = agentSessionId else { return }
        switch await call("session/close", CloseSessionRequest(sessionId: sessionId), timeout: Self.closeTimeout) {
        case .success: logger.debug("closed agent session \(sessionId)")
        case .failure(let failure): logger.notice("session/close failed: \(failure.message)")
        }
    }
}
