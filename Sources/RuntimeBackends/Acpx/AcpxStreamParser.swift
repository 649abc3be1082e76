import JSONKit
import ACPControlPlane
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

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

/// A non-terminal runtime event of a turn: the Equatable twin of the cases of `RuntimeEvent` that
/// `UpdateMapper` produces, so the stream's classification can be compared by value.
enum AcpxTurnEvent: Sendable, Equatable {
    case text(TextDelta)
    case toolCall(ToolCallInfo)
    case plan([PlanEntry])
    case usage(Usage)
    case modeChanged(String)
    case commandsUpdated([AgentCommand])
    case sessionInfo(title: String?)

    /// The twin of `event`; nil for permission requests and terminal events (never mapped from
    /// a `session/update`).
    init?(_ event: RuntimeEvent) {
        switch event {
        case .text(let delta): self = .text(delta)
        case .toolCall(let info): self = .toolCall(info)
        case .plan(let entries): self = .plan(entries)
        case .usage(let usage): self = .usage(usage)
        case .modeChanged(let mode): self = .modeChanged(mode)
        case .commandsUpdated(let commands): self = .commandsUpdated(commands)
        case .sessionInfo(let title): self = .sessionInfo(title: title)
        case .permissionRequest, .elicitation, .done, .failed, .outputDropped: return nil
        }
    }

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

/// One line of `acpx --format json --json-strict prompt` stdout, classified.
enum AcpxStreamItem: Sendable, Equatable {
    /// A `session/update` that becomes runtime events (one, for every update kind today).
    case events([AcpxTurnEvent])
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

