import JSONKit

/// Statements on `acp_session_options` (migration `v5`): one row per session incarnation,
/// holding `SessionOptions`. A row written for an earlier incarnation of the key (a closed
/// session replaced by a new one) reads as empty: a new session starts from config.
enum SessionOptionsTables {
    static let createSQL = """
    CREATE TABLE acp_session_options (
        session_key TEXT PRIMARY KEY NOT NULL REFERENCES acp_sessions(key) ON DELETE CASCADE,
        session_created_at REAL NOT NULL,
        mode_id TEXT,
        config TEXT NOT NULL DEFAULT '[]',
        permission_mode TEXT,
        turn_timeout_seconds INTEGER,
        commands TEXT,
        usage_used INTEGER,
        usage_size INTEGER,
        cost_amount REAL,
        cost_currency TEXT,
        usage_agent_session TEXT,
        cost_carried REAL NOT NULL DEFAULT 0,
        updated_at REAL NOT NULL
    ) WITHOUT ROWID;
    """

    static func fetch(_ db: Database, key: SessionKey, incarnation: Double) throws -> SessionOptions {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM acp_session_options WHERE session_key = ?"),
                                         arguments: [key.rawValue]),
              abs((try row["session_created_at"] as Double) - incarnation) < 0.001 else { return SessionOptions() }
        var options = SessionOptions(modeId: try row["mode_id"],
                                     permissionMode: (try row["permission_mode"] as String?).flatMap(PermissionMode.init(rawValue:)),
                                     turnTimeoutSeconds: try row["turn_timeout_seconds"])
        options.config = choices(try row["config"])
        options.commands = (try row["commands"] as String?).map(commands)
        if let used: Int = try row["usage_used"], let size: Int = try row["usage_size"] {
            options.usage = Usage(used: used, size: size, costAmount: try row["cost_amount"], costCurrency: try row["cost_currency"])
        }
        options.usageAgentSession = try row["usage_agent_session"]
        options.costCarried = try row["cost_carried"]
        return options
    }

    static func save(_ db: Database, key: SessionKey, incarnation: Double, _ options: SessionOptions, at time: Double) throws {
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO acp_session_options (session_key, session_created_at, mode_id, config, permission_mode,
              turn_timeout_seconds, commands, usage_used, usage_size, cost_amount, cost_currency, usage_agent_session,
              cost_carried, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                key.rawValue, incarnation, options.modeId, json(options.config), options.permissionMode?.rawValue,
                options.turnTimeoutSeconds, options.commands.map(json), options.usage?.used, options.usage?.size,
                options.usage?.costAmount, options.usage?.costCurrency, options.usageAgentSession, options.costCarried, time,
            ])
    }

    private static func json(_ config: [SessionOptions.ConfigChoice]) -> String {
        JSONValue.array(config.map { .object(JSONObject(members: [("id", .string($0.id)), ("value", .string($0.value))])) }).jsonText()
    }

    private static func json(_ commands: [AgentCommand]) -> String {
        JSONValue.array(commands.map { command in
            var members: [(String, JSONValue)] = [("name", .string(command.name)), ("description", .string(command.description))]
            if let hint = command.inputHint { members.append(("hint", .string(hint))) }
            return .object(JSONObject(members: members))
        }).jsonText()
    }

    private static func parsed(_ text: String) -> [JSONValue] {
        guard case .array(let items)? = try? JSONParser.parse(Array(text.utf8)) else { return [] }
        return items
    }

    private static func choices(_ text: String) -> [SessionOptions.ConfigChoice] {
        parsed(text).compactMap { item in
            guard let id = item["id"]?.stringValue, let value = item["value"]?.stringValue else { return nil }
            return SessionOptions.ConfigChoice(id: id, value: value)
        }
    }

    private static func commands(_ text: String) -> [AgentCommand] {
        parsed(text).compactMap { item in
            guard let name = item["name"]?.stringValue else { return nil }
            return AgentCommand(name: name, description: item["description"]?.stringValue ?? "", inputHint: item["hint"]?.stringValue)
        }
    }
}

extension ControlPlaneStore {
    /// The stored options of session `key` whose incarnation was created at `incarnation` (empty
    /// when none are stored for it).
    func sessionOptions(_ key: SessionKey, incarnation: Double) throws -> SessionOptions {
        try read { db in try SessionOptionsTables.fetch(db, key: key, incarnation: incarnation) }
    }

    /// Stores the options of session `key` (one transaction).
    func saveSessionOptions(_ options: SessionOptions, for key: SessionKey, incarnation: Double, at time: Double) throws {
        try write { db in try SessionOptionsTables.save(db, key: key, incarnation: incarnation, options, at: time) }
    }
}
