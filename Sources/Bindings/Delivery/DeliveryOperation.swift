import ACPControlPlane

/// One thing the send queue must do in a conversation, as the projector decides it.
///
/// Messages are named by `slot`: a number the projector gives each message of a run, in the
/// order it first sends them. The send queue maps `(run, slot)` to the channel's `MessageRef`.
struct DeliveryOperation: Sendable, Equatable {
    enum Action: Sendable, Equatable {
        /// Post a new message for `slot`.
        case send
        /// Replace the text of the message already sent for `slot`.
        case edit
    }

    var action: Action
    var slot: Int
    var text: String
    var buttons: [[ChatButton]]
    var kind: OutgoingContext.Kind
    /// True on exactly one operation per run: the run's last message in its final state.
    var isFinal: Bool
    /// Once this operation succeeded, every event of the run up to this `seq` has reached the
    /// conversation: the delivery checkpoint may move here. Nil: it must not move.
    var checkpoint: Int64?

    init(_ action: Action, slot: Int, text: String, buttons: [[ChatButton]] = [], kind: OutgoingContext.Kind = .reply,
         isFinal: Bool = false, checkpoint: Int64? = nil) {
        self.action = action
        self.slot = slot
        self.text = text
        self.buttons = buttons
        self.kind = kind
        self.isFinal = isFinal
        self.checkpoint = checkpoint
    }
}
