import JSONKit

/// The hot path of an agent's stream: text chunks (`agent_message_chunk`, `agent_thought_chunk`,
/// `user_message_chunk` with a plain `text` block) are most of what agents send, one line per
/// token group. They are read straight off the parsed tree instead of through the generic
/// `Decodable` machinery, which costs several times the parse itself (see docs/benchmarks.md).
///
/// Only the plain shape takes this path; anything else (annotations, a non-string messageId,
/// other content types, a missing field) returns nil and goes through `Decodable`, which yields
/// the same value or the precise error. Tests check both paths agree.
extension SessionNotification {
    static func plainTextChunk(_ params: JSONValue?) -> SessionNotification? {
        guard case .object(let object)? = params,
              case .string(let sessionId)? = object["sessionId"],
              case .object(let update)? = object["update"],
              case .string(let kind)? = update["sessionUpdate"],
              case .object(let content)? = update["content"],
              content["type"] == .string("text"),
              case .string(let text)? = content["text"],
              content["annotations"] == nil
        else { return nil }

        let messageId: String?
        switch update["messageId"] {
        case nil: messageId = nil
        case .string(let id)?: messageId = id
        default: return nil
        }
        let chunk = ContentChunk(content: .text(.init(text: text)), messageId: messageId)
        switch kind {
        case "agent_message_chunk": return SessionNotification(sessionId: sessionId, update: .agentMessageChunk(chunk))
        case "agent_thought_chunk": return SessionNotification(sessionId: sessionId, update: .agentThoughtChunk(chunk))
        case "user_message_chunk": return SessionNotification(sessionId: sessionId, update: .userMessageChunk(chunk))
        default: return nil
        }
    }
}
