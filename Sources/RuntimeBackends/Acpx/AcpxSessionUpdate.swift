import ACPControlPlane

/// A non-terminal runtime event decoded from one ACP `session/update` notification. The Equatable
/// twin of the non-terminal cases of `RuntimeEvent`, so the mapping can be tested by value.
enum AcpxTurnEvent: Sendable, Equatable {
    case text(TextDelta)
    case toolCall(ToolCallInfo)
    case plan([PlanEntry])
    case usage(Usage)
    case modeChanged(String)
    case commandsUpdated([AgentCommand])
    case sessionInfo(title: String?)

    var runtimeEvent: RuntimeEvent {
        switch self {
        case .text(let delta): .text(delta)
        case .toolCall(let info): .toolCall(info)
        case .plan(let entries): .plan(entries)
        case .usage(let usage): .usage(usage)
        case .modeChanged(let mode): .modeChanged(mode)
        case .commandsUpdated(let commands): .commandsUpdated(commands)
        case .sessionInfo(let title): .sessionInfo(title: title)
        }
    }
}

/// Maps ACP `session/update` payloads (`params.update`) to runtime events (ACP-CLIENT.md §4).
/// Unknown and purely informational kinds map to nil; the caller logs them.
enum AcpxSessionUpdate {
    /// The event for one `update` object, or nil when it carries nothing acpd reports.
    static func event(from update: AcpxJSON) -> AcpxTurnEvent? {
        switch update["sessionUpdate"]?.stringValue {
        case "agent_message_chunk":
            return textEvent(update, stream: .output)
        case "agent_thought_chunk":
            return textEvent(update, stream: .thought)
        case "tool_call":
            return toolCall(update, isNew: true)
        case "tool_call_update":
            return toolCall(update, isNew: false)
        case "plan":
            return plan(update)
        case "usage_update":
            guard let used = update["used"]?.intValue, let size = update["size"]?.intValue else { return nil }
            return .usage(Usage(used: used, size: size, costAmount: update["cost"]?["amount"]?.doubleValue,
                                costCurrency: update["cost"]?["currency"]?.nonEmptyString))
        case "current_mode_update":
            // The schema says `currentModeId`; the v1 docs page shows `modeId`.
            guard let mode = update["currentModeId"]?.nonEmptyString ?? update["modeId"]?.nonEmptyString else { return nil }
            return .modeChanged(mode)
        case "available_commands_update":
            guard let items = update["availableCommands"]?.arrayValue else { return nil }
            return .commandsUpdated(items.compactMap { item in
                guard let name = item["name"]?.nonEmptyString else { return nil }
                return AgentCommand(name: name, description: item["description"]?.stringValue ?? "",
                                    inputHint: item["input"]?["hint"]?.nonEmptyString)
            })
        case "session_info_update":
            // Omitted = unchanged, null = cleared.
            guard let title = update["title"] else { return nil }
            return .sessionInfo(title: title.isNull ? nil : title.stringValue)
        default:
            // user_message_chunk (echo / replay), config_option_update, unstable kinds.
            return nil
        }
    }

    private static func textEvent(_ update: AcpxJSON, stream: TextDelta.Stream) -> AcpxTurnEvent? {
        guard let content = update["content"], let text = contentText(content), !text.isEmpty else { return nil }
        return .text(TextDelta(stream: stream, text: text, messageId: update["messageId"]?.nonEmptyString))
    }

    private static func toolCall(_ update: AcpxJSON, isNew: Bool) -> AcpxTurnEvent? {
        guard let id = update["toolCallId"]?.nonEmptyString else { return nil }
        let locations = update["locations"]?.arrayValue.map { $0.compactMap { $0["path"]?.nonEmptyString } }
        return .toolCall(ToolCallInfo(
            id: id, isNew: isNew,
            title: update["title"]?.stringValue,
            kind: update["kind"]?.stringValue ?? (isNew ? "other" : nil),
            status: update["status"]?.stringValue ?? (isNew ? "pending" : nil),
            locations: locations,
            contentText: update["content"]?.arrayValue.flatMap(toolContentText)))
    }

    private static func plan(_ update: AcpxJSON) -> AcpxTurnEvent? {
        guard let entries = update["entries"]?.arrayValue else { return nil }
        return .plan(entries.compactMap { entry in
            guard let content = entry["content"]?.stringValue else { return nil }
            return PlanEntry(content: content, priority: entry["priority"]?.stringValue ?? "medium",
                             status: entry["status"]?.stringValue ?? "pending")
        })
    }

    /// Text of an ACP `ContentBlock`; non-text blocks degrade to a short marker.
    static func contentText(_ block: AcpxJSON) -> String? {
        switch block["type"]?.stringValue {
        case "text":
            return block["text"]?.stringValue
        case "resource_link":
            let uri = block["uri"]?.stringValue ?? ""
            return block["title"]?.nonEmptyString ?? block["name"]?.nonEmptyString ?? uri
        case "resource":
            return block["resource"]?["text"]?.stringValue ?? block["resource"]?["uri"]?.stringValue
        case "image":
            return "[image \(block["mimeType"]?.stringValue ?? "")]"
        case "audio":
            return "[audio \(block["mimeType"]?.stringValue ?? "")]"
        default:
            return nil
        }
    }

    /// Text of a tool call's `content` array: content blocks as text, diffs and terminals by name.
    private static func toolContentText(_ items: [AcpxJSON]) -> String? {
        let parts: [String] = items.compactMap { item in
            switch item["type"]?.stringValue {
            case "content": item["content"].flatMap(contentText)
            case "diff": item["path"]?.stringValue.map { "diff: \($0)" }
            case "terminal": item["terminalId"]?.stringValue.map { "terminal: \($0)" }
            default: nil
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "\n")
    }
}
