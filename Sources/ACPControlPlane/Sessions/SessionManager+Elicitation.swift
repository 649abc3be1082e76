/// Answering elicitations (the numbers shown to conversations).
extension SessionManager {
    /// Sets fields of elicitation `id` and, with `submit`, answers it `accept` (see
    /// `ElicitationAnswer`). A field it does not have, or a value that does not fit its field,
    /// is `ACP_INVALID_ARGUMENT`.
    public func answerElicitation(_ id: Int64, setting values: [String: ElicitationValue], submit: Bool) async throws -> ElicitationAnswer {
        guard let sessionKey = try store.sessionOfElicitation(id), let actor = liveActor(sessionKey) else { return .notPending }
        return try await actor.answerElicitation(id, setting: values, submit: submit)
    }

    /// Answers elicitation `id` with `decline`. False when it is not pending.
    public func declineElicitation(_ id: Int64) async throws -> Bool {
        guard let sessionKey = try store.sessionOfElicitation(id), let actor = liveActor(sessionKey) else { return false }
        return await actor.declineElicitation(id)
    }

    /// The elicitations of session `key` waiting for an answer, oldest first (none when the
    /// session has no live actor).
    public func pendingElicitations(_ key: SessionKey) async -> [PendingElicitationInfo] {
        guard let actor = liveActor(key) else { return [] }
        return await actor.pendingElicitations
    }
}
