import JSONKit
import ACPControlPlane
import Bindings
import ChatCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird

/// The `http` channel's endpoints, as a route collection the daemon mounts (behind its bearer
/// token middleware): `POST /v1/messages`, `GET /v1/conversations/{id}/messages` (`?after=<seq>`,
/// optional `&limit=` up to `HTTPMessageLog.readLimit`) and `GET /v1/conversations/{id}/events`
/// (Server-Sent Events). With the channel disabled (`channel` nil) every route answers 404.
public enum HTTPChannelRoutes {
    /// Largest accepted `POST /v1/messages` body.
    public static let maxBodyBytes = 1 << 20

    private struct PostBody: Decodable {
        var accountId: String?
        var conversationId: String
        var senderId: String
        var text: String
        var messageId: String
    }

    /// The routes over `channel` (nil: the channel is disabled).
    public static func collection(_ channel: HTTPChannel?) -> RouteCollection<BasicRequestContext> {
        let router = RouteCollection(context: BasicRequestContext.self)
        router.post("/v1/messages") { request, _ in
            do {
                guard let channel else {
                    return HTTPResponses.error(.notFound, code: ACPError.Code.invalidArgument.rawValue, "the http channel is disabled (channels.http.enabled)")
                }
                let bytes = try await request.body.collect(upTo: maxBodyBytes)
                let body: PostBody
                do {
                    let value = try bytes.withUnsafeReadableBytes { raw throws(JSONParser.SyntaxError) in try JSONParser.parse(raw) }
                    body = try JSONValueDecoder.decode(PostBody.self, from: value)
                } catch {
                    return HTTPResponses.error(.badRequest, code: ACPError.Code.invalidArgument.rawValue,
                                              "the body must be JSON {accountId?, conversationId, senderId, text, messageId}")
                }
                guard !body.senderId.isEmpty, !body.messageId.isEmpty else {
                    return HTTPResponses.error(.badRequest, code: ACPError.Code.invalidArgument.rawValue, "senderId and messageId must not be empty")
                }
                guard body.text.contains(where: { !$0.isWhitespace }) else {
                    return HTTPResponses.error(.badRequest, code: ACPError.Code.invalidArgument.rawValue, "text must not be blank")
                }
                let message: InboundMessage
                do {
                    message = try HTTPChannel.inboundMessage(accountId: body.accountId, conversationId: body.conversationId,
                                                             senderId: body.senderId, text: body.text, messageId: body.messageId,
                                                             idempotencyKey: idempotencyKey(request))
                } catch let error as ACPError {
                    return HTTPResponses.error(.badRequest, code: error.code.rawValue, error.message)
                }
                guard let outcome = await channel.submit(message) else {
                    return HTTPResponses.error(.serviceUnavailable, code: "HTTP_UNAVAILABLE", "acpd is shutting down and takes no new messages")
                }
                switch outcome.refusal {
                case .rateLimited:
                    return HTTPResponses.error(.tooManyRequests, code: "HTTP_RATE_LIMITED", "rate limited (try again later)")
                case .inProgress:
                    return HTTPResponses.error(.conflict, code: "HTTP_IDEMPOTENCY_IN_PROGRESS",
                                               "a message with this idempotency key is still being handled; retry later for its outcome")
                case .keyConflict:
                    return HTTPResponses.error(.conflict, code: "HTTP_IDEMPOTENCY_CONFLICT",
                                              "this idempotency key was first used for a different message; nothing was done")
                case nil: break
                }
                var answer: [String: JSONValue] = ["accepted": JSONValue(outcome.accepted)]
                if let runId = outcome.runId { answer["runId"] = JSONValue(runId.rawValue) }
                if let reply = outcome.reply { answer["reply"] = JSONValue(reply) }
                return HTTPResponses.json(JSONValue(answer), status: .accepted)
            }
        }
        router.get("/v1/conversations/{id}/messages") { request, context in
            do {
                let (log, ref): (HTTPMessageLog, ConversationRef)
                switch conversation(request, context, channel) {
                case .success(let found): (log, ref) = found
                case .failure(let refusal): return refusal.response
                }
                let after = request.uri.queryParameters.get("after").flatMap { Int64($0) } ?? 0
                let limit = request.uri.queryParameters.get("limit").flatMap { Int($0) } ?? HTTPMessageLog.readLimit
                let messages: [HTTPLoggedMessage]
                do { messages = try log.messages(conversation: ref, after: after, limit: limit) } catch {
                    return HTTPResponses.error(.serviceUnavailable, code: "HTTP_UNAVAILABLE", "the message log cannot be read: \(error)")
                }
                return HTTPResponses.json(["messages": .array(messages.map(HTTPResponses.message))])
            }
        }
        router.get("/v1/conversations/{id}/events") { request, context in
            do {
                let (log, ref): (HTTPMessageLog, ConversationRef)
                switch conversation(request, context, channel) {
                case .success(let found): (log, ref) = found
                case .failure(let refusal): return refusal.response
                }
                let events = await log.subscribe(conversation: ref)
                var headers = HTTPFields()
                headers[.contentType] = "text/event-stream"
                headers[.cacheControl] = "no-cache"
                return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: ": acpd http channel events\n\n"))
                    for await event in events {
                        // Compact and sorted, `/` escaped as `\/` (as JSONSerialization wrote it).
                        let data = HTTPResponses.message(event.message).jsonText(options: [.sortedKeys])
                        try await writer.write(ByteBuffer(string: "event: \(event.change.rawValue)\nid: \(event.message.seq)\ndata: \(data)\n\n"))
                    }
                    try await writer.finish(nil)
                })
            }
        }
        return router
    }

    /// The `Idempotency-Key` header, if present and not empty.
    public static func idempotencyKey(_ request: Request) -> String? {
        let value = request.headers.first { $0.name.canonicalName == "idempotency-key" }?.value
        return value?.isEmpty == false ? value : nil
    }

    /// Why a conversation route cannot answer, as the response to send.
    private struct Refusal: Error {
        var response: Response
    }

    /// The message log and the conversation a request names (`{id}`, `?accountId=`); refused with
    /// 404 when the channel is off (or its log not open yet), 400 when the account or the
    /// conversation id is not in its form.
    private static func conversation(_ request: Request, _ context: BasicRequestContext,
                                     _ channel: HTTPChannel?) -> Result<(HTTPMessageLog, ConversationRef), Refusal> {
        guard let log = channel?.log, let id = context.parameters.get("id") else {
            return .failure(Refusal(response: channel == nil
                ? HTTPResponses.error(.notFound, code: ACPError.Code.invalidArgument.rawValue, "the http channel is disabled (channels.http.enabled)")
                : HTTPResponses.error(.badRequest, code: ACPError.Code.invalidArgument.rawValue,
                                      "conversation id: expected \(ConversationIDs.expectedForm(for: .http))")))
        }
        let account = request.uri.queryParameters.get("accountId").map { String($0) } ?? ConversationRef.defaultAccount
        do {
            return .success((log, try ConversationIDs.parse(id, channel: .http, accountId: account)))
        } catch {
            return .failure(Refusal(response: HTTPResponses.error(.badRequest, code: error.code.rawValue, error.message)))
        }
    }
}
