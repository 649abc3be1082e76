import ACPControlPlane
import Bindings

/// Turns one run's stored events, in `seq` order, into the sends and edits a conversation sees.
///
/// A pure state machine: no clock, no I/O. The caller passes each event with the time it
/// arrived, calls `tick(now:)` at `nextDeadline` to flush coalesced text, and hands the
/// returned operations, in order, to the conversation's `ConversationSendQueue`.
///
/// The run's transcript (output text, shown thoughts, tool lines, the plan, terminal notes) is
/// rendered, split at the message limit and compared with what was sent: a changed piece is
/// edited, a new piece is sent. A permission prompt or a notice is its own message; in live
/// mode the transcript then continues in a new message below it. After the terminal event the
/// projector emits the run's final operation (exactly one with `isFinal`) and ignores the rest.
///
/// Secrets: each segment's whole rendered text is redacted before it is split, so a secret that
/// arrived in several deltas, or that a split would cut, is still caught. While a run streams,
/// a word still being written (the output's trailing run of non-blank characters, up to
/// `heldWordLimit`) is held back until it is complete, so half a secret never shows in a live
/// edit; the checkpoint then stops before the event that began the held word.
public struct DeliveryProjector: Sendable {
    public typealias Instant = ContinuousClock.Instant
    /// Redacts secrets from outgoing text.
    public typealias Redaction = @Sendable (String) -> String
    /// How many characters at the end of a text may begin a secret (`Redactor.pendingSecretPrefix`).
    public typealias SecretPrefix = @Sendable (String) -> Int

    /// The longest unfinished word a live flush holds back (longer runs, e.g. a blob, are shown).
    public static let heldWordLimit = 512

    public let settings: ProjectorSettings
    let splitter: TextSplitter
    private let redact: Redaction
    private let secretPrefix: SecretPrefix

    private enum Block: Sendable {
        case output(String)
        case thought(String)
        case tool(id: String)
        case plan
        case note(String)
    }

    private struct Segment: Sendable {
        var blocks: [Block] = []
        var slots: [Int] = []
        var sent: [String] = []
    }

    /// Where an output delta ended in the transcript's last output block, in characters.
    private struct OutputMark: Sendable {
        var seq: Int64
        var end: Int
    }

    private struct Tool: Sendable { var title: String?; var kind: String?; var status: String? }

    private var segments = [Segment()]
    private var tools: [String: Tool] = [:]
    private var plan: [PlanEntry] = []
    private var hasPlanBlock = false
    private var permissions: [Int64: (prompt: PermissionPrompt, slot: Int)] = [:]
    /// The elicitations shown in this run (`DeliveryProjector+Elicitation`).
    var elicitations: [Int64: ShownElicitation] = [:]
    private var nextSlot = 0
    private var outputChars = 0
    /// The length in characters of the last block when it is output or thought text (`appendText`).
    private var lastBlockChars = 0
    private var truncated = false
    private var lastSeq: Int64 = 0
    /// Deltas of the last block of the last segment, when it is output (for the hold-back checkpoint).
    private var outputMarks: [OutputMark] = []
    /// The first event whose effect has not been handed out yet.
    private var firstPendingSeq: Int64?
    private var dirtySince: Instant?
    private var lastChange: Instant?
    private var lastFlush: Instant?

    /// True once the run's terminal event was handled; later events are ignored.
    public private(set) var finished = false

    /// A projector for one run; `redact` is applied to every segment's whole text before it is
    /// split; `secretPrefix` tells how much of the end of the output may begin a secret (held back
    /// from live edits along with the unfinished word).
    public init(settings: ProjectorSettings, redact: @escaping Redaction = { $0 }, secretPrefix: @escaping SecretPrefix = { _ in 0 }) {
        self.settings = settings
        self.splitter = TextSplitter(limit: settings.messageLimit)
        self.redact = redact
        self.secretPrefix = secretPrefix
    }

    /// When `tick(now:)` should be called to flush held text; nil when nothing is held.
    public var nextDeadline: Instant? {
        guard settings.live, !finished, let dirtySince, let lastChange else { return nil }
        let due = min(lastChange + settings.coalesceIdle, dirtySince + settings.maxCoalesceDelay)
        guard let lastFlush else { return due }
        return max(due, lastFlush + settings.minEditInterval)
    }

    /// Flushes held text if its deadline has passed.
    public mutating func tick(now: Instant) -> [DeliveryOperation] {
        guard let deadline = nextDeadline, now >= deadline else { return [] }
        return flush(now: now)
    }

