import ACPControlPlane
import Foundation

/// How acpx answered one of the agent's `session/request_permission` requests (acpx decides them
/// itself, from its permission flags). Reported for logs and for the exit-5 message.
struct AcpxPermissionDecision: Sendable, Equatable {
    var toolCallId: String?
    var title: String?
    /// The ACP option kind acpx picked (`allow_once`, `reject_once`, …), or nil when it answered
    /// `cancelled` or picked an option id that was not offered.
    var optionKind: String?
    var cancelled: Bool

    var approved: Bool { optionKind == "allow_once" || optionKind == "allow_always" }
}

/// One line of `acpx --format json --json-strict prompt` stdout, classified.
enum AcpxStreamItem: Sendable, Equatable {
    /// A `session/update` that becomes a runtime event.
    case event(AcpxTurnEvent)
    /// The `session/prompt` result: the turn ended with this stop reason.
    case promptResult(StopReason)
    /// The `session/prompt` request failed with this JSON-RPC error (from the agent or acpx).
    case promptError(AcpxReportedError)
    /// Another error acpx printed (`id` null: acpx's own failure report before a non-zero exit;
    /// or the error answer to some other request, e.g. a failed `session/load` acpx recovers from).
    case reportedError(AcpxReportedError)
    /// acpx answered a permission request of the agent.
    case permission(AcpxPermissionDecision)
    /// A valid message that carries nothing for the turn (initialize, history replay, echoes, …).
    case ignored(String)
    /// Not a JSON object: skipped.
    case malformed(String)
}

/// Classifies acpx's raw ACP JSON-RPC stream, line by line. A value type with no side effects:
/// `consume(_:)` is a pure transition from (state, line) to (state, item).
///
/// acpx prints both directions of the ACP connection in order: its own requests (`initialize`,
/// `session/load`, `session/prompt`, answers to the agent's permission requests) and the agent's
/// messages. The two sides number their requests independently, so an id alone does not say
/// what a response answers; the parser remembers the ids of acpx's `session/prompt` and
/// `session/load` requests and of the agent's permission requests, and looks at the result's
/// shape (`stopReason`, `outcome`).
struct AcpxStreamParser: Sendable {
    private(set) var promptRequestIds: Set<AcpxRequestID> = []
    private var loadRequestIds: Set<AcpxRequestID> = []
    private var permissionRequests: [AcpxRequestID: PendingPermission] = [:]
    /// True once the prompt's result or error was seen; later lines no longer end the turn.
    private(set) var finished = false

    private struct PendingPermission: Sendable {
        var toolCallId: String?
        var title: String?
        var kindsByOptionId: [String: String]
    }

    init() {}

    /// Classifies one stdout line and advances the state.
    mutating func consume(_ line: String) -> AcpxStreamItem {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return .ignored("blank line") }
        guard let message = AcpxJSON.parse(trimmed), message.objectValue != nil else {
            return .malformed(String(trimmed.prefix(200)))
        }
        let id = AcpxRequestID(message["id"])
        if let method = message["method"]?.stringValue {
            return id.map { request(method: method, id: $0, message: message) }
                ?? notification(method: method, message: message)
        }
        if message["error"] != nil, let error = AcpxReportedError(response: message) {
            return errorResponse(id: id, error: error)
        }
        if let result = message["result"] {
            return resultResponse(id: id, result: result)
        }
        if let kind = message["action"]?.stringValue ?? message["type"]?.stringValue {
            return .ignored("acpx \(kind)")
        }
        return .ignored("unrecognised JSON object")
    }

    private mutating func request(method: String, id: AcpxRequestID, message: AcpxJSON) -> AcpxStreamItem {
        switch method {
        case "session/prompt":
            promptRequestIds.insert(id)
            return .ignored("session/prompt request \(id)")
        case "session/load", "session/resume":
            loadRequestIds.insert(id)
            return .ignored("\(method) request \(id)")
        case "session/request_permission":
            let params = message["params"]
            var kinds: [String: String] = [:]
            for option in params?["options"]?.arrayValue ?? [] {
                if let optionId = option["optionId"]?.stringValue, let kind = option["kind"]?.stringValue {
                    kinds[optionId] = kind
                }
            }
            permissionRequests[id] = PendingPermission(
                toolCallId: params?["toolCall"]?["toolCallId"]?.stringValue,
                title: params?["toolCall"]?["title"]?.stringValue, kindsByOptionId: kinds)
            return .ignored("permission request \(id)")
        default:
            return .ignored("\(method) request \(id)")
        }
    }

    private func notification(method: String, message: AcpxJSON) -> AcpxStreamItem {
        guard method == "session/update" else { return .ignored("\(method) notification") }
        // While a session/load is pending, updates are the replayed history, not new output.
        guard loadRequestIds.isEmpty else { return .ignored("history replay") }
        guard !finished else { return .ignored("update after the prompt result") }
        guard let update = message["params"]?["update"] else { return .ignored("session/update without update") }
        guard let event = AcpxSessionUpdate.event(from: update) else {
            return .ignored("session/update \(update["sessionUpdate"]?.stringValue ?? "?")")
        }
        return .event(event)
    }

    private mutating func errorResponse(id: AcpxRequestID?, error: AcpxReportedError) -> AcpxStreamItem {
        if let id, loadRequestIds.remove(id) != nil {
            return .reportedError(error)
        }
        if let id, promptRequestIds.contains(id), !finished {
            finished = true
            return .promptError(error)
        }
        return .reportedError(error)
    }

    private mutating func resultResponse(id: AcpxRequestID?, result: AcpxJSON) -> AcpxStreamItem {
        if let stopReason = result["stopReason"]?.nonEmptyString {
            // Without an echoed request (older acpx, queued prompts) any stopReason ends the turn.
            let matches = id.map { promptRequestIds.isEmpty || promptRequestIds.contains($0) } ?? promptRequestIds.isEmpty
            if matches, !finished {
                finished = true
                return .promptResult(StopReason(wire: stopReason))
            }
            return .ignored("stale prompt result")
        }
        if let outcome = result["outcome"], let id, let pending = permissionRequests.removeValue(forKey: id) {
            let cancelled = outcome["outcome"]?.stringValue == "cancelled"
            let optionId = outcome["optionId"]?.stringValue
            return .permission(AcpxPermissionDecision(
                toolCallId: pending.toolCallId, title: pending.title,
                optionKind: optionId.flatMap { pending.kindsByOptionId[$0] }, cancelled: cancelled))
        }
        if let id, loadRequestIds.remove(id) != nil {
            return .ignored("session/load result \(id)")
        }
        return .ignored("response \(id?.description ?? "null")")
    }
}
