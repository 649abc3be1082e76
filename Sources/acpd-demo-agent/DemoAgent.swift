import Foundation

/// The demo agent's protocol state: initialisation, authentication, sessions and their
/// running turns. Messages arrive through `receive` in stdin order; every request is then
/// handled in its own task, so a `session/cancel` is seen while a prompt is running.
/// Every request gets exactly one response.
actor DemoAgent {
    private struct RunningTurn {
        let serial: Int
        let requestId: JSON
        let task: Task<Void, Never>
        let ignoresCancel: Bool
    }

    private struct Session {
        let cwd: String
        let history: HistoryStore
        var turn: RunningTurn?
    }

    private let options: DemoOptions
    private let output: Output
    private let peer: PeerRequests
    private let modes: DemoModes
    private var authenticated = false
    private var sessions: [String: Session] = [:]
    private var turnSerial = 0
    private var inFlight = 0
    private var drainWaiters: [CheckedContinuation<Void, Never>] = []

    init(options: DemoOptions, output: Output) {
        self.options = options
        self.output = output
        self.peer = PeerRequests(output: output)
        self.modes = DemoModes(enabled: options.modes, modeOption: options.modeOption)
    }

    /// Classifies one incoming message and acts on it. Malformed messages are logged and dropped.
    func receive(_ message: JSON) async {
        guard message.isObject else {
            Log.line("dropping a line that is not a JSON-RPC object (batches are not supported)")
            return
        }
        let id = message["id"]
        guard message["jsonrpc"]?.stringValue == "2.0" else {
            if let id, message["method"] != nil {
                await output.respondError(id: id, RPCError(code: -32600, message: "Invalid request: jsonrpc must be \"2.0\""))
            } else {
                Log.line("dropping a message without jsonrpc \"2.0\"")
            }
            return
        }
        if let method = message["method"]?.stringValue {
            let params = message["params"] ?? .null
            if let id {
                Log.line("<- \(method) id=\(id.logDescription)")
                dispatch(method: method, id: id, params: params)
            } else {
                notification(method: method, params: params)
            }
        } else if let id, message["result"] != nil || message["error"] != nil {
            await peer.deliver(id: id, message: message)
        } else {
            Log.line("dropping a message that is neither request, notification nor response")
        }
    }

    // MARK: Notifications

    private func notification(method: String, params: JSON) {
        switch method {
        case "session/cancel":
            guard let sessionId = params["sessionId"]?.stringValue else {
                Log.line("session/cancel without sessionId ignored")
                return
            }
            Log.line("<- session/cancel \(sessionId)")
            cancelTurn { $0.key == sessionId }
        case "$/cancel_request":
            guard let requestId = params["requestId"] else { return }
            Log.line("<- $/cancel_request \(requestId.logDescription)")
            cancelTurn { $0.value.turn.map { Self.sameId($0.requestId, requestId) } ?? false }
        default:
            Log.line("ignoring notification \(method)")
        }
    }

    private func cancelTurn(where matches: ((key: String, value: Session)) -> Bool) {
        for entry in sessions where matches(entry) {
            guard let turn = entry.value.turn else { continue }
            if turn.ignoresCancel {
                Log.line("[hang-hard]: ignoring cancel of session \(entry.key)")
            } else {
                turn.task.cancel()
            }
        }
    }

    // MARK: Requests

    private func dispatch(method: String, id: JSON, params: JSON) {
        inFlight += 1
        if method == "session/prompt" {
            // Registered synchronously so that a session/cancel read right after it finds the turn.
            do throws(RPCError) {
                try startTurn(id: id, params: params)
            } catch {
                Task {
                    await output.respondError(id: id, error)
                    self.requestDone()
                }
            }
            return
        }
        Task {
            do throws(RPCError) {
                try await handle(method: method, id: id, params: params)
            } catch {
                await output.respondError(id: id, error)
            }
            self.requestDone()
        }
    }

    private func requestDone() {
        inFlight -= 1
        if inFlight == 0 {
            for waiter in drainWaiters { waiter.resume() }
            drainWaiters.removeAll()
        }
    }

    /// At end of input: cancels every running turn (except `[hang-hard]`) and returns once every
    /// request has been answered. The caller bounds the wait.
    func drain() async {
        cancelTurn { _ in true }
        if inFlight == 0 { return }
        await withCheckedContinuation { drainWaiters.append($0) }
    }

    /// Handles every request except `session/prompt`; sends the response (and what follows it).
    private func handle(method: String, id: JSON, params: JSON) async throws(RPCError) {
        switch method {
        case "initialize":
            guard params["protocolVersion"]?.intValue != nil else { throw .invalidParams("protocolVersion must be an integer") }
            if options.initDelayMilliseconds > 0 { try? await Task.sleep(for: .milliseconds(options.initDelayMilliseconds)) }
            await output.respond(id: id, result: initializeResult())
        case "authenticate":
            guard let methodId = params["methodId"]?.stringValue else { throw .invalidParams("methodId must be a string") }
            guard methodId == "demo-login" else { throw .invalidParams("unknown auth method '\(methodId)'") }
            authenticated = true
            await output.respond(id: id, result: .object([]))
        case "session/new":
            try requireAuth()
            let cwd = try Self.sessionCwd(params)
            let sessionId = "demo-\(UUID().uuidString.lowercased())"
            let history = HistoryStore(stateDir: options.stateDirectory(sessionCwd: cwd), sessionId: sessionId)
            do { try history.create() } catch { throw .internalError("cannot create the history file: \(error)") }
            sessions[sessionId] = Session(cwd: cwd, history: history)
            await output.respond(id: id, result: .object([("sessionId", .string(sessionId))] + (await modes.startSession(sessionId))))
            await output.notify("session/update", Updates.notification(sessionId: sessionId, Updates.availableCommands))
        case "session/load" where options.loadSession:
            try requireAuth()
            guard let sessionId = params["sessionId"]?.stringValue else { throw .invalidParams("sessionId must be a string") }
            let cwd = try Self.sessionCwd(params)
            let history = HistoryStore(stateDir: options.stateDirectory(sessionCwd: cwd), sessionId: sessionId)
            guard HistoryStore.isSafeSessionId(sessionId), history.exists else { throw .sessionNotFound(sessionId) }
            if sessions[sessionId]?.turn != nil { throw .internalError("Session busy: a prompt is running") }
            let entries: [HistoryEntry]
            do { entries = try history.load() } catch { throw .internalError("cannot read the history: \(error)") }
            for (index, entry) in entries.enumerated() {
                let kind = entry.role == .user ? "user_message_chunk" : "agent_message_chunk"
                await output.notify("session/update", Updates.notification(sessionId: sessionId,
                    Updates.chunk(kind, messageId: "\(sessionId)-hist-\(index)", content: Updates.text(entry.text))))
            }
            // Usable only once the replay is complete (a prompt sent earlier gets -32002).
            sessions[sessionId] = Session(cwd: cwd, history: history)
            let turns = entries.filter { $0.role == .user }.count
            await output.respond(id: id, result: .object(await modes.startSession(sessionId, turns: turns)))
        case "session/resume" where options.resume:
            try requireAuth()
            guard let sessionId = params["sessionId"]?.stringValue else { throw .invalidParams("sessionId must be a string") }
            let cwd = try Self.sessionCwd(params)
            let history = HistoryStore(stateDir: options.stateDirectory(sessionCwd: cwd), sessionId: sessionId)
            guard HistoryStore.isSafeSessionId(sessionId), history.exists else { throw .sessionNotFound(sessionId) }
            if sessions[sessionId] == nil { sessions[sessionId] = Session(cwd: cwd, history: history) }
            Log.line("resumed \(sessionId) (no replay)")
            let turns = ((try? history.load()) ?? []).filter { $0.role == .user }.count
            await output.respond(id: id, result: .object(await modes.startSession(sessionId, turns: turns)))
        case "session/close" where options.close:
            guard let sessionId = params["sessionId"]?.stringValue else { throw .invalidParams("sessionId must be a string") }
            guard let session = sessions.removeValue(forKey: sessionId) else { throw .sessionNotFound(sessionId) }
            session.turn?.task.cancel()
            await modes.forget(sessionId)
            Log.line("closed \(sessionId)")
            await output.respond(id: id, result: .object([]))
        case "session/set_mode" where modes.enabled, "session/set_config_option" where modes.enabled:
            await output.respond(id: id, result: try await modes.set(method, params))
        default:
            throw .methodNotFound(method)
        }
    }

    private func initializeResult() -> JSON {
        let authMethods: [JSON] = options.requireAuth
            ? [.object([("id", .string("demo-login")), ("name", .string("Demo login")),
                        ("description", .string("No credentials: authenticate with methodId demo-login"))])]
            : []
        return .object([
            ("protocolVersion", .int(options.protocolVersion)),
            ("agentCapabilities", .object([
                ("loadSession", .bool(options.loadSession)),
                ("promptCapabilities", .object([("image", .bool(options.acceptsImages)), ("audio", .bool(false)), ("embeddedContext", .bool(true))])),
                ("mcpCapabilities", .object([("http", .bool(false)), ("sse", .bool(false))])),
                ("sessionCapabilities", DemoModes.sessionCapabilities(options)),
            ])),
            ("authMethods", .array(authMethods)),
            ("agentInfo", .object([("name", .string("acpd-demo-agent")), ("title", .string("acpd demo agent")), ("version", .string("0.1.0"))])),
        ])
    }

    // MARK: Prompt turns

    private func startTurn(id: JSON, params: JSON) throws(RPCError) {
        try requireAuth()
        guard let sessionId = params["sessionId"]?.stringValue else { throw .invalidParams("sessionId must be a string") }
        guard let blocks = params["prompt"]?.arrayValue else { throw .invalidParams("prompt must be an array of content blocks") }
        guard let session = sessions[sessionId] else { throw .sessionNotFound(sessionId) }
        guard session.turn == nil else { throw .internalError("Session busy: a prompt is already running") }
        let text = Self.promptText(blocks)
        let script = TurnScript(parsing: text)
        let runner = TurnRunner(sessionId: sessionId, sessionCwd: session.cwd, promptText: text, script: script,
                                output: output, peer: peer, history: session.history)
        turnSerial += 1
        let serial = turnSerial
        let output = self.output
        let modes = self.modes
        let task = Task {
            await modes.beforeTurn(sessionId, prompt: text, output: output)
            let outcome = await runner.run()
            if case .stop = outcome { await modes.afterTurn(sessionId, output: output) }
            self.turnEnded(sessionId: sessionId, serial: serial)
            switch outcome {
            case .failure(let error):
                await output.respondError(id: id, error)
            case .stop(let reason):
                await output.respond(id: id, result: .object([("stopReason", .string(reason))]))
                if script.late {
                    await output.notify("session/update", Updates.notification(sessionId: sessionId, Updates.sessionInfo(title: "Demo session")))
                    await output.notify("session/update", Updates.notification(sessionId: sessionId, Updates.availableCommands))
                }
            }
            self.requestDone()
        }
        sessions[sessionId]?.turn = RunningTurn(serial: serial, requestId: id, task: task, ignoresCancel: script.hangHard)
    }

    private func turnEnded(sessionId: String, serial: Int) {
        if sessions[sessionId]?.turn?.serial == serial { sessions[sessionId]?.turn = nil }
    }

    // MARK: Helpers

    private func requireAuth() throws(RPCError) {
        if options.requireAuth && !authenticated { throw .authRequired }
    }

    private static func sessionCwd(_ params: JSON) throws(RPCError) -> String {
        guard let cwd = params["cwd"]?.stringValue, cwd.hasPrefix("/") else { throw .invalidParams("cwd must be an absolute path") }
        guard params["mcpServers"]?.arrayValue != nil else { throw .invalidParams("mcpServers is required (may be [])") }
        return cwd
    }

    /// The prompt as one string: text blocks verbatim, other blocks as `[type uri]` (an image as
    /// `[image <mimeType> <N> bytes]`, N decoded from its base64), joined by newlines.
    static func promptText(_ blocks: [JSON]) -> String {
        blocks.map { block -> String in
            let type = block["type"]?.stringValue ?? "unknown"
            switch type {
            case "text": return block["text"]?.stringValue ?? ""
            case "resource_link": return "[resource_link \(block["uri"]?.stringValue ?? "")]"
            case "resource": return "[resource \(block["resource"]?["uri"]?.stringValue ?? "")]"
            case "image":
                let bytes = block["data"]?.stringValue.flatMap { Data(base64Encoded: $0) }?.count
                return "[image \(block["mimeType"]?.stringValue ?? "?") \(bytes.map { "\($0) bytes" } ?? "undecodable")]"
            default: return "[\(type)]"
            }
        }.joined(separator: "\n")
    }

    private static func sameId(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.null, .null): true
        default: false
        }
    }
}