    /// Handles the run's next event (`seq` increasing) and returns what to send or edit now.
    public mutating func handle(_ payload: EventPayload, seq: Int64, now: Instant) -> [DeliveryOperation] {
        guard !finished else { return [] }
        lastSeq = max(lastSeq, seq)
        switch payload {
        case .text(let delta):
            guard delta.stream == .output || settings.showThoughts, !delta.text.isEmpty else { return [] }
            if delta.stream == .output {
                guard appendOutput(delta.text, seq: seq) else { return [] }
            } else {
                appendText(delta.text, thought: true)
            }
            markPending(seq: seq, now: now)
            return tick(now: now)
        case .toolCall(let info):
            guard settings.showToolCalls else { return [] }
            var tool = tools[info.id] ?? Tool()
            if tools[info.id] == nil { segments[segments.count - 1].blocks.append(.tool(id: info.id)) }
            tool.title = info.title ?? tool.title
            tool.kind = info.kind ?? tool.kind
            tool.status = info.status ?? tool.status
            tools[info.id] = tool
            markPending(seq: seq, now: now)
            return settings.live ? flush(now: now) : []
        case .plan(let entries):
            guard settings.showToolCalls else { return [] }
            plan = entries
            if !hasPlanBlock {
                hasPlanBlock = true
                segments[segments.count - 1].blocks.append(.plan)
            }
            markPending(seq: seq, now: now)
            return settings.live ? flush(now: now) : []
        case .permissionRequested(let prompt):
            var ops = settings.live ? flush(now: now, before: seq) : []
            let slot = takeSlot()
            permissions[prompt.id] = (prompt, slot)
            if let automatic = prompt.automatic {
                // Answered by acp.permissions.mode: one settled line, no prompt to edit afterwards.
                ops.append(DeliveryOperation(.send, slot: slot, text: DeliveryText.fit(DeliveryText.permissionResolved(prompt, automatic),
                                                                                       limit: splitter.limit),
                                             kind: .permission, checkpoint: safeCheckpoint(seq)))
            } else {
                ops.append(DeliveryOperation(.send, slot: slot, text: DeliveryText.fit(DeliveryText.permissionPrompt(prompt), limit: splitter.limit,
                                                                                       keepingLastLine: true),
                                             buttons: settings.buttons ? DeliveryText.permissionButtons(prompt) : [],
                                             kind: .permission, checkpoint: safeCheckpoint(seq)))
            }
            sealSegment()
            return ops
        case .permissionResolved(let resolution):
            guard let (prompt, slot) = permissions[resolution.id] else {
                // The prompt went out before this projection began (delivery resumed after a
                // restart): its message is not known here, so say in a new one that it is settled.
                return [DeliveryOperation(.send, slot: takeSlot(), text: DeliveryText.fit(DeliveryText.permissionSettled(resolution),
                                                                                          limit: splitter.limit),
                                          kind: .permission, checkpoint: safeCheckpoint(seq))]
            }
            if prompt.automatic == resolution { return [] }
            let text = DeliveryText.fit(DeliveryText.permissionResolved(prompt, resolution), limit: splitter.limit)
            if settings.edits {
                return [DeliveryOperation(.edit, slot: slot, text: text, kind: .permission, checkpoint: safeCheckpoint(seq))]
            }
            return [DeliveryOperation(.send, slot: takeSlot(), text: text, kind: .permission, checkpoint: safeCheckpoint(seq))]
        case .elicitation(let event):
            return handleElicitation(event, seq: seq, now: now)
        case .notice(let text):
            return standaloneNotice(text, seq: seq, now: now)
        case .contextLost(let reason):
            return standaloneNotice("⚠️ The agent could not restore the earlier conversation (\(reason)); it starts fresh.",
                                    seq: seq, now: now)
        case .completed(let stopReason):
            return finish(note: DeliveryText.note(forStopReason: stopReason), seq: seq)
        case .failed(let code, let message):
            return finish(note: DeliveryText.failure(code: code, message: message), seq: seq)
        case .cancelled:
            return finish(note: DeliveryText.stopped, seq: seq)
        case .runStarted, .usage, .modeChanged, .commandsUpdated, .sessionInfo, .sessionClosed, .sessionReset:
            return []
        }
    }

    // MARK: - Transcript

