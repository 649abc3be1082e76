import Foundation

/// The elicitation keywords of a prompt (docs/demo-agent.md): `[elicit]` asks a form,
/// (an answer of `cancel` stops the turn `cancelled` after saying `elicitation: cancel`),
/// `[elicit-url]` asks to open a link, `[withdraw]` withdraws the turn's pending request
/// (`[elicit]` or `[permission]`) with `$/cancel_request` after `withdrawDelay`.
struct ElicitationScript: Sendable {
    var form = false
    var url = false
    var withdraw = false

    static let withdrawDelay: Duration = .milliseconds(500)

    init(parsing text: String) {
        form = text.contains("[elicit]")
        url = text.contains("[elicit-url]")
        withdraw = text.contains("[withdraw]")
    }

    var asks: Bool { form || url }

    /// The form of `[elicit]`: a single-select (`env`, titled choices), a boolean (`dry_run`,
    /// default false) and a string (`reason`, 3–80 characters); `env` and `reason` required.
    static func formParams(sessionId: String) -> JSON {
        .object([
            ("sessionId", .string(sessionId)),
            ("mode", .string("form")),
            ("message", .string("Where should the demo deploy go?")),
            ("requestedSchema", .object([
                ("type", .string("object")),
                ("properties", .object([
                    ("env", .object([
                        ("type", .string("string")),
                        ("title", .string("Environment")),
                        ("oneOf", .array([
                            .object([("const", .string("staging")), ("title", .string("Staging"))]),
                            .object([("const", .string("production")), ("title", .string("Production"))]),
                        ])),
                    ])),
                    ("dry_run", .object([
                        ("type", .string("boolean")),
                        ("title", .string("Dry run")),
                        ("default", .bool(false)),
                    ])),
                    ("reason", .object([
                        ("type", .string("string")),
                        ("title", .string("Reason")),
                        ("description", .string("Why deploy now")),
                        ("minLength", .int(3)),
                        ("maxLength", .int(80)),
                    ])),
                ])),
                ("required", .array([.string("env"), .string("reason")])),
            ])),
        ])
    }

    /// The request of `[elicit-url]`.
    static func urlParams(sessionId: String, elicitationId: String) -> JSON {
        .object([
            ("sessionId", .string(sessionId)),
            ("mode", .string("url")),
            ("message", .string("Sign in to the demo service")),
            ("elicitationId", .string(elicitationId)),
            ("url", .string("https://example.com/demo-login?session=\(elicitationId)")),
        ])
    }

    /// What the agent says about the answer: `elicitation: accept env=staging dry_run=false
    /// reason=…` (the content's members sorted by name), `elicitation: decline`, `elicitation: cancel`.
    static func describe(_ reply: PeerReply) -> String? {
        switch reply {
        case .withdrawn:
            return nil
        case .error(let code, let message):
            return "elicitation: error \(code) \(message)"
        case .result(let result):
            let action = result["action"]?.stringValue ?? "?"
            guard action == "accept", case .object(let members)? = result["content"] else { return "elicitation: \(action)" }
            let fields = members.sorted { $0.0 < $1.0 }.map { name, value -> String in
                let shown: String = switch value {
                case .string(let text): text
                case .bool(let flag): String(flag)
                case .int(let number): String(number)
                case .double(let number): String(number)
                case .array(let items): items.compactMap(\.stringValue).joined(separator: ",")
                default: value.logDescription
                }
                return "\(name)=\(shown)"
            }
            return (["elicitation: accept"] + fields).joined(separator: " ")
        }
    }
}

extension TurnRunner {
    /// `[elicit]` / `[elicit-url]`: asks, waits for the answer, and returns what to say (a URL
    /// elicitation that was accepted is completed with `elicitation/complete` first). Nil when the
    /// prompt asks nothing. Throws when the turn is cancelled while waiting.
    func elicit() async throws -> String? {
        let script = ElicitationScript(parsing: promptText)
        guard script.asks else { return nil }
        if script.url {
            let elicitationId = Self.newId("login")
            let reply = await withdrawing(script) {
                await peer.call("elicitation/create", params: ElicitationScript.urlParams(sessionId: sessionId, elicitationId: elicitationId))
            }
            let said = try await endIfCancelled(ElicitationScript.describe(reply))
            if said == "elicitation: accept" {
                await output.notify("elicitation/complete", .object([("elicitationId", .string(elicitationId))]))
                return "elicitation: accept (url \(elicitationId) completed)"
            }
            return said
        }
        let reply = await withdrawing(script) {
            await peer.call("elicitation/create", params: ElicitationScript.formParams(sessionId: sessionId))
        }
        return try await endIfCancelled(ElicitationScript.describe(reply))
    }

    /// An answer of `cancel` ends the turn like a cancelled permission request: one chunk saying
    /// so, then the turn stops `cancelled` (nil: the turn task itself was cancelled).
    private func endIfCancelled(_ said: String?) async throws -> String {
        guard let said, said != "elicitation: cancel" else {
            if said != nil {
                await output.notify("session/update", Updates.notification(sessionId: sessionId,
                    Updates.chunk("agent_message_chunk", messageId: Self.newId("msg"), content: Updates.text("elicitation: cancel"))))
            }
            throw CancellationError()
        }
        return said
    }

    /// Runs `ask` (a request to the client); with `[withdraw]`, sends `$/cancel_request` for the
    /// request still pending after `withdrawDelay`.
    func withdrawing(_ script: ElicitationScript, _ ask: @Sendable () async -> PeerReply) async -> PeerReply {
        guard script.withdraw else { return await ask() }
        let peer = self.peer
        let output = self.output
        let withdrawal = Task {
            try await Task.sleep(for: ElicitationScript.withdrawDelay)
            guard let id = await peer.pendingIds().max() else { return }
            await output.notify("$/cancel_request", .object([("requestId", .int(id))]))
        }
        defer { withdrawal.cancel() }
        return await ask()
    }
}
