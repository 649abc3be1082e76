import ACPControlPlane

// Conversions from the control plane's store records to the binding layer's values, so the
// adapters that implement `ReconcileTarget`, `BindingLookup` and `RuntimeBindingStore` over the
// SQLite store stay one-liners.

extension SessionSettings {
    /// The settings of a stored session.
    public init(_ record: SessionRecord) {
        self.init(agentId: record.agentId, cwd: record.cwd, mode: record.mode, backend: record.backend, label: record.label)
    }
}

extension StoredSession {
    /// The reconciler's view of a stored session.
    public init(_ record: SessionRecord) {
        self.init(settings: SessionSettings(record), state: record.state)
    }
}

extension StoredBinding {
    /// A stored binding with its session (nil when the session row is missing).
    public init(_ binding: BindingRecord, session: SessionRecord?) {
        self.init(conversation: binding.conversation, source: binding.source, sessionKey: binding.sessionKey,
                  session: session.map(StoredSession.init))
    }
}

extension RuntimeBinding {
    /// The sweeper's and resolver's view of a stored runtime binding.
    public init(_ record: BindingRecord) {
        self.init(conversation: record.conversation, sessionKey: record.sessionKey, persist: record.persist,
                  createdAt: record.createdAt, lastActivityAt: record.lastActivityAt)
    }
}
