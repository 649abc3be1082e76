import JSONKit
import ACPControlPlane
import Bindings
import ChatCore
import ChatHTTP
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird
import RuntimeBackends

/// The `http` channel's endpoints: `POST /v1/messages`, `GET /v1/conversations/{id}/messages`
/// (`?after=<seq>`, optional `&limit=` up to `HTTPMessageLog.readLimit`) and
/// `GET /v1/conversations/{id}/events` (Server-Sent Events).
enum HTTPChannelRoutes {
    /// Largest accepted `POST /v1/messages` body.
    static let maxBodyBytes = 1 << 20

    private struct PostBody: Decodable {
        var accountId: String?
        var conversationId: String
        var senderId: String
        var text: String
        var messageId: String
    }

    static func add(to router: Hummingbird.Router<BasicRequestContext>, _ deps: APIDependencies) {
        router.post("/v1/messages") { request, _ in
            try await APIServer.authorized(request, deps) {
                guard let channel = deps.httpChannel else {
                    return APIResponses.error(.notFound, code: ACPError.Code.invalidArgument.rawValue, "the http channel is disabled (channels.http.enabled)")
                }
                let bytes = try await request.body.collect(upTo: maxBodyBytes)
                let body: PostBody
                do { body = try JSONDecoder().decode(PostBody.self, from: Data(buffer: bytes)) } catch {
                    return APIResponses.error(.badRequest, code: ACPError.Code.invalidArgument.rawValue,
                                              "the body must be JSON {accountId?, conversationId, senderId, text, messageId}")
                }
                guard !body.senderId.isEmpty, !body.messageId.isEmpty else {
                    return APIResponses.error(.badRequest, code: ACPError.Code.invalidArgument.rawValue, "senderId and messageId must not be empty")
                }
                guard body.text.contains(where: { !$0.isWhitespace }) else {
                    return APIResponses.error(.badRequest, code: ACPError.Code.invalidArgument.rawValue, "text must not be blank")
                }
                let message: InboundMessage
                do {
                    message = try HTTPChannel.inboundMessage(accountId: body.accountId, conversationId: body.conversationId,
                                                             senderId: body.senderId, text: body.text, messageId: body.messageId,
                                                             idempotencyKey: idempotencyKey(request))
                } catch let error as ACPError {
                    return APIResponses.error(.badRequest, code: error.code.rawValue, error.message)
                }
                guard let outcome = await deps.handle(message, channel) else {
                    return APIResponses.error(.serviceUnavailable, code: "HTTP_UNAVAILABLE", "acpd is shutting down and takes no new messages")
                }
                switch outcome.refusal {
                case .rateLimited:
                    return APIResponses.error(.tooManyRequests, code: "HTTP_RATE_LIMITED", "rate limited (try again later)")
                case .keyConflict:
                    return APIResponses.error(.conflict, code: "HTTP_IDEMPOTENCY_CONFLICT",
                                              "this idempotency key was first used for a different message; nothing was done")
                case nil: break
                }
                var answer: [String: JSONValue] = ["accepted": JSONValue(outcome.accepted)]
                if let runId = outcome.runId { answer["runId"] = JSONValue(runId.rawValue) }
                if let reply = outcome.reply { answer["reply"] = JSONValue(reply) }
                return APIResponses.json(JSONValue(answer), status: .accepted)
            }
        }
        router.get("/v1/conversations/{id}/messages") { request, context in
            try await APIServer.authorized(request, deps) {
                guard let (log, ref) = conversation(request, context, deps) else { return notFound(deps) }
                let after = request.uri.queryParameters.get("after").flatMap { Int64($0) } ?? 0
                let limit = request.uri.queryParameters.get("limit").flatMap { Int($0) } ?? HTTPMessageLog.readLimit
                let messages: [HTTPLoggedMessage]
                do { messages = try log.messages(conversation: ref, after: after, limit: limit) } catch {
                    return APIResponses.error(.serviceUnavailable, code: "HTTP_UNAVAILABLE", "the message log cannot be read: \(error)")
                }
                return APIResponses.json(["messages": .array(messages.map(APIResponses.message))])
            }
        }
        router.get("/v1/conversations/{id}/events") { request, context in
            try await APIServer.authorized(request, deps) {
                guard let (log, ref) = conversation(request, context, deps) else { return notFound(deps) }
                let events = await log.subscribe(conversation: ref)
                var headers = HTTPFields()
                headers[.contentType] = "text/event-stream"
                headers[.cacheControl] = "no-cache"
                return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: ": acpd http channel events\n\n"))
                    for await event in events {
                        // Compact and sorted, `/` escaped as `\/` (as JSONSerialization wrote it).
                        let data = APIResponses.message(event.message).jsonText(options: [.sortedKeys])
                        try await writer.write(ByteBuffer(string: "event: \(event.change.rawValue)\nid: \(event.message.seq)\ndata: \(data)\n\n"))
                    }
                    try await writer.finish(nil)
                })
            }
        }
    }

    /// The `Idempotency-Key` header, if present and not empty.
    static func idempotencyKey(_ request: Request) -> String? {
        let value = request.headers.first { $0.name.canonicalName == "idempotency-key" }?.value
        return value?.isEmpty == false ? value : nil
    }

    /// The message log and the conversation a request names; nil when the channel is off (or
    /// its log not open yet) or the id is not an http conversation id.
    private static func conversation(_ request: Request, _ context: BasicRequestContext,
                                     _ deps: APIDependencies) -> (HTTPMessageLog, ConversationRef)? {
        guard let log = deps.httpChannel?.log, let id = context.parameters.get("id") else { return nil }
        let account = request.uri.queryParameters.get("accountId").map { String($0) } ?? ConversationRef.defaultAccount
        guard let ref = try? ConversationIDs.parse(id, channel: .http, accountId: account) else { return nil }
        return (log, ref)
    }

    private static func notFound(_ deps: APIDependencies) -> Response {
        deps.httpChannel == nil
            ? APIResponses.error(.notFound, code: ACPError.Code.invalidArgument.rawValue, "the http channel is disabled (channels.http.enabled)")
            : APIResponses.error(.badRequest, code: ACPError.Code.invalidArgument.rawValue,
                                 "conversation id: expected \(ConversationIDs.expectedForm(for: .http))")
    }
}
