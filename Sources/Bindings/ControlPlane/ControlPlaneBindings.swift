import ACPControlPlane
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The binding layer's view of the real control plane: implements `ReconcileTarget`,
/// `BindingLookup` and `RuntimeBindingStore` over a `SessionManager` and its SQLite store.
///
/// Every change goes through the manager (so each session's actor stays the single writer of
/// its state and stops its runtime when the session closes); reads go to the store, one
/// snapshot per call. Each method is one transaction: closing a session, ending its bindings
/// and (on recreate) making the fresh session commit together. Thread-safe: a `Sendable` value.
public struct ControlPlaneBindings: Sendable {
    /// The manager every change goes through.
    public let manager: SessionManager

    /// Bindings over `manager` and the store it writes.
    public init(manager: SessionManager) {
        self.manager = manager
    }

    var store: ControlPlaneStore { manager.store }

    /// Why the reconciler ended or recreated a binding (stored as the binding's end reason and
    /// the session's close reason).
    enum EndReason {
        static let removed = "binding removed from config"
        static let recreated = "binding changed in config"
    }
}

// MARK: - ReconcileTarget

extension ControlPlaneBindings: ReconcileTarget {
    /// Every active `config` and `route` binding with its session, in one snapshot.
    public func reconcilableBindings() async throws -> [StoredBinding] {
        try store.activeBindingsWithSessions(sources: [.config, .route]).map { StoredBinding($0.binding, session: $0.session) }
    }

    /// `SessionManager.ensureSession`: reuses an open session under the key, else creates it
    /// (replacing a closed one), and binds the conversation; no runtime is started.
    public func createBinding(_ binding: DeclaredBinding) async throws {
        _ = try await manager.ensureSession(NewSession(binding), binding: NewBinding(source: binding.source, conversation: binding.conversation))
    }

    /// Closes the binding's session and ends the binding (and the session's runtime bindings) in
    /// one transaction, then stops its runtime. A session that is already closed only has the
    /// binding ended; a binding without a session row is ended on its own.
    public func endBinding(_ binding: StoredBinding) async throws {
        if try store.session(binding.sessionKey) != nil {
            try await manager.close(binding.sessionKey, reason: EndReason.removed, endingBindingsFrom: [binding.source])
            return
        }
        for record in try store.activeBindings(for: binding.conversation)
        where record.source == binding.source && record.sessionKey == binding.sessionKey {
            try await manager.endBinding(id: record.id, reason: EndReason.removed)
        }
    }

    /// `SessionManager.replaceSession`: the old session closes, its binding ends and the fresh
    /// session is made and bound, in one transaction; then the old runtime is stopped.
    public func recreateBinding(_ old: StoredBinding, as new: DeclaredBinding) async throws {
        try await manager.replaceSession(old.sessionKey, reason: EndReason.recreated, endingBindingsFrom: [old.source],
                                         with: NewSession(new), binding: NewBinding(source: new.source, conversation: new.conversation))
    }
}

// MARK: - BindingLookup

extension ControlPlaneBindings: BindingLookup {
    /// The active runtime binding of exactly `conversation` (channel, account, conversation id).
    public nonisolated(nonsending) func runtimeBinding(for conversation: ConversationRef) async throws -> RuntimeBinding? {
        try store.activeBindings(for: conversation).first { $0.source == .runtime }.map(RuntimeBinding.init)
    }

    /// The stored state of session `key`; nil when there is no such session.
    public nonisolated(nonsending) func sessionState(_ key: SessionKey) async throws -> SessionState? {
        try store.session(key)?.state
    }

    /// The runtime binding and the matched session's state in one read transaction.
    public nonisolated(nonsending) func matchWithSessionState(
        for conversation: ConversationRef, match: (RuntimeBinding?) -> BindingMatch?
    ) async throws -> (match: BindingMatch?, sessionState: SessionState?) {
        var matched: BindingMatch?
        let snapshot = try store.activeBindingsAndSession(for: conversation) { bindings in
            matched = match(bindings.first { $0.source == .runtime }.map(RuntimeBinding.init))
            return matched?.sessionKey
        }
        return (matched, snapshot.session?.state)
    }
}

// MARK: - RuntimeBindingStore

extension ControlPlaneBindings: RuntimeBindingStore {
    /// Every active runtime binding, in creation order.
    public func activeRuntimeBindings() async throws -> [RuntimeBinding] {
        try store.bindings(activeOnly: true, source: .runtime).map(RuntimeBinding.init)
    }

    /// Compare-and-set through `SessionManager.endRuntimeBinding`: ends the binding only while it
    /// still points to the same session with the same `lastActivityAt`; the end reason is
    /// `expired (idle)` or `expired (max_age)`.
    public func endExpiredRuntimeBinding(_ binding: RuntimeBinding, reason: RuntimeBindingExpiry.Reason) async throws -> Bool {
        try await manager.endRuntimeBinding(binding.conversation, session: binding.sessionKey,
                                            ifLastActivityAt: binding.lastActivityAt, reason: "expired (\(reason.rawValue))")
    }
}

extension NewSession {
    /// The session a declared binding should have.
    init(_ binding: DeclaredBinding) {
        let settings = binding.settings
        self.init(key: binding.sessionKey, agentId: settings.agentId, cwd: settings.cwd, mode: settings.mode,
                  backend: settings.backend, label: settings.label)
    }
}
