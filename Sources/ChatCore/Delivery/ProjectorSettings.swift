import Bindings

/// What the projector needs from `acp.stream` and the channel, resolved once per run.
public struct ProjectorSettings: Sendable, Equatable {
    /// `live`: edit messages as output arrives; `final_only`: send the output when the run ends.
    var live: Bool
    /// Text deltas are held until no new one came for this long (`coalesceIdleMs`)…
    var coalesceIdle: Duration
    /// …or until the oldest held delta is this old (4 × `coalesceIdleMs`), so a steady stream
    /// still shows progress.
    var maxCoalesceDelay: Duration
    /// Largest message, in UTF-16 code units: the smaller of `maxChunkChars` and the channel's limit.
    var messageLimit: Int
    /// Output characters kept per run (`maxOutputChars`); the rest is replaced by one notice.
    var maxOutputChars: Int
    var showToolCalls: Bool
    var showThoughts: Bool
    /// Whether permission prompts carry buttons.
    var buttons: Bool
    /// Whether the channel edits messages (a settled permission prompt is edited, else re-sent).
    var edits: Bool
    /// Shortest time between two live flushes (the channel's edit rate limit).
    var minEditInterval: Duration

    /// Settings from config and the channel. A channel that cannot edit gets `final_only`
    /// for its output (it would otherwise see every flush as a new message). The numbers are
    /// clamped to their config ranges (`ConfigLimits`), so none of the arithmetic on them traps.
    public init(stream: StreamSettings, channel: ChannelCapabilities) {
        live = stream.deliveryMode == .live && channel.supportsEdit
        let coalesceMs = ConfigLimits.clamp(stream.coalesceIdleMs, to: ConfigLimits.coalesceIdleMs)
        coalesceIdle = .milliseconds(coalesceMs)
        maxCoalesceDelay = .milliseconds(coalesceMs * 4)
        messageLimit = max(1, min(ConfigLimits.clamp(stream.maxChunkChars, to: ConfigLimits.maxChunkChars), channel.maxMessageLength))
        maxOutputChars = ConfigLimits.clamp(stream.maxOutputChars, to: ConfigLimits.maxOutputChars)
        showToolCalls = stream.showToolCalls
        showThoughts = stream.showThoughts
        buttons = channel.supportsButtons
        edits = channel.supportsEdit
        minEditInterval = channel.minEditInterval
    }
}

