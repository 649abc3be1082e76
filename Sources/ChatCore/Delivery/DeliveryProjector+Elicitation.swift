import ACPControlPlane

extension DeliveryProjector {
    /// An elicitation this projection showed: its prompt, the values shown, its message's slot.
    struct ShownElicitation: Sendable {
        var prompt: ElicitationPrompt
        var values: [String: ElicitationValue]
        var slot: Int
        var resolution: ElicitationResolution?
    }

    /// An elicitation is its own message (like a permission prompt): sent with its buttons, edited
    /// as fields get values, edited once more (without buttons) when it ends, and for a URL
    /// elicitation when the agent says it is complete. Without edits, each change is a new message.
    mutating func handleElicitation(_ event: ElicitationEvent, seq: Int64, now: Instant) -> [DeliveryOperation] {
        switch event {
        case .requested(let prompt):
            var ops = settings.live ? flush(now: now, before: seq) : []
            let slot = takeSlot()
            elicitations[prompt.id] = ShownElicitation(prompt: prompt, values: prompt.values, slot: slot)
            ops.append(DeliveryOperation(.send, slot: slot, text: fit(ElicitationText.prompt(prompt, values: prompt.values)),
                                         buttons: settings.buttons ? ElicitationText.buttons(prompt, values: prompt.values) : [],
                                         kind: .permission, checkpoint: safeCheckpoint(seq)))
            sealSegment()
            return ops
        case .progress(let progress):
            guard var shown = elicitations[progress.id], shown.resolution == nil else { return [] }
            shown.values = progress.values
            elicitations[progress.id] = shown
            let text = fit(ElicitationText.prompt(shown.prompt, values: shown.values))
            let buttons = settings.buttons ? ElicitationText.buttons(shown.prompt, values: shown.values) : []
            return [change(slot: shown.slot, text: text, buttons: buttons, seq: seq)]
        case .resolved(let resolution):
            guard var shown = elicitations[resolution.id] else {
                // Shown before this projection began (delivery resumed after a restart).
                return [DeliveryOperation(.send, slot: takeSlot(), text: fit(ElicitationText.settled(resolution)),
                                          kind: .permission, checkpoint: safeCheckpoint(seq))]
            }
            shown.resolution = resolution
            elicitations[resolution.id] = shown
            return [change(slot: shown.slot, text: fit(ElicitationText.resolved(shown.prompt, resolution)), buttons: [], seq: seq)]
        case .completed(let id):
            guard let shown = elicitations[id] else { return [] }
            return [change(slot: shown.slot, text: fit(ElicitationText.completed(shown.prompt)), buttons: [], seq: seq)]
        }
    }

    /// An edit of the elicitation's message, or a new message where the channel cannot edit.
    private mutating func change(slot: Int, text: String, buttons: [[ChatButton]], seq: Int64) -> DeliveryOperation {
        if settings.edits {
            return DeliveryOperation(.edit, slot: slot, text: text, buttons: buttons, kind: .permission, checkpoint: safeCheckpoint(seq))
        }
        return DeliveryOperation(.send, slot: takeSlot(), text: text, buttons: buttons, kind: .permission, checkpoint: safeCheckpoint(seq))
    }

    private func fit(_ text: String) -> String {
        DeliveryText.fit(text, limit: splitter.limit, keepingLastLine: true)
    }
}
