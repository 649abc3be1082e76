#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Maps `EventPayload` to the `kind`, `text` and `data` (JSON) columns of `acp_events` and back.
/// Text deltas, the bulk of all events, are stored without JSON.
enum EventCoding {
    struct Columns {
        var kind: String
        var text: String?
        var data: String?
    }

    private struct ToolCallData: Codable {
        var id: String, isNew: Bool, title: String?, kind: String?, status: String?, locations: [String]?, contentText: String?
    }
    private struct UsageData: Codable { var used: Int, size: Int, costAmount: Double?, costCurrency: String? }
    private struct FailureData: Codable { var code: ACPError.Code }

    static func encode(_ payload: EventPayload) throws -> Columns {
        switch payload {
        case .runStarted, .cancelled, .sessionReset:
            return Columns(kind: payload.kind)
        case .text(let delta):
            return Columns(kind: payload.kind, text: delta.text, data: delta.messageId)
        case .toolCall(let call):
            return Columns(kind: payload.kind, text: call.title, data: try json(ToolCallData(
                id: call.id, isNew: call.isNew, title: call.title, kind: call.kind, status: call.status,
                locations: call.locations, contentText: call.contentText)))
        case .plan(let entries):
            return Columns(kind: payload.kind, data: try json(entries))
        case .permissionRequested(let prompt):
            return Columns(kind: payload.kind, text: prompt.title, data: try json(prompt))
        case .permissionResolved(let resolution):
            return Columns(kind: payload.kind, data: try json(resolution))
        case .elicitation(let event):
            return Columns(kind: payload.kind, data: try json(event))
        case .usage(let usage):
            return Columns(kind: payload.kind, data: try json(UsageData(used: usage.used, size: usage.size,
                                                                         costAmount: usage.costAmount, costCurrency: usage.costCurrency)))
        case .modeChanged(let mode):
            return Columns(kind: payload.kind, text: mode)
        case .commandsUpdated(let commands):
            return Columns(kind: payload.kind, data: try json(commands))
        case .sessionInfo(let title):
            return Columns(kind: payload.kind, text: title)
        case .contextLost(let reason):
            return Columns(kind: payload.kind, text: reason)
        case .notice(let text):
            return Columns(kind: payload.kind, text: text)
        case .completed(let stopReason):
            return Columns(kind: payload.kind, data: stopReason)
        case .failed(let code, let message):
            return Columns(kind: payload.kind, text: message, data: try json(FailureData(code: code)))
        case .sessionClosed(let reason):
            return Columns(kind: payload.kind, text: reason)
        }
    }

    static func decode(kind: String, text: String?, data: String?) throws -> EventPayload {
        switch kind {
        case "run_started": return .runStarted
        case "cancelled": return .cancelled
        case "session_reset": return .sessionReset
        case "text", "thought":
            return .text(TextDelta(stream: kind == "text" ? .output : .thought, text: text ?? "", messageId: data))
        case "tool_call":
            let call: ToolCallData = try value(data)
            return .toolCall(ToolCallInfo(id: call.id, isNew: call.isNew, title: call.title, kind: call.kind, status: call.status,
                                          locations: call.locations, contentText: call.contentText))
        case "plan": return .plan(try value(data))
        case "permission": return .permissionRequested(try value(data))
        case "permission_resolved": return .permissionResolved(try value(data))
        case ElicitationEvent.requestedKind, ElicitationEvent.progressKind, ElicitationEvent.resolvedKind,
             ElicitationEvent.completedKind:
            return .elicitation(try value(data))
        case "usage":
            let usage: UsageData = try value(data)
            return .usage(Usage(used: usage.used, size: usage.size, costAmount: usage.costAmount, costCurrency: usage.costCurrency))
        case "mode": return .modeChanged(text ?? "")
        case "commands": return .commandsUpdated(try value(data))
        case "session_info": return .sessionInfo(title: text)
        case "context_lost": return .contextLost(reason: text ?? "")
        case "notice": return .notice(text ?? "")
        case "completed": return .completed(stopReason: data ?? "end_turn")
        case "failed":
            let failure: FailureData = try value(data)
            return .failed(code: failure.code, message: text ?? failure.code.defaultMessage)
        case "session_closed": return .sessionClosed(reason: text ?? "")
        default: throw RecordDecodingError("acp_events.kind", kind)
        }
    }

    private static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    private static func value<T: Decodable>(_ data: String?) throws -> T {
        guard let data else { throw RecordDecodingError("acp_events.data", nil) }
        return try JSONDecoder().decode(T.self, from: Data(data.utf8))
    }
}