    /// A `session/update` that became exactly one event.
    static func event(_ event: AcpxTurnEvent) -> AcpxStreamItem { .events([event]) }
}

/// Classifies acpx's raw ACP JSON-RPC stream, line by line. A value type with no side effects:
/// `consume(_:)` is a pure transition from (state, line) to (state, item).
///
/// Lines are parsed and typed with the same code as the `stdio` backend's read loop
/// (`JSONParser`, `JSONRPCMessage`, `AgentMessage`), and `session/update`s are mapped to events by
/// the shared `UpdateMapper`; what is acpx's own here is the bookkeeping of a stream that shows
/// both directions of the connection, and acpx's control objects and error envelope.
///
/// acpx prints its own requests (`initialize`, `session/load`, `session/prompt`, answers to the
/// agent's permission requests) and the agent's messages, in order. The two sides number their
/// requests independently, so an id alone does not say what a response answers; the parser
/// remembers the ids of acpx's `session/prompt` and `session/load` requests and of the agent's
/// permission requests, and looks at the result's shape (`stopReason`, `outcome`).
struct AcpxStreamParser: Sendable {
    private(set) var promptRequestIds: Set<RequestID> = []
    private var loadRequestIds: Set<RequestID> = []
    private var permissionRequests: [RequestID: PendingPermission] = [:]
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
        var line = line
        return line.withUTF8 { consume(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Classifies one stdout line (UTF-8, without its newline) and advances the state.
    mutating func consume(bytes: UnsafeRawBufferPointer) -> AcpxStreamItem {
        let json: JSONValue
        switch AcpxLine.parse(bytes) {
        case .blank: return .ignored("blank line")
        case .malformed(let text): return .malformed(text)
        case .object(let object): json = object
        }
        guard let message = JSONRPCMessage(json: json) else {
            // acpx's own objects: an error report without an id, or a control-command summary.
            if let error = AcpxReportedError(response: json) { return errorResponse(id: nil, error: error) }
            if let kind = json["action"]?.stringValue ?? json["type"]?.stringValue { return .ignored("acpx \(kind)") }
            return .ignored("unrecognised JSON object")
        }
        switch AgentMessage.typed(message) {
        case .sessionUpdate(let notification):
            return update(notification.update)
        case .invalidNotification(let method, _) where method == "session/update":
            return invalidUpdate(json["params"])
        case .invalidNotification(let method, _), .notification(let method, _):
            return .ignored("\(method) notification")
        case .cancelRequest:
            return .ignored("$/cancel_request notification")
        case .request(let id, .requestPermission(let request)):
            return permissionRequest(id: id, PendingPermission(
                toolCallId: request.toolCall.toolCallId, title: request.toolCall.title,
                kindsByOptionId: Dictionary(request.options.map { ($0.optionId, $0.kind) }, uniquingKeysWith: { first, _ in first })))
        case .invalidRequest(let id, let method, _) where method == "session/request_permission":
            // Still acpx answers it; count the answer, without details.
            return permissionRequest(id: id, PendingPermission(kindsByOptionId: [:]))
        case .request(let id, let request):
            return self.request(method: request.method, id: id)
        case .invalidRequest(let id, let method, _):
            return self.request(method: method, id: id)
        case .response(let id, .success(let result)):
            return resultResponse(id: id == .null ? nil : id, result: result)
        case .response(let id, .failure):
            let error = AcpxReportedError(response: json) ?? AcpxReportedError(message: "acpx reported an error")
            return errorResponse(id: id == .null ? nil : id, error: error)
        }
    }

    private mutating func request(method: String, id: RequestID) -> AcpxStreamItem {
        switch method {
        case "session/prompt":
            promptRequestIds.insert(id)
        case "session/load", "session/resume":
            loadRequestIds.insert(id)
        default:
            break
        }
        return .ignored("\(method) request \(id)")
    }

    private mutating func permissionRequest(id: RequestID, _ pending: PendingPermission) -> AcpxStreamItem {
        permissionRequests[id] = pending
        return .ignored("permission request \(id)")
    }

    /// Whether a `session/update` arriving now belongs to the turn's output (else why not).
    private func updateSkipReason() -> String? {
        // While a session/load is pending, updates are the replayed history, not new output.
        if !loadRequestIds.isEmpty { return "history replay" }
        if finished { return "update after the prompt result" }
        return nil
    }

    private func update(_ update: SessionUpdate) -> AcpxStreamItem {
        if let reason = updateSkipReason() { return .ignored(reason) }
        let events = UpdateMapper.events(for: update).compactMap(AcpxTurnEvent.init)
        return events.isEmpty ? .ignored("session/update \(update.kind)") : .events(events)
    }

    /// A `session/update` whose params do not match the schema: skipped, named by its kind.
    private func invalidUpdate(_ params: JSONValue?) -> AcpxStreamItem {
        if let reason = updateSkipReason() { return .ignored(reason) }
        guard let update = params?["update"] else { return .ignored("session/update without update") }
        return .ignored("session/update \(update["sessionUpdate"]?.stringValue ?? "?")")
    }

    private mutating func errorResponse(id: RequestID?, error: AcpxReportedError) -> AcpxStreamItem {
        if let id, loadRequestIds.remove(id) != nil {
            return .reportedError(error)
        }
        if let id, promptRequestIds.contains(id), !finished {
            finished = true
            return .promptError(error)
        }
        return .reportedError(error)
    }

    private mutating func resultResponse(id: RequestID?, result: JSONValue) -> AcpxStreamItem {
        if let stopReason = result["stopReason"]?.nonEmptyString {
            // Without an echoed request (older acpx, queued prompts) any stopReason ends the turn.
            let matches = id.map { promptRequestIds.isEmpty || promptRequestIds.contains($0) } ?? promptRequestIds.isEmpty
            if matches, !finished {
                finished = true
                return .promptResult(StopReason(wire: stopReason))
            }
            return .ignored("stale prompt result")
        }
        if result["outcome"] != nil, let id, let pending = permissionRequests.removeValue(forKey: id) {
            let outcome = try? JSONValueDecoder.decode(RequestPermissionResponse.self, from: result).outcome
            let optionId: String? = if case .selected(let optionId)? = outcome { optionId } else { nil }
            return .permission(AcpxPermissionDecision(
                toolCallId: pending.toolCallId, title: pending.title,
                optionKind: optionId.flatMap { pending.kindsByOptionId[$0] }, cancelled: outcome == .cancelled))
        }
        if let id, loadRequestIds.remove(id) != nil {
            return .ignored("session/load result \(id)")
        }
        return .ignored("response \(id?.description ?? "null")")
    }
}
