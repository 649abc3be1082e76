import ACPControlPlane
import JSONKit

/// Serving the agent's `elicitation/create` (form and URL modes), `elicitation/complete`, and
/// `$/cancel_request` for a pending elicitation. acpd advertises `clientCapabilities.elicitation`
/// with `form` and `url`.
extension AgentConnection {
    /// What `initialize` advertises: both modes.
    static var elicitationCapabilities: JSONValue {
        var modes = JSONObject()
        modes["form"] = .object(JSONObject())
        modes["url"] = .object(JSONObject())
        return .object(modes)
    }

    /// Hands a new elicitation of the turn's session to the run; answers at once when there is
    /// no turn to ask in (`cancel`), when it cannot be shown (`decline`), or when it is invalid
    /// (-32602).
    func serveElicitation(id: RequestID, _ params: JSONValue) {
        let create: ElicitationWire.Create
        do {
            create = try ElicitationWire.parse(params)
        } catch {
            switch error {
            case .invalid(let reason):
                respondError(id: id, JSONRPCError(code: JSONRPCError.invalidParams, message: "Invalid params", data: .string(reason)))
            case .unsupported(let what):
                logger.info("declining an elicitation acpd cannot show: \(what)")
                respond(id: id, ElicitationWire.response(.decline))
            }
            return
        }
        // Request-scoped elicitations (no session: during auth or setup) have no conversation to ask.
        guard let current = turn, !current.cancelRequested, let sessionId = create.sessionId, sessionId == agentSessionId else {
            respond(id: id, ElicitationWire.response(.cancel))
            return
        }
        elicitations.insert(id)
        let reply = ElicitationReply { [weak self] outcome in
            await self?.answerElicitation(id: id, outcome) ?? false
        }
        current.continuation.yield(.elicitation(.request(ElicitationRequest(id: id.description, message: create.message,
                                                                            mode: create.mode, reply: reply))))
    }

    /// Answers the agent's elicitation `id` once; false when it is no longer pending.
    func answerElicitation(id: RequestID, _ outcome: ElicitationOutcome) -> Bool {
        guard elicitations.remove(id) != nil else { return false }
        respond(id: id, ElicitationWire.response(outcome))
        return true
    }

    /// `$/cancel_request` for a pending elicitation: answered `cancel` once, and the run is told
    /// (its conversation's message says it was withdrawn). False when `id` is not one.
    func withdrawElicitation(_ id: RequestID) -> Bool {
        guard elicitations.remove(id) != nil else { return false }
        respond(id: id, ElicitationWire.response(.cancel))
        turn?.continuation.yield(.elicitation(.withdrawn(requestId: id.description)))
        return true
    }

    /// Answers every pending elicitation `cancel` (the turn is being cancelled).
    func cancelElicitations() {
        for id in elicitations.sorted(by: { $0.description < $1.description }) {
            respond(id: id, ElicitationWire.response(.cancel))
        }
        elicitations = []
    }

    /// `elicitation/complete`: passed to the turn in flight (a completion with no turn is logged).
    func elicitationCompleted(_ params: JSONValue?) {
        guard let elicitationId = params?["elicitationId"]?.stringValue else {
            logger.warning("ignoring an elicitation/complete without elicitationId")
            outputDropped("an invalid elicitation/complete notification was skipped", reason: "invalid_notification")
            return
        }
        guard let current = turn else {
            logger.debug("elicitation/complete outside a turn ignored", metadata: ["elicitation": "\(elicitationId)"])
            return
        }
        current.continuation.yield(.elicitation(.completed(elicitationId: elicitationId)))
    }
}