    /// Appends output within `maxOutputChars`; false when it was dropped.
    private mutating func appendOutput(_ text: String, seq: Int64) -> Bool {
        guard !truncated else { return false }
        let room = settings.maxOutputChars - outputChars
        if text.count <= room {
            outputChars += text.count
            let end = appendText(text, thought: false)
            outputMarks.append(OutputMark(seq: seq, end: end))
        } else {
            truncated = true
            outputChars = settings.maxOutputChars
            appendText(String(text.prefix(max(0, room))), thought: false)
            segments[segments.count - 1].blocks.append(.note(DeliveryText.outputTruncated(limit: settings.maxOutputChars)))
        }
        return true
    }

    /// Appends `text` to the last block when it is of the same kind, else as a new block; returns
    /// the block's length in characters afterwards. The block's string is taken out of the array
    /// while it grows, so it is extended in place (not copied whole for every delta of a long
    /// answer), and its length is counted from the previous one: concatenation can only join the
    /// old last character with the new text's start (a combining mark, a flag's second half).
    @discardableResult
    private mutating func appendText(_ text: String, thought: Bool) -> Int {
        let last = segments.count - 1
        let index = segments[last].blocks.count - 1
        switch segments[last].blocks.last {
        case .output(var existing) where !thought, .thought(var existing) where thought:
            segments[last].blocks[index] = .note("")
            lastBlockChars = Self.joinedCount(existing, previous: lastBlockChars, text)
            existing += text
            segments[last].blocks[index] = thought ? .thought(existing) : .output(existing)
        default:
            segments[last].blocks.append(thought ? .thought(text) : .output(text))
            outputMarks = []
            lastBlockChars = text.count
        }
        return lastBlockChars
    }

    /// The character count of `existing + text`, given `previous`, the count of `existing`.
    static func joinedCount(_ existing: String, previous: Int, _ text: String) -> Int {
        guard let tail = existing.last else { return text.count }
        return previous - 1 + (String(tail) + text).count
    }

    /// Characters at the end of the transcript's last output block that a live flush holds back:
    /// an unfinished word (no blank after it yet), at most `heldWordLimit`, or, when longer, the
    /// end that may begin a configured secret across words (`secretPrefix`); 0 when the transcript
    /// does not end in output.
    private var heldCharacters: Int {
        guard case .output(let text) = segments[segments.count - 1].blocks.last else { return 0 }
        var word = 0
        for character in text.reversed() {
            if character.isWhitespace { break }
            word += 1
            if word > Self.heldWordLimit {
                word = 0
                break
            }
        }
        // What stays shown must not end in the beginning of a secret either (holding the word
        // `staple` of `… battery staple` would otherwise show `… battery`).
        var held = word
        while held < text.count {
            let more = secretPrefix(String(text.dropLast(held)))
            if more == 0 { break }
            held += more
        }
        return held
    }

    /// The segment's text as chat shows it: rendered, then redacted as a whole. `holdBack`
    /// characters are left off the end of its last block (an output block).
    private func render(_ segment: Segment, holdBack: Int = 0) -> String {
        redact(renderBlocks(segment, holdBack: holdBack))
    }

    private func renderBlocks(_ segment: Segment, holdBack: Int) -> String {
        var result = ""
        var previousWasTool = false
        for (index, block) in segment.blocks.enumerated() {
            let (text, isTool): (String, Bool) = switch block {
            case .output(let text) where holdBack > 0 && index == segment.blocks.count - 1: (String(text.dropLast(holdBack)), false)
            case .output(let text): (text, false)
            case .thought(let text): (DeliveryText.thought(text), false)
            case .tool(let id): (tools[id].map { DeliveryText.toolLine(title: $0.title, kind: $0.kind, status: $0.status) } ?? "", true)
            case .plan: (DeliveryText.plan(plan), false)
            case .note(let text): (text, false)
            }
            let trimmed = Substring(text).drop(while: \.isNewline).trimmingTrailingWhitespace()
            guard !trimmed.isEmpty else { continue }
            if !result.isEmpty { result += previousWasTool && isTool ? "\n" : "\n\n" }
            result += trimmed
            previousWasTool = isTool
        }
        return result
    }

