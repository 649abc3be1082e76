import AsyncHTTPClient
import JSONKit
import Metrics
import NIOCore
import NIOPosix
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small client of the Telegram Bot API: one JSON `POST <apiRoot>/bot<token>/<method>` per call,
/// answers decoded from `{"ok", "result" | "error_code", "description", "parameters"}`.
///
/// The `HTTPClient` belongs to the caller (its lifetime is the caller's scope: the daemon shuts it
/// down after its service group ended). The token never appears in an error or a log line.
public struct TelegramBotAPI: Sendable {
    /// Where the Bot API lives (`https://api.telegram.org`, a local Bot API server, a test fake).
    public let apiRoot: String
    let token: String
    let client: HTTPClient
    /// How long a call other than `getUpdates` may take before its outcome counts as unknown.
    public var requestTimeout: Duration

    /// Largest answer read (a `getUpdates` batch of 100 updates stays well below).
    static let maxBodyBytes = 16 << 20

    /// A client for the bot `token` at `apiRoot`.
    public init(apiRoot: String, token: String, client: HTTPClient, requestTimeout: Duration = .seconds(30)) {
        self.apiRoot = apiRoot.hasSuffix("/") ? String(apiRoot.dropLast()) : apiRoot
        self.token = token
        self.client = client
        self.requestTimeout = requestTimeout
    }

