import ACPControlPlane
@testable import Bindings
@testable import ChatCore
import Foundation

/// Drives a `DeliveryProjector` the way the pipeline does: event `i` (seq `i + 1`) arrives at
/// `start + spacing × i`, and `tick` runs just before each event and once more at the end.
struct ProjectorHarness {
    static let editingChannel = ChannelCapabilities(maxMessageLength: 4096, supportsEdit: true, supportsButtons: true)

    var stream = StreamSettings.defaults
    var channel = ProjectorHarness.editingChannel
    var spacing: Duration = .seconds(1)
    var redact: DeliveryProjector.Redaction = { $0 }
    var secretPrefix: DeliveryProjector.SecretPrefix = { _ in 0 }

    func run(_ events: [EventPayload]) -> [DeliveryOperation] {
        var projector = DeliveryProjector(settings: ProjectorSettings(stream: stream, channel: channel), redact: redact,
                                          secretPrefix: secretPrefix)
        let start = ContinuousClock.now
        var ops: [DeliveryOperation] = []
        for (index, event) in events.enumerated() {
            let now = start + spacing * index
            ops += projector.tick(now: now)
            ops += projector.handle(event, seq: Int64(index + 1), now: now)
        }
        ops += projector.tick(now: start + spacing * events.count + .seconds(60))
        return ops
    }

    static func text(_ text: String) -> EventPayload { .text(TextDelta(stream: .output, text: text)) }
    static func thought(_ text: String) -> EventPayload { .text(TextDelta(stream: .thought, text: text)) }
    static let done = EventPayload.completed(stopReason: "end_turn")

    static func tool(_ id: String, new: Bool, title: String? = nil, status: String?) -> EventPayload {
        .toolCall(ToolCallInfo(id: id, isNew: new, title: title, kind: "read", status: status))
    }

    static func prompt(id: Int64 = 7) -> PermissionPrompt {
        PermissionPrompt(id: id, toolCallId: "t1", title: "Edit main.swift", toolKind: "edit",
                         options: [PermissionOption(id: "a1", name: "Allow once", kind: .allowOnce),
                                   PermissionOption(id: "r1", name: "Reject", kind: .rejectOnce)],
                         deadline: Date(timeIntervalSince1970: 0))
    }
}

extension StreamSettings {
    /// The defaults with some fields changed.
    func with(_ change: (inout StreamSettings) -> Void) -> StreamSettings {
        var copy = self
        change(&copy)
        return copy
    }
}
