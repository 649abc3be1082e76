import ACPControlPlane
import Bindings

/// The words delivery shows in chat: tool lines, plans, permission prompts, terminal notes.
/// Kept in one place so docs/delivery.md and the tests can name them.
enum DeliveryText {
    static let outputTruncatedByAgent = "(output truncated by the agent)"
    static let refused = "the agent refused this request"
    static let stopped = "stopped"
    static let noOutput = "(no output)"

    /// The one notice after `maxOutputChars`.
    static func outputTruncated(limit: Int) -> String {
        "… (output truncated: more than \(limit) characters)"
    }

    /// `ERROR: <CODE>: <message>` (CONTRACT.md §4 reply form).
    static func failure(code: ACPError.Code, message: String) -> String {
        "ERROR: \(code.rawValue): \(message)"
    }

    /// The note a stop reason adds to the end of a run's output; nil for a normal end.
    static func note(forStopReason wire: String) -> String? {
        switch StopReason(wire: wire) {
        case .maxTokens, .maxTurnRequests: outputTruncatedByAgent
        case .refusal: refused
        case .cancelled: stopped
        case .endTurn, .other: nil
        }
    }

    /// One compact line for a tool call: `🔧 Read README.md — completed`.
    static func toolLine(title: String?, kind: String?, status: String?) -> String {
        let name = title.flatMap { $0.isEmpty ? nil : $0 } ?? kind ?? "tool call"
        let flat = name.split(whereSeparator: \.isNewline).joined(separator: " ")
        return "🔧 \(flat) — \((status ?? "pending").replacing("_", with: " "))"
    }

    /// The plan as a checklist.
    static func plan(_ entries: [PlanEntry]) -> String {
        let lines = entries.map { entry -> String in
            let mark = switch entry.status {
            case "completed": "[x]"
            case "in_progress": "[~]"
            default: "[ ]"
            }
            return "\(mark) \(entry.content)"
        }
        return (["📋 Plan"] + lines).joined(separator: "\n")
    }

    /// A thought, marked so it is not mistaken for output.
    static func thought(_ text: String) -> String { "💭 \(text)" }

    /// The permission prompt: the tool, the options, and how to answer by typing. The options are
    /// not numbered (the only number is the request's, which `/acp allow|reject <n>` names); each
    /// option shows the typed command that picks it (`/acp allow 7 always`), and the plain
    /// `/acp allow 7` / `/acp reject 7` pick the "once" option (else the "always" one).
    static func permissionPrompt(_ prompt: PermissionPrompt) -> String {
        var lines = ["🔐 Permission requested (#\(prompt.id)): \(toolName(prompt))"]
        for option in prompt.options {
            lines.append("• \(option.name)" + (command(for: option, in: prompt).map { ": \($0)" } ?? ""))
        }
        lines.append("Reply /acp allow \(prompt.id) or /acp reject \(prompt.id)")
        return lines.joined(separator: "\n")
    }

    /// The option kinds `/acp allow|reject <n> [scope]` looks for, in order.
    static func kinds(allow: Bool, scope: PermissionScope?) -> [PermissionOption.Kind] {
        switch (allow, scope) {
        case (true, .once?): [.allowOnce]
        case (true, .always?): [.allowAlways]
        case (true, nil): [.allowOnce, .allowAlways]
        case (false, .once?): [.rejectOnce]
        case (false, .always?): [.rejectAlways]
        case (false, nil): [.rejectOnce, .rejectAlways]
        }
    }

    /// The typed command that picks `option` (and that its button sends): `/acp allow <n>` with
    /// `always` for an "always" option; nil for an option no command names (a second option of
    /// the same kind).
    static func command(for option: PermissionOption, in prompt: PermissionPrompt) -> String? {
        let allow = !option.kind.isReject
        let scope: PermissionScope = option.kind == .allowAlways || option.kind == .rejectAlways ? .always : .once
        guard prompt.options.first(where: { $0.kind == option.kind })?.id == option.id else { return nil }
        let verb = allow ? "/acp allow \(prompt.id)" : "/acp reject \(prompt.id)"
        // The plain command picks this option when the prompt has no "once" of its kind.
        let plainPicks = kinds(allow: allow, scope: nil).lazy.compactMap { kind in prompt.options.first { $0.kind == kind } }.first?.id == option.id
        return scope == .always && !plainPicks ? "\(verb) always" : verb
    }

    /// Buttons for a permission prompt: one per option a command picks, each sending it.
    static func permissionButtons(_ prompt: PermissionPrompt) -> [[ChatButton]] {
        let buttons = prompt.options.compactMap { option in
            command(for: option, in: prompt).map { ChatButton(label: option.name, payload: $0) }
        }
        return buttons.isEmpty ? [] : [buttons]
    }

    /// The prompt after it was settled: what happened, no buttons.
    static func permissionResolved(_ prompt: PermissionPrompt, _ resolution: PermissionResolution) -> String {
        let chosen = resolution.optionId.flatMap { id in prompt.options.first { $0.id == id }?.name }
        let outcome = switch resolution.how {
        case .answered: "answered: \(chosen ?? resolution.optionId ?? "cancelled")"
        case .auto: "answered automatically: \(chosen ?? resolution.optionId ?? "cancelled")"
        case .timedOut: "timed out" + (chosen.map { ", sent: \($0)" } ?? "")
        case .cancelled: "cancelled"
        case .withdrawn: "withdrawn by the agent"
        }
        return "🔐 Permission (#\(prompt.id)): \(toolName(prompt)) — \(outcome)"
    }

    /// A request settled whose prompt this projection never showed (resumed after a restart):
    /// the earlier prompt message stops inviting an answer.
    static func permissionSettled(_ resolution: PermissionResolution) -> String {
        let outcome = switch resolution.how {
        case .answered: "answered" + (resolution.optionId.map { ": \($0)" } ?? "")
        case .auto: "answered automatically" + (resolution.optionId.map { ": \($0)" } ?? "")
        case .timedOut: "timed out"
        case .cancelled: "withdrawn, it can no longer be answered"
        case .withdrawn: "withdrawn by the agent"
        }
        return "🔐 Permission (#\(resolution.id)) — \(outcome)"
    }

    /// `text` shortened to `limit` UTF-16 code units with `…`, on grapheme boundaries. With
    /// `keepingLastLine` the last line (how to answer) survives whole when there is room.
    static func fit(_ text: String, limit: Int, keepingLastLine: Bool = false) -> String {
        guard text.utf16.count > limit else { return text }
        var tail = ""
        if keepingLastLine, let newline = text.lastIndex(of: "\n") {
            tail = String(text[newline...])
        }
        if limit - tail.utf16.count - 1 < 1 { tail = "" }
        let room = limit - tail.utf16.count - 1
        var head = ""
        var used = 0
        for character in text {
            used += character.utf16.count
            if used > room { break }
            head.append(character)
        }
        return head + "…" + tail
    }

    private static func toolName(_ prompt: PermissionPrompt) -> String {
        let kind = prompt.toolKind.map { " [\($0)]" } ?? ""
        return prompt.title.split(whereSeparator: \.isNewline).joined(separator: " ") + kind
    }
}
