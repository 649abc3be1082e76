import Foundation

/// The demo agent's modes, its `model` config option, usage reports and the `[mode=ID]` /
/// `[settings]` keywords (docs/demo-agent.md, "Modes and options"); enabled by `--modes`.
/// Each session starts in mode `code` with model `fast`; `session/load` and `session/resume`
/// start from these defaults again (the agent forgets what was set, as real agents may), so a
/// client has to apply its choices again.
actor DemoModes {
    private struct State {
        var mode = "code"
        var model = "fast"
        var turns = 0
    }

    static let modes: [(id: String, name: String, description: String)] = [
        ("ask", "Ask", "Answer questions, change nothing"),
        ("code", "Code", "Read and edit files"),
        ("plan", "Plan", "Plan first, then ask before acting"),
    ]
    static let models: [(value: String, name: String)] = [("fast", "Fast model"), ("smart", "Smart model")]

    let enabled: Bool
    /// `--mode-option`: the modes are also offered as a config option `mode` (category `mode`).
    let modeOption: Bool
    private var states: [String: State] = [:]

    init(enabled: Bool, modeOption: Bool = false) {
        self.enabled = enabled || modeOption
        self.modeOption = modeOption
    }

    /// The `modes` and `configOptions` members of a `session/new|load|resume` result for a session
    /// that starts from the defaults now (nothing when `--modes` is off); its turn count (and so its
    /// cost) goes on from `turns`, the turns in its history.
    func startSession(_ sessionId: String, turns: Int = 0) -> [(String, JSON)] {
        guard enabled else { return [] }
        states[sessionId] = State(turns: turns)
        return [("modes", modeState(State())), ("configOptions", configOptions(State()))]
    }

    func forget(_ sessionId: String) { states[sessionId] = nil }

    /// `session/set_mode` and `session/set_config_option`; only offered ids and values.
    func set(_ method: String, _ params: JSON) throws(RPCError) -> JSON {
        guard let sessionId = params["sessionId"]?.stringValue, var state = states[sessionId] else {
            throw .sessionNotFound(params["sessionId"]?.stringValue ?? "")
        }
        if method == "session/set_mode" {
            guard let mode = params["modeId"]?.stringValue, Self.modes.contains(where: { $0.id == mode }) else {
                throw .invalidParams("unknown modeId")
            }
            state.mode = mode
            states[sessionId] = state
            return .object([])
        }
        let configId = params["configId"]?.stringValue
        guard configId == "model" || (modeOption && configId == "mode") else { throw .invalidParams("unknown configId") }
        let offered = configId == "mode" ? Self.modes.map(\.id) : Self.models.map(\.value)
        guard let value = params["value"]?.stringValue, offered.contains(value) else { throw .invalidParams("unknown value") }
        if configId == "mode" { state.mode = value } else { state.model = value }
        states[sessionId] = state
        return .object([("configOptions", configOptions(state))])
    }

    /// At the start of a turn: `[mode=ID]` switches the mode (a `current_mode_update`),
    /// `[model=VALUE]` the model (a `config_option_update`), and `[settings]` says the mode and
    /// model in one message.
    func beforeTurn(_ sessionId: String, prompt: String, output: Output) async {
        guard enabled, var state = states[sessionId] else { return }
        if let requested = Self.keywordValue("mode", in: prompt), Self.modes.contains(where: { $0.id == requested }) {
            state.mode = requested
            states[sessionId] = state
            await output.notify("session/update", Updates.notification(sessionId: sessionId, .object([
                ("sessionUpdate", .string("current_mode_update")), ("currentModeId", .string(requested)),
            ])))
        }
        if let requested = Self.keywordValue("model", in: prompt), Self.models.contains(where: { $0.value == requested }) {
            state.model = requested
            states[sessionId] = state
            await output.notify("session/update", Updates.notification(sessionId: sessionId, .object([
                ("sessionUpdate", .string("config_option_update")), ("configOptions", configOptions(state)),
            ])))
        }
        if prompt.contains("[settings]") {
            await output.notify("session/update", Updates.notification(sessionId: sessionId,
                Updates.chunk("agent_message_chunk", messageId: "settings-\(UUID().uuidString.prefix(8))",
                              content: Updates.text("settings: mode \(state.mode), model \(state.model)\n"))))
        }
    }

    /// At the end of a turn (before its response): a `usage_update` (100 tokens and 0.01 USD per
    /// turn of the session so far, its history included).
    func afterTurn(_ sessionId: String, output: Output) async {
        guard enabled, var state = states[sessionId] else { return }
        state.turns += 1
        states[sessionId] = state
        await output.notify("session/update", Updates.notification(sessionId: sessionId, .object([
            ("sessionUpdate", .string("usage_update")), ("used", .int(Int64(100 * state.turns))), ("size", .int(200_000)),
            ("cost", .object([("amount", .double(Double(state.turns) / 100)), ("currency", .string("USD"))])),
        ])))
    }

    /// `agentCapabilities.sessionCapabilities` for `--resume` / `--close`.
    static func sessionCapabilities(_ options: DemoOptions) -> JSON {
        var members: [(String, JSON)] = []
        if options.resume { members.append(("resume", .object([]))) }
        if options.close { members.append(("close", .object([]))) }
        return .object(members)
    }

    private func modeState(_ state: State) -> JSON {
        .object([
            ("currentModeId", .string(state.mode)),
            ("availableModes", .array(Self.modes.map { mode in
                .object([("id", .string(mode.id)), ("name", .string(mode.name)), ("description", .string(mode.description))])
            })),
        ])
    }

    private func configOptions(_ state: State) -> JSON {
        let mode: [JSON] = modeOption ? [.object([
            ("id", .string("mode")), ("name", .string("Mode")), ("category", .string("mode")), ("type", .string("select")),
            ("currentValue", .string(state.mode)),
            ("options", .array(Self.modes.map { .object([("value", .string($0.id)), ("name", .string($0.name))]) })),
        ])] : []
        return .array(mode + [.object([
            ("id", .string("model")), ("name", .string("Model")), ("category", .string("model")), ("type", .string("select")),
            ("currentValue", .string(state.model)),
            ("options", .array(Self.models.map { .object([("value", .string($0.value)), ("name", .string($0.name))]) })),
        ])])
    }

    /// The value of `[name=value]` in `text`, if any.
    private static func keywordValue(_ name: String, in text: String) -> String? {
        guard let start = text.range(of: "[\(name)=") else { return nil }
        let rest = text[start.upperBound...]
        guard let end = rest.firstIndex(of: "]") else { return nil }
        let value = String(rest[..<end])
        return value.isEmpty || value.count > 32 ? nil : value
    }
}
