/// The session's agent settings: the mode and config options chosen from chat (kept in the
/// store and applied again whenever the agent session is started, resumed or loaded), acpd's
/// per-session overrides (permission mode, turn timeout: they win over config), and the agent's
/// commands and usage as last reported.
extension SessionActor {
    /// The actor's memory of the above (one stored property of `SessionActor`).
    struct OptionsMemory {
        /// Nil until first read from the store.
        var stored: SessionOptions?
        /// The agent's state right after a `session/new` of this process, before any choice was
        /// applied: what `reset-options` sets the agent back to.
        var defaults: AgentSessionState?
        /// What the last runtime start had to say (lost context, dropped choices).
        var startNotices: [String] = []
        /// The stand-in run id of a start made by a chat command, while it lasts, and the starts
        /// of runs waiting for it (one agent process per session: no second start races it).
        var controlStart: RunID?
        var startWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Waits while a chat command starts the runtime (unless `runId` is that start's own).
    func waitForControlStart(except runId: RunID) async {
        guard let starting = optionsMemory.controlStart, starting != runId else { return }
        await withCheckedContinuation { optionsMemory.startWaiters.append($0) }
    }

    /// The stored options (read once, then kept in memory).
    func storedOptions() -> SessionOptions {
        if let stored = optionsMemory.stored { return stored }
        let loaded: SessionOptions
        do {
            loaded = try store.sessionOptions(key, incarnation: record.createdAt.timeIntervalSince1970)
        } catch {
            logger.error("cannot read the session options; using config", metadata: ["error": "\(error)"])
            loaded = SessionOptions()
        }
        optionsMemory.stored = loaded
        return loaded
    }

    /// Stores `options` and keeps them in memory.
    func saveOptions(_ options: SessionOptions) throws {
        try store.saveSessionOptions(options, for: key, incarnation: record.createdAt.timeIntervalSince1970, at: time)
        optionsMemory.stored = options
    }

    /// `acp.turnTimeoutSeconds`, unless `/acp timeout` overrode it for this session.
    var effectiveTurnTimeout: Duration {
        storedOptions().turnTimeoutSeconds.map { .saturating($0) } ?? context.settings.turnTimeout
    }

    /// `acp.permissions.mode`, unless `/acp permissions` overrode it for this session.
    var effectivePermissionMode: PermissionMode {
        storedOptions().permissionMode ?? context.settings.permissionMode
    }

    // MARK: Runtime start

    /// Called once a runtime was started (not for one already live): remembers the agent's
    /// defaults (fresh session), applies the stored choices again (the agent may have forgotten
    /// them), and stores what the agent reported. Notices go to the run (if it is active) and are
    /// kept for a start made by a chat command.
    func runtimeStarted(_ ensured: EnsuredSession, runId: RunID) async {
        var notices: [String] = []
        if let failure = ensured.resumeFailure { notices.append("⚠️ \(failure)") }
        if let controls = runtime?.backend as? any AgentSessionControls {
            let state = await controls.agentState(ensured.handle)
            if ensured.origin == .created { optionsMemory.defaults = state }
            let reapplied = await reapplyChoices(ensured.handle, controls, state: state)
            for notice in reapplied { recordEvent(.notice(notice), run: runId) }
            notices += reapplied
            await syncAgentState()
        }
        optionsMemory.startNotices = notices
    }

    /// Applies the stored mode and config choices that differ from the agent's state. A choice
    /// the agent no longer offers is dropped (and said); one the agent refuses is kept (and said).
    private func reapplyChoices(_ handle: RuntimeHandle, _ controls: any AgentSessionControls,
                                state: AgentSessionState?) async -> [String] {
        guard let state else { return [] }
        var options = storedOptions()
        var notices: [String] = []
        var changed = false
        if let mode = options.modeId, mode != state.currentModeId {
            if !state.modes.contains(where: { $0.id == mode }) {
                notices.append("⚠️ the agent no longer offers mode \(mode); the session uses \(state.currentModeId ?? "its default")")
                options.modeId = nil
                changed = true
            } else {
                do {
                    try await controls.setMode(handle, modeId: mode)
                    logger.info("mode applied again", metadata: ["mode": "\(mode)"])
                } catch {
                    notices.append("⚠️ could not switch the agent back to mode \(mode): \(error.message)")
                }
            }
        }
        for choice in options.config {
            let live = await controls.agentState(handle)?.configOptions ?? state.configOptions
            guard let option = live.first(where: { $0.id == choice.id }),
                  option.values.contains(where: { $0.value == choice.value }) else {
                notices.append("⚠️ the agent no longer offers \(choice.id) = \(choice.value); it was dropped")
                options.config.removeAll { $0.id == choice.id }
                changed = true
                continue
            }
            guard option.currentValue != choice.value else { continue }
            do {
                _ = try await controls.setConfigOption(handle, optionId: choice.id, value: choice.value)
                logger.info("config option applied again", metadata: ["option": "\(choice.id)", "value": "\(choice.value)"])
            } catch {
                notices.append("⚠️ could not set \(choice.id) back to \(choice.value): \(error.message)")
            }
        }
        if changed {
            do { try saveOptions(options) } catch { logger.error("cannot store the session options", metadata: ["error": "\(error)"]) }
        }
        return notices
    }

    /// Stores the commands and usage the live agent reported, when they changed.
    func syncAgentState() async {
        guard let current = runtime, let controls = current.backend as? any AgentSessionControls,
              let state = await controls.agentState(current.handle) else { return }
        var options = storedOptions()
        let before = options
        if let commands = state.commands { options.commands = commands }
        if let usage = state.usage, usage != options.usage || options.usageAgentSession != current.handle.agentSessionId {
            options.noteUsage(usage, agentSession: current.handle.agentSessionId)
        }
        guard options != before else { return }
        do { try saveOptions(options) } catch { logger.error("cannot store the session options", metadata: ["error": "\(error)"]) }
    }

    /// The agent switched mode itself during a turn: a mode chosen from chat follows it, so a
    /// restart does not switch the agent back to a mode it left on purpose.
    func agentSwitchedMode(_ modeId: String) {
        var options = storedOptions()
        guard let chosen = options.modeId, chosen != modeId else { return }
        options.modeId = modeId
        do { try saveOptions(options) } catch { logger.error("cannot store the session options", metadata: ["error": "\(error)"]) }
    }

    // MARK: Chat commands

    /// The status of the session's agent settings; starts nothing.
    func optionsStatus() async -> AgentOptionsStatus {
        await syncAgentState()
        var live: AgentSessionState?
        var supports = false
        if let current = runtime, let controls = current.backend as? any AgentSessionControls {
            supports = true
            live = await controls.agentState(current.handle)
        } else if let backend = try? await context.backends.lookup(record.backend) {
            supports = backend is any AgentSessionControls
        }
        return AgentOptionsStatus(backendSupportsControls: supports, backend: record.backend, live: live, options: storedOptions(),
                                  configPermissionMode: context.settings.permissionMode,
                                  configTurnTimeoutSeconds: Int(context.settings.turnTimeout.seconds))
    }

    /// The live runtime with its controls, started when none is live (the agent must be running to
    /// say what it offers). Throws for a closed session and for a backend without controls.
    func controlledRuntime() async throws(ACPError) -> (RuntimeHandle, any AgentSessionControls, [String]) {
        guard record.state != .closed else { throw ACPError(.sessionClosed, detail: "session \(key)") }
        // Another chat command is starting the agent: use what it starts.
        while optionsMemory.controlStart != nil { await waitForControlStart(except: RunID()) }
        if let current = runtime, await current.backend.isAlive(current.handle) {
            guard let controls = current.backend as? any AgentSessionControls else { throw Self.noControls(record.backend) }
            return (current.handle, controls, [])
        }
        // Said before any start is tried: such a backend could not do it even when healthy.
        guard let controls = try await context.backends.lookup(record.backend) as? any AgentSessionControls else {
            throw Self.noControls(record.backend)
        }
        // The running turn is starting (or restarting) the agent: a second start would race it.
        if let current = active, !current.detached {
            throw ACPError(.invalidArgument, message: "the agent is being started for the running turn",
                           hint: "try again in a moment")
        }
        optionsMemory.startNotices = []
        let runId = RunID()
        optionsMemory.controlStart = runId
        let started: Result<RuntimeHandle, ACPError>
        do { started = .success(try await ensureRuntime(for: runId).0) } catch { started = .failure(error) }
        optionsMemory.controlStart = nil
        let waiters = optionsMemory.startWaiters
        optionsMemory.startWaiters = []
        for waiter in waiters { waiter.resume() }
        let handle = try started.get()
        if active == nil { await context.slots.idle(key) }
        return (handle, controls, optionsMemory.startNotices)
    }

    static func noControls(_ backend: String) -> ACPError {
        ACPError(.invalidArgument, message: "the \(backend) backend cannot switch the agent's modes or options from chat",
                 hint: "use backend: stdio for this agent to switch them from chat")
    }

    /// The agent's state, starting the runtime when needed.
    func agentControlState() async throws(ACPError) -> AgentControlResult {
        let (handle, controls, notices) = try await controlledRuntime()
        guard let state = await controls.agentState(handle) else {
            throw ACPError(.turnFailed, message: "the agent of this session stopped", hint: "try again to restart it")
        }
        return AgentControlResult(state: state, notices: notices)
    }

    /// `/acp mode <id>`: switches the agent and stores the choice.
    func chooseMode(_ modeId: String) async throws -> AgentControlResult {
        let (handle, controls, notices) = try await controlledRuntime()
        try await controls.setMode(handle, modeId: modeId)
        var options = storedOptions()
        options.modeId = modeId
        try saveOptions(options)
        let state = await controls.agentState(handle) ?? AgentSessionState()
        return AgentControlResult(state: state, notices: notices)
    }

    /// `/acp set <option> <value>`: sets it on the agent (whose answer becomes the state) and
    /// stores the choice.
    func chooseConfigOption(_ optionId: String, value: String) async throws -> AgentControlResult {
        let (handle, controls, notices) = try await controlledRuntime()
        _ = try await controls.setConfigOption(handle, optionId: optionId, value: value)
        var options = storedOptions()
        options.choose(optionId, value)
        try saveOptions(options)
        let state = await controls.agentState(handle) ?? AgentSessionState()
        return AgentControlResult(state: state, notices: notices)
    }

    /// `/acp permissions`, `/acp timeout`: stores acpd's overrides (nil leaves one unchanged).
    func setOverrides(permissionMode: PermissionMode?, turnTimeoutSeconds: Int?) async throws {
        guard record.state != .closed else { throw ACPError(.sessionClosed, detail: "session \(key)") }
        // acpx answers permission requests itself (AcpxOptions.permissionMode), so an override could not apply.
        if permissionMode != nil, !(try await context.backends.lookup(record.backend) is any AgentSessionControls) {
            throw ACPError(.invalidArgument, message: "the \(record.backend) backend answers permission requests itself from acp.permissions.mode",
                           hint: "change acp.permissions.mode in the config, or use backend: stdio")
        }
        var options = storedOptions()
        if let permissionMode { options.permissionMode = permissionMode }
        if let turnTimeoutSeconds { options.turnTimeoutSeconds = turnTimeoutSeconds }
        try saveOptions(options)
    }

    /// `/acp reset-options`: forgets the overrides and the chosen mode and options; a live agent
    /// session whose defaults this process saw (it created it) is set back to them.
    func resetOptions() async throws -> OptionsResetResult {
        var options = storedOptions()
        let hadChoices = options.modeId != nil || !options.config.isEmpty
        let mode = options.modeId
        let config = options.config
        options.modeId = nil
        options.config = []
        options.permissionMode = nil
        options.turnTimeoutSeconds = nil
        try saveOptions(options)
        var restored: [String] = []
        guard hadChoices, let current = runtime, let controls = current.backend as? any AgentSessionControls,
              await current.backend.isAlive(current.handle) else {
            return OptionsResetResult(restored: [], agentKeepsChoices: false)
        }
        guard let defaults = optionsMemory.defaults else { return OptionsResetResult(restored: [], agentKeepsChoices: true) }
        if mode != nil, let modeId = defaults.currentModeId {
            do {
                try await controls.setMode(current.handle, modeId: modeId)
                restored.append("mode \(modeId)")
            } catch {
                logger.warning("cannot set the default mode back", metadata: ["error": "\(error.message)"])
            }
        }
        for choice in config {
            guard let initial = defaults.configOptions.first(where: { $0.id == choice.id })?.currentValue else { continue }
            do {
                _ = try await controls.setConfigOption(current.handle, optionId: choice.id, value: initial)
                restored.append("\(choice.id) \(initial)")
            } catch {
                logger.warning("cannot set an option back", metadata: ["option": "\(choice.id)", "error": "\(error)"])
            }
        }
        return OptionsResetResult(restored: restored, agentKeepsChoices: false)
    }
}
