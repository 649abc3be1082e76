/// Decides, without side effects, how a permission request is answered under a mode, on timeout
/// and on cancellation.
enum PermissionPolicy {
    /// What to do with a new request.
    enum Decision: Equatable {
        /// Ask the conversation; answer by the deadline.
        case ask
        /// Answer at once with this outcome.
        case answer(PermissionOutcome)
    }

    /// Tool kinds that only look (ACP `ToolKind`), allowed under `approve-reads`.
    static let readOnlyKinds: Set<String> = ["read", "search", "think"]

    static func decide(mode: PermissionMode, toolKind: String?, options: [PermissionOption]) -> Decision {
        switch mode {
        case .ask:
            return .ask
        case .approveAll:
            return allow(options).map { .answer(.selected(optionId: $0)) } ?? .ask
        case .approveReads:
            guard let toolKind, readOnlyKinds.contains(toolKind) else { return .ask }
            return allow(options).map { .answer(.selected(optionId: $0)) } ?? .ask
        case .denyAll:
            return .answer(onTimeout(options))
        }
    }

    /// The answer sent when nobody answered in time: a reject option (once before always), else cancelled.
    static func onTimeout(_ options: [PermissionOption]) -> PermissionOutcome {
        let reject = options.first { $0.kind == .rejectOnce } ?? options.first { $0.kind == .rejectAlways }
        return reject.map { .selected(optionId: $0.id) } ?? .cancelled
    }

    /// The allow option preferred by auto-approval: once before always (never widen a grant).
    static func allow(_ options: [PermissionOption]) -> String? {
        (options.first { $0.kind == .allowOnce } ?? options.first { $0.kind == .allowAlways })?.id
    }
}