    /// An `HTTPClient` configured for the Bot API: a refused connection fails at once (it is
    /// reported as `notSent`, retried by the caller) instead of being retried until the deadline.
    public static func makeHTTPClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(10))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    // MARK: Methods

    /// `getMe`: the bot itself (checks the token).
    public func getMe() async throws(TelegramAPIError) -> TelegramUser {
        try await call("getMe", [:], as: TelegramUser.self)
    }

    /// `setMyCommands`: the commands the client's menu offers (`command` without the slash,
    /// lowercase, ≤ 32 characters; `description` ≤ 256).
    public func setMyCommands(_ commands: [(command: String, description: String)]) async throws(TelegramAPIError) {
        let list = commands.map { JSONValue(["command": .string($0.command), "description": .string($0.description)]) }
        _ = try await call("setMyCommands", ["commands": .array(list)], as: JSONValue.self)
    }

    /// `getUpdates`: the updates from `offset` on (confirming every update below it), held by
    /// Telegram up to `timeout` seconds while there are none.
    public func getUpdates(offset: Int64?, timeout: Int, allowedUpdates: [String]) async throws(TelegramAPIError) -> [TelegramUpdate] {
        var parameters: [String: JSONValue] = ["timeout": .int(Int64(timeout)), "allowed_updates": JSONValue(allowedUpdates)]
        if let offset { parameters["offset"] = .int(offset) }
        // The long poll's own time plus the usual request time.
        return try await call("getUpdates", parameters, as: [TelegramUpdate].self, timeout: .seconds(timeout) + requestTimeout)
    }

    /// `sendMessage` into `chatId`, into topic `messageThreadId` when given; formatted by
    /// `entities` (none: plain text).
    public func sendMessage(chatId: Int64, messageThreadId: Int64?, text: String, entities: [TelegramMessageEntity] = [],
                            replyMarkup: JSONValue?) async throws(TelegramAPIError) -> TelegramMessage {
        var parameters: [String: JSONValue] = ["chat_id": .int(chatId), "text": .string(text)]
        if !entities.isEmpty { parameters["entities"] = .array(entities.map(\.json)) }
        if let messageThreadId { parameters["message_thread_id"] = .int(messageThreadId) }
        if let replyMarkup { parameters["reply_markup"] = replyMarkup }
        return try await call("sendMessage", parameters, as: TelegramMessage.self)
    }

    /// `editMessageText` (formatted by `entities`; none: plain text); an edit that changes
    /// nothing ("message is not modified": same text, entities and keyboard) succeeds.
    public func editMessageText(chatId: Int64, messageId: Int64, text: String, entities: [TelegramMessageEntity] = [],
                                replyMarkup: JSONValue?) async throws(TelegramAPIError) {
        var parameters: [String: JSONValue] = ["chat_id": .int(chatId), "message_id": .int(messageId), "text": .string(text)]
        if !entities.isEmpty { parameters["entities"] = .array(entities.map(\.json)) }
        if let replyMarkup { parameters["reply_markup"] = replyMarkup }
        do {
            _ = try await call("editMessageText", parameters, as: JSONValue.self)
        } catch where error.isNotModified {
            return
        }
    }

    /// `answerCallbackQuery`, with a short notice for the presser when `text` is given.
    public func answerCallbackQuery(id: String, text: String?) async throws(TelegramAPIError) {
        var parameters: [String: JSONValue] = ["callback_query_id": .string(id)]
        if let text { parameters["text"] = .string(text) }
        _ = try await call("answerCallbackQuery", parameters, as: JSONValue.self)
    }

    /// `createForumTopic` in forum `chatId`; returns the new topic's `message_thread_id`.
    public func createForumTopic(chatId: Int64, name: String) async throws(TelegramAPIError) -> Int64 {
        try await call("createForumTopic", ["chat_id": .int(chatId), "name": .string(name)], as: TelegramForumTopic.self).messageThreadId
    }

    /// `deleteForumTopic`: the topic and every message in it.
    public func deleteForumTopic(chatId: Int64, messageThreadId: Int64) async throws(TelegramAPIError) {
        _ = try await call("deleteForumTopic", ["chat_id": .int(chatId), "message_thread_id": .int(messageThreadId)], as: JSONValue.self)
    }

    /// `sendMessageDraft`: streams `text` as draft `draftId` (non-zero; updates of one id are
    /// animated) into private chat `chatId`. A draft is a preview: the final text must be sent
    /// with `sendMessage` to stay in the chat.
    public func sendMessageDraft(chatId: Int64, messageThreadId: Int64?, draftId: Int64, text: String,
                                 entities: [TelegramMessageEntity] = []) async throws(TelegramAPIError) {
        var parameters: [String: JSONValue] = ["chat_id": .int(chatId), "draft_id": .int(draftId), "text": .string(text)]
        if !entities.isEmpty { parameters["entities"] = .array(entities.map(\.json)) }
        if let messageThreadId { parameters["message_thread_id"] = .int(messageThreadId) }
        _ = try await call("sendMessageDraft", parameters, as: JSONValue.self)
    }

    /// `sendChatAction`: shows `action` (e.g. `typing`) in `chatId` (topic `messageThreadId`) for
    /// about five seconds or until the bot's next message.
    public func sendChatAction(chatId: Int64, messageThreadId: Int64?, action: String) async throws(TelegramAPIError) {
        var parameters: [String: JSONValue] = ["chat_id": .int(chatId), "action": .string(action)]
        if let messageThreadId { parameters["message_thread_id"] = .int(messageThreadId) }
        _ = try await call("sendChatAction", parameters, as: JSONValue.self)
    }

    // MARK: Transport

    /// Calls `method` with a JSON body and decodes its `result` as `R`; counts it in
    /// `acpd_channel_requests_total{channel,method,result}` and `acpd_channel_request_seconds`.
    public func call<R: Decodable>(_ method: String, _ parameters: [String: JSONValue], as type: R.Type,
                                   timeout: Duration? = nil) async throws(TelegramAPIError) -> R {
        let started = ContinuousClock.now
        let result: Result<R, TelegramAPIError>
        do {
            result = .success(try await perform(method, parameters, as: type, timeout: timeout))
        } catch {
            result = .failure(error)
        }
        let label: String = switch result {
        case .success: "ok"
        case .failure(let error): error.metricResult
        }
        Counter(label: "acpd_channel_requests_total", dimensions: [("channel", "telegram"), ("method", method), ("result", label)]).increment()
        Timer(label: "acpd_channel_request_seconds", dimensions: [("channel", "telegram"), ("method", method)])
            .recordNanoseconds(Self.nanoseconds(ContinuousClock.now - started))
        return try result.get()
    }

    private func perform<R: Decodable>(_ method: String, _ parameters: [String: JSONValue], as type: R.Type,
                                       timeout: Duration?) async throws(TelegramAPIError) -> R {
        var request = HTTPClientRequest(url: "\(apiRoot)/bot\(token)/\(method)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: JSONValue(parameters).jsonText()))
        let status: Int
        let body: JSONValue?
        do {
            let response = try await client.execute(request, timeout: Self.timeAmount(timeout ?? requestTimeout))
            status = Int(response.status.code)
            let bytes = try await response.body.collect(upTo: Self.maxBodyBytes)
            body = bytes.withUnsafeReadableBytes { try? JSONParser.parse($0) }
        } catch {
            throw Self.classify(error)
        }
        guard let body, case .bool(let ok)? = body["ok"] else {
            if status >= 500 || status == 429 { throw .api(code: status, description: "HTTP \(status)", retryAfter: nil) }
            throw .lost("HTTP \(status) without a Bot API answer")
        }
        guard ok else {
            let code = body["error_code"].flatMap(Self.integer).map(Int.init) ?? status
            let description = body["description"]?.stringValue ?? "HTTP \(status)"
            let retryAfter = body["parameters"]?["retry_after"].flatMap(Self.integer).map(Int.init)
            throw .api(code: code, description: description, retryAfter: retryAfter)
        }
        do {
            return try JSONValueDecoder.decode(R.self, from: body["result"] ?? .null)
        } catch {
            throw .lost("unexpected \(method) result: \(error)")
        }
    }

    /// Whether the request can have left: connection failures are `notSent`, the rest `lost`.
    static func classify(_ error: any Error) -> TelegramAPIError {
        if error is CancellationError { return .cancelled }
        if let error = error as? HTTPClientError {
            if error == .cancelled { return .cancelled }
            if error == .connectTimeout { return .notSent("connect timed out") }
            if error == .deadlineExceeded || error == .readTimeout { return .lost("timed out") }
            return .lost("\(error)")
        }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED {
            return .notSent("connection refused")
        }
        if error is NIOConnectionError { return .notSent("cannot connect") }
        if case .connectTimeout? = error as? NIOCore.ChannelError { return .notSent("connect timed out") }
        return .lost("\(type(of: error))")
    }

    static func integer(_ value: JSONValue) -> Int64? {
        switch value {
        case .int(let number): number
        case .double(let number) where number.rounded() == number && abs(number) < 1e15: Int64(number)
        default: nil
        }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds.multipliedReportingOverflow(by: 1_000_000_000).partialValue + attoseconds / 1_000_000_000
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
