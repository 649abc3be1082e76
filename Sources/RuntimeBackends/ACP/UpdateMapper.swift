import ACPControlPlane

/// Maps ACP `session/update` variants to the runtime-neutral `RuntimeEvent`s (ACP-CLIENT.md §4).
/// The one mapping of every backend that reads ACP: the `stdio` connection and the `acpx` stream
/// parser both go through it, so a given update reads the same whichever backend ran the agent.
enum UpdateMapper {
    /// The events for one update (none for kinds acpd does not surface during a turn, and none
    /// for a text chunk whose text is empty).
    static func events(for update: SessionUpdate) -> [RuntimeEvent] {
        switch update {
        case .agentMessageChunk(let chunk):
            return text(chunk, stream: .output)
        case .agentThoughtChunk(let chunk):
            return text(chunk, stream: .thought)
        case .userMessageChunk:
            // History replay or an echo of the live prompt: never new output.
            return []
        case .toolCall(let call):
            return [.toolCall(ToolCallInfo(
                id: call.toolCallId, isNew: true, title: call.title, kind: call.kind ?? "other",
                status: call.status ?? "pending", locations: call.locations?.map(\.path),
                contentText: contentText(call.content)))]
        case .toolCallUpdate(let patch):
            return [.toolCall(ToolCallInfo(
                id: patch.toolCallId, isNew: false, title: patch.title, kind: patch.kind, status: patch.status,
                locations: patch.locations?.map(\.path), contentText: contentText(patch.content)))]
        case .plan(let plan):
            return [.plan(plan.entries.map { PlanEntry(content: $0.content, priority: $0.priority, status: $0.status) })]
        case .availableCommandsUpdate(let update):
            return [.commandsUpdated(update.availableCommands.map {
                AgentCommand(name: $0.name, description: $0.description, inputHint: $0.input?["hint"]?.stringValue)
            })]
        case .currentModeUpdate(let update):
            return [.modeChanged(update.currentModeId)]
        case .configOptionUpdate:
            // Not a turn event: the stdio connection keeps the options current itself
            // (AgentConnection+SessionControls), whether or not a turn runs.
            return []
        case .sessionInfoUpdate(let info):
            switch info.title {
            case .string(let title)?: return [.sessionInfo(title: title)]
            case .null?: return [.sessionInfo(title: nil)]
            default: return []
            }
        case .usageUpdate(let usage):
            return [.usage(Usage(used: usage.used, size: usage.size, costAmount: usage.cost?.amount,
                                 costCurrency: usage.cost?.currency))]
        case .unknown:
            return []
        }
    }

    private static func text(_ chunk: ContentChunk, stream: TextDelta.Stream) -> [RuntimeEvent] {
        let text = chunk.content.displayText
        guard !text.isEmpty else { return [] }
        return [.text(TextDelta(stream: stream, text: text, messageId: chunk.messageId))]
    }

    private static func contentText(_ content: [WireToolCallContent]?) -> String? {
        guard let content, !content.isEmpty else { return nil }
        return content.map(\.displayText).joined(separator: "\n")
    }
}

extension WireContentBlock {
    /// The wire form of a prompt block, for `session/prompt` (stdio) and acpx's stdin (acpx) (already downgraded to the agent's capabilities).
    init(prompt block: ContentBlock) {
        switch block {
        case .text(let text):
            self = .text(Text(text: text))
        case .resourceLink(let uri, let name, let mimeType):
            self = .resourceLink(ResourceLink(uri: uri, name: name, mimeType: mimeType))
        case .image(let data, let mimeType):
            self = .image(Image(data: data, mimeType: mimeType))
        case .audio(let data, let mimeType):
            self = .audio(Audio(data: data, mimeType: mimeType))
        case .embeddedText(let uri, let text, let mimeType):
            self = .resource(Resource(resource: EmbeddedResource(uri: uri, mimeType: mimeType, text: text)))
        }
    }
}