    /// Sends or edits every transcript piece that changed, leaving `holdBack` characters off the
    /// end of the last segment; the caller sets the checkpoint.
    private mutating func flushTranscript(holdBack: Int = 0) -> [DeliveryOperation] {
        var ops: [DeliveryOperation] = []
        for index in segments.indices {
            var pieces = splitter.split(render(segments[index], holdBack: index == segments.count - 1 ? holdBack : 0))
            let sentCount = segments[index].sent.count
            if pieces.count < sentCount {
                // The text got shorter across a split: blank the messages no longer needed.
                pieces += Array(repeating: "…", count: sentCount - pieces.count)
            }
            for (position, piece) in pieces.enumerated() {
                if position < sentCount {
                    guard segments[index].sent[position] != piece else { continue }
                    segments[index].sent[position] = piece
                    ops.append(DeliveryOperation(.edit, slot: segments[index].slots[position], text: piece))
                } else {
                    let slot = takeSlot()
                    segments[index].slots.append(slot)
                    segments[index].sent.append(piece)
                    ops.append(DeliveryOperation(.send, slot: slot, text: piece))
                }
            }
        }
        return ops
    }

    /// Flushes the transcript. `before`: the flush precedes event `before` (a prompt or notice
    /// that seals the segment): an unfinished word is shown too, and the checkpoint stays below
    /// that event, which its own message covers.
    mutating func flush(now: Instant, before sealing: Int64? = nil) -> [DeliveryOperation] {
        let held = sealing == nil ? heldCharacters : 0
        var ops = flushTranscript(holdBack: held)
        dirtySince = nil
        lastChange = nil
        var checkpoint = held > 0 ? heldCheckpoint(held) : lastSeq
        if let sealing { checkpoint = sealing > 1 ? min(lastSeq, sealing - 1) : nil }
        if held > 0 {
            // The held word's events are not delivered yet: a later flush (or the end) covers them.
            firstPendingSeq = checkpoint.map { $0 + 1 } ?? firstPendingSeq
        } else {
            firstPendingSeq = nil
        }
        if !ops.isEmpty {
            lastFlush = now
            ops[ops.count - 1].checkpoint = checkpoint
        }
        return ops
    }

    /// The checkpoint of a flush that holds back `held` characters: the last event whose output
    /// ended before the held word began (nil: none beyond what earlier flushes covered).
    private func heldCheckpoint(_ held: Int) -> Int64? {
        guard case .output(let text) = segments[segments.count - 1].blocks.last else { return lastSeq }
        let shown = text.count - held
        guard let firstHeld = outputMarks.first(where: { $0.end > shown }) else { return lastSeq }
        let candidate = firstHeld.seq - 1
        return candidate > 0 ? candidate : nil
    }

    private mutating func finish(note: String?, seq: Int64) -> [DeliveryOperation] {
        finished = true
        if let note { segments[segments.count - 1].blocks.append(.note(note)) }
        guard let finalSegment = segments.lastIndex(where: { !render($0).isEmpty }) else {
            segments[segments.count - 1].blocks.append(.note(DeliveryText.noOutput))
            return finish(note: nil, seq: seq)
        }
        var ops = flushTranscript()
        let finalSlot = segments[finalSegment].slots[segments[finalSegment].slots.count - 1]
        if let index = ops.lastIndex(where: { $0.slot == finalSlot }), index == ops.count - 1 {
            ops[index].isFinal = true
        } else {
            let text = segments[finalSegment].sent[segments[finalSegment].sent.count - 1]
            ops.append(DeliveryOperation(.edit, slot: finalSlot, text: text, isFinal: true))
        }
        ops[ops.count - 1].checkpoint = seq
        firstPendingSeq = nil
        return ops
    }

    // MARK: - Bookkeeping

    private mutating func standaloneNotice(_ text: String, seq: Int64, now: Instant) -> [DeliveryOperation] {
        var ops = settings.live ? flush(now: now, before: seq) : []
        let text = DeliveryText.fit(text, limit: splitter.limit)
        ops.append(DeliveryOperation(.send, slot: takeSlot(), text: text, kind: .notice, checkpoint: safeCheckpoint(seq)))
        sealSegment()
        return ops
    }

    /// In live mode, later output goes to a new message below a prompt or notice.
    mutating func sealSegment() {
        guard settings.live, !segments[segments.count - 1].blocks.isEmpty else { return }
        segments.append(Segment())
    }

    private mutating func markPending(seq: Int64, now: Instant) {
        if firstPendingSeq == nil { firstPendingSeq = seq }
        if dirtySince == nil { dirtySince = now }
        lastChange = now
    }

    /// The checkpoint an operation for event `seq` may carry: not past any held event.
    func safeCheckpoint(_ seq: Int64) -> Int64? {
        guard let firstPendingSeq else { return seq }
        return firstPendingSeq > 1 ? firstPendingSeq - 1 : nil
    }

    mutating func takeSlot() -> Int {
        defer { nextSlot += 1 }
        return nextSlot
    }
}
