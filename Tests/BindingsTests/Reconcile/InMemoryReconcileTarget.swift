import ACPControlPlane
@testable import Bindings

/// An in-memory `ReconcileTarget` standing in for the SQLite store in these tests: sessions and
/// bindings in dictionaries, one lock (actor) for "transactions", and an optional failure per key.
actor InMemoryReconcileTarget: ReconcileTarget {
    struct Session: Equatable {
        var settings: SessionSettings
        var state: SessionState
    }

    var sessions: [SessionKey: Session] = [:]
    /// Active bindings by conversation canonical string.
    var bindings: [String: StoredBinding] = [:]
    var log: [String] = []
    var failCreateFor: Set<String> = []

    func reconcilableBindings() async throws -> [StoredBinding] {
        bindings.values.filter { $0.source != .runtime }.map { binding in
            var binding = binding
            binding.session = sessions[binding.sessionKey].map { StoredSession(settings: $0.settings, state: $0.state) }
            return binding
        }.sorted { $0.conversation.canonical < $1.conversation.canonical }
    }

    func createBinding(_ binding: DeclaredBinding) async throws {
        if failCreateFor.contains(binding.conversation.canonical) { throw ACPError(.sessionInitFailed) }
        if sessions[binding.sessionKey]?.state != .closed, sessions[binding.sessionKey] != nil {
            // reuse
        } else {
            sessions[binding.sessionKey] = Session(settings: binding.settings, state: .idle)
        }
        bindings[binding.conversation.canonical] = StoredBinding(conversation: binding.conversation, source: binding.source,
                                                                 sessionKey: binding.sessionKey, session: nil)
        log.append("create \(binding.conversation.canonical)")
    }

    func endBinding(_ binding: StoredBinding) async throws {
        bindings[binding.conversation.canonical] = nil
        sessions[binding.sessionKey]?.state = .closed
        log.append("end \(binding.conversation.canonical)")
    }

    func recreateBinding(_ old: StoredBinding, as new: DeclaredBinding) async throws {
        sessions[old.sessionKey]?.state = .closed
        sessions[new.sessionKey] = Session(settings: new.settings, state: .idle)
        bindings[old.conversation.canonical] = StoredBinding(conversation: new.conversation, source: new.source,
                                                             sessionKey: new.sessionKey, session: nil)
        log.append("recreate \(old.conversation.canonical)")
    }

    // Test helpers.
    func setState(_ key: SessionKey, _ state: SessionState) { sessions[key]?.state = state }
    func removeSession(_ key: SessionKey) { sessions[key] = nil }
    func addRouteBinding(_ conversation: ConversationRef, key: SessionKey, settings: SessionSettings) {
        sessions[key] = Session(settings: settings, state: .idle)
        bindings[conversation.canonical] = StoredBinding(conversation: conversation, source: .route, sessionKey: key, session: nil)
    }
    func addRuntimeBinding(_ conversation: ConversationRef, key: SessionKey) {
        bindings[conversation.canonical] = StoredBinding(conversation: conversation, source: .runtime, sessionKey: key, session: nil)
    }
    func failCreate(_ canonical: String) { failCreateFor.insert(canonical) }
    func clearLog() { log = [] }
}
