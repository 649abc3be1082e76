import Foundation

/// Builders for the `session/update` payloads the demo agent sends (all valid against the v1 schema).
enum Updates {
    static func text(_ text: String) -> JSON {
        .object([("type", .string("text")), ("text", .string(text))])
    }

    static func chunk(_ kind: String, messageId: String, content: JSON) -> JSON {
        .object([("sessionUpdate", .string(kind)), ("content", content), ("messageId", .string(messageId))])
    }

    static func plan(_ entries: [(String, String, String)]) -> JSON {
        .object([
            ("sessionUpdate", .string("plan")),
            ("entries", .array(entries.map { content, priority, status in
                .object([("content", .string(content)), ("priority", .string(priority)), ("status", .string(status))])
            })),
        ])
    }

    static func toolCall(id: String, title: String, kind: String, sessionCwd: String) -> JSON {
        .object([
            ("sessionUpdate", .string("tool_call")),
            ("toolCallId", .string(id)),
            ("title", .string(title)),
            ("kind", .string(kind)),
            ("status", .string("pending")),
            ("locations", .array([.object([("path", .string(sessionCwd.hasSuffix("/") ? sessionCwd + "README.md" : sessionCwd + "/README.md"))])])),
            ("rawInput", .object([("path", .string("README.md"))])),
        ])
    }

    static func toolCallUpdate(id: String, status: String, text: String? = nil) -> JSON {
        var members: [(String, JSON)] = [
            ("sessionUpdate", .string("tool_call_update")), ("toolCallId", .string(id)), ("status", .string(status)),
        ]
        if let text {
            members.append(("content", .array([.object([("type", .string("content")), ("content", Updates.text(text))])])))
        }
        return .object(members)
    }

    static let usage: JSON = .object([
        ("sessionUpdate", .string("usage_update")),
        ("used", .int(1234)),
        ("size", .int(200_000)),
        ("cost", .object([("amount", .double(0.01)), ("currency", .string("USD"))])),
    ])

    static let availableCommands: JSON = .object([
        ("sessionUpdate", .string("available_commands_update")),
        ("availableCommands", .array([
            .object([("name", .string("help")), ("description", .string("List the demo agent's keywords"))]),
            .object([
                ("name", .string("echo")), ("description", .string("Echo the text back")),
                ("input", .object([("hint", .string("text to echo"))])),
            ]),
        ])),
    ])

    static func sessionInfo(title: String) -> JSON {
        .object([
            ("sessionUpdate", .string("session_info_update")),
            ("title", .string(title)),
            ("updatedAt", .string(ISO8601DateFormatter().string(from: Date()))),
        ])
    }

    /// The `params` of a `session/update` notification.
    static func notification(sessionId: String, _ update: JSON) -> JSON {
        .object([("sessionId", .string(sessionId)), ("update", update)])
    }

    /// The `params` of the `[permission]` request.
    static func permissionRequest(sessionId: String, toolCallId: String) -> JSON {
        .object([
            ("sessionId", .string(sessionId)),
            ("toolCall", .object([
                ("toolCallId", .string(toolCallId)),
                ("title", .string("Run `demo-tool --write`")),
                ("kind", .string("execute")),
                ("status", .string("pending")),
            ])),
            ("options", .array([
                option("allow-once", "Allow once", "allow_once"),
                option("allow-always", "Always allow", "allow_always"),
                option("reject-once", "Reject", "reject_once"),
            ])),
        ])
    }

    private static func option(_ id: String, _ name: String, _ kind: String) -> JSON {
        .object([("optionId", .string(id)), ("name", .string(name)), ("kind", .string(kind))])
    }
}
