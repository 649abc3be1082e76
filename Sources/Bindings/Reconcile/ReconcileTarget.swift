import ACPControlPlane

/// A binding as the store holds it, with its session's settings and state.
public struct StoredBinding: Sendable, Equatable {
    public var conversation: ConversationRef
    public var source: BindingSource
    public var sessionKey: SessionKey
    /// The session, or nil when it does not exist.
    public var session: StoredSession?

    /// A stored binding as read from the store.
    public init(conversation: ConversationRef, source: BindingSource, sessionKey: SessionKey, session: StoredSession?) {
        self.conversation = conversation
        self.source = source
        self.sessionKey = sessionKey
        self.session = session
    }
}

/// The part of a session the reconciler compares.
public struct StoredSession: Sendable, Equatable {
    public var settings: SessionSettings
    public var state: SessionState

    /// A session's settings and state.
    public init(settings: SessionSettings, state: SessionState) {
        self.settings = settings
        self.state = state
    }
}

/// A binding the config declares, with the session it should have.
public struct DeclaredBinding: Sendable, Equatable {
    /// For `config`: the declared conversation (account may be `*`); for `route`: the
    /// conversation the route made a session for.
    public var conversation: ConversationRef
    /// `config` or `route`.
    public var source: BindingSource
    public var sessionKey: SessionKey
    public var settings: SessionSettings
    /// Position in `bindings[]`, for logs.
    public var bindingIndex: Int

    /// A declared binding with its deterministic key and effective settings.
    public init(conversation: ConversationRef, source: BindingSource, sessionKey: SessionKey,
                settings: SessionSettings, bindingIndex: Int) {
        self.conversation = conversation
        self.source = source
        self.sessionKey = sessionKey
        self.settings = settings
        self.bindingIndex = bindingIndex
    }
}

/// What the reconciler needs from the control plane (implemented over the store and the
/// session manager). Each call is one transaction; calls for different bindings are independent,
/// so a failure of one is reported and the others still run.
public protocol ReconcileTarget: Sendable {
    /// Every active binding whose source is `config` or `route`, with its session (nil when missing).
    func reconcilableBindings() async throws -> [StoredBinding]
    /// Creates session `binding.sessionKey` with `binding.settings` (state `idle`, no runtime
    /// started) and binds `binding.conversation` to it with `binding.source`. When a session with
    /// that key exists and is not closed it is reused.
    func createBinding(_ binding: DeclaredBinding) async throws
    /// Ends `binding` and closes its session (stopping its runtime and ending its runtime bindings).
    func endBinding(_ binding: StoredBinding) async throws
    /// Closes `old`'s session (stopping its runtime) and binds the conversation to a fresh session
    /// `new.sessionKey` with `new.settings`. The key may be the same as the old one (then the session
    /// starts over: no agent session id to resume) or different (the agent changed).
    func recreateBinding(_ old: StoredBinding, as new: DeclaredBinding) async throws
}
