import ACPControlPlane
import Bindings

/// One thing the send queue must do in a conversation, as the projector decides it.
///
/// Messages are named by `slot`: a number the projector gives each message of a run, in the
/// order it first sends them. The send queue maps `(run, slot)` to the channel's `MessageRef`.
public struct DeliveryOperation: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        /// Post a new message for `slot`.
        case send
        /// Replace the text of the message already sent for `slot`.
        case edit
    }

    /// Send a new message or edit the slot's message.
    public var action: Action
    /// Which message of the run (0, 1, … in first-send order).
    public var slot: Int
    /// The whole text of the message, within the channel's limit.
    public var text: String
    /// Rows of buttons; empty for none (an edit with none removes them).
    public var buttons: [[ChatButton]]
    /// CONTRACT.md §7 message kind: `reply` for output, `permission`, `notice`.
    public var kind: OutgoingContext.Kind
    /// True on exactly one operation per run: the run's last message in its final state.
    public var isFinal: Bool
    /// Once this operation succeeded, every event of the run up to this `seq` has reached the
    /// conversation: the delivery checkpoint may move here. Nil: it must not move.
    public var checkpoint: Int64?

    /// An operation; see the properties.
    public init(_ action: Action, slot: Int, text: String, buttons: [[ChatButton]] = [], kind: OutgoingContext.Kind = .reply,
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
