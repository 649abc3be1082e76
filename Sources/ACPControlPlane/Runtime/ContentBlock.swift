/// Prompt content sent to an agent, in the shape of ACP's `ContentBlock`.
///
/// `text` and `resourceLink` are always allowed; the others only when the agent advertises the
/// matching prompt capability. Backends downgrade what the agent cannot take (see
/// `ContentBlock.downgraded(for:)`).
public enum ContentBlock: Sendable, Equatable, Codable {
    case text(String)
    case resourceLink(uri: String, name: String, mimeType: String?)
    case image(base64: String, mimeType: String)
    case audio(base64: String, mimeType: String)
    case embeddedText(uri: String, text: String, mimeType: String?)

    /// The text of a prompt made only of text blocks, joined with newlines.
    public var plainText: String? {
        if case .text(let text) = self { return text }
        return nil
    }

    /// This block as the agent can take it, given its prompt capabilities.
    public func downgraded(for capabilities: PromptCapabilities) -> ContentBlock {
        switch self {
        case .text, .resourceLink: self
        case .image(_, let mime): capabilities.image ? self : .text("[image \(mime) omitted: the agent does not accept images]")
        case .audio(_, let mime): capabilities.audio ? self : .text("[audio \(mime) omitted: the agent does not accept audio]")
        case .embeddedText(let uri, let text, _):
            capabilities.embeddedContext ? self : .text("\(uri):\n\(text)")
        }
    }
}

/// What an agent accepts in `session/prompt` beyond text and resource links.
public struct PromptCapabilities: Sendable, Equatable, Codable {
    public var image: Bool
    public var audio: Bool
    public var embeddedContext: Bool

    public init(image: Bool = false, audio: Bool = false, embeddedContext: Bool = false) {
        self.image = image
        self.audio = audio
        self.embeddedContext = embeddedContext
    }
}
