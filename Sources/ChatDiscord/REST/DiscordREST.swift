import ACPControlPlane
import AsyncHTTPClient
import JSONKit
import Metrics
import NIOCore
import NIOHTTP1
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small client of Discord's REST API (v10): JSON bodies, `Authorization: Bot <token>`,
/// requests paced by the `RateLimiter` (they wait for their bucket rather than draw a 429), errors
/// classified into `DiscordAPIError`. Every message it posts or edits carries
/// `allowed_mentions: {"parse": []}`, so agent output never pings anyone.
///
/// The `HTTPClient` belongs to the caller. The token never appears in an error or a log line.
public struct DiscordREST: Sendable {
    /// The API base (`https://discord.com/api/v10`, or a test fake).
    public let apiBase: String
    private let token: String
    private let client: HTTPClient
    let limiter: RateLimiter
    /// How long a call may take before its outcome counts as unknown.
    public var requestTimeout: Duration
    /// The longest a call with `waitOnRateLimit` waits out a 429 itself before giving up.
    public var maxWait: Duration

    /// Largest answer read.
    static let maxBodyBytes = 8 << 20
    /// What Discord asks bots to send as User-Agent.
    static let userAgent = "DiscordBot (https://github.com/acpd/acpd, 0.1) acpd"

    /// A client for bot `token` at `apiBase`; requests wait for an exhausted bucket up to `maxWait`.
    public init(apiBase: String, token: String, client: HTTPClient, requestTimeout: Duration = .seconds(15), maxWait: Duration = .seconds(10)) {
        self.apiBase = apiBase.hasSuffix("/") ? String(apiBase.dropLast()) : apiBase
        self.token = token
        self.client = client
        self.requestTimeout = requestTimeout
        self.maxWait = maxWait
        limiter = RateLimiter(maxWait: maxWait)
    }

    /// An `HTTPClient` for Discord: a refused connection fails at once (reported as `notSent`).
    public static func makeHTTPClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(10))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    // MARK: Endpoints

    /// `GET /users/@me`: the bot user (checks the token).
    public func currentUser() async throws(DiscordAPIError) -> JSONValue {
        try await call(.currentUser(), waitOnRateLimit: true)
    }

    /// `GET /oauth2/applications/@me`: the bot's application (its `id`).
    public func currentApplication() async throws(DiscordAPIError) -> JSONValue {
        try await call(.currentApplication(), waitOnRateLimit: true)
    }

    /// `GET /gateway/bot`: the gateway URL and the session start limit.
    public func gatewayBot() async throws(DiscordAPIError) -> GatewayBot {
        let answer = try await call(.gatewayBot(), waitOnRateLimit: true)
        guard let gateway = GatewayBot(json: answer) else { throw .lost("GET /gateway/bot answered without a url") }
        return gateway
    }

    /// `gatewayBot()` as a `GatewayConnection` wants it: a rejected token (401) is the fatal
    /// `GatewayFailure.authenticationFailed`, not a reason to retry.
    public func gatewayForConnection() async throws -> GatewayBot {
        do {
            return try await gatewayBot()
        } catch {
            if case .api(401, _, _, _, _) = error { throw GatewayFailure.authenticationFailed }
            throw error
        }
    }

    /// `GET /channels/{id}`: a channel or thread (its `type` and `parent_id`).
    public func channel(_ id: String) async throws(DiscordAPIError) -> JSONValue {
        try await call(.channel(id), waitOnRateLimit: true)
    }

    /// `POST /channels/{id}/messages` with `content` and buttons; returns the message. With a
    /// `nonce` (at most 25 characters) the create is sent with `enforce_nonce`: Discord returns
    /// the message this bot created with the same nonce in the last few minutes instead of
    /// creating another.
    public func createMessage(channel: String, content: String, components: JSONValue,
                              nonce: String? = nil) async throws(DiscordAPIError) -> JSONValue {
        var body = Self.messageBody(content, components)
        if let nonce, case .object(var object) = body {
            object["nonce"] = .string(nonce)
            object["enforce_nonce"] = true
            body = .object(object)
        }
        return try await call(.createMessage(channel), body: body)
    }

    /// `PATCH /channels/{id}/messages/{id}` with `content` and buttons (an empty list removes them).
    public func editMessage(channel: String, message: String, content: String, components: JSONValue) async throws(DiscordAPIError) {
        _ = try await call(.editMessage(channel, message), body: Self.messageBody(content, components))
    }

    /// `DELETE /channels/{id}/messages/{id}`.
    public func deleteMessage(channel: String, message: String) async throws(DiscordAPIError) {
        _ = try await call(.deleteMessage(channel, message), waitOnRateLimit: true)
    }

    /// Starts a thread named `name` in `channel`: from `message` when given, else a public thread
    /// (type 11). Returns the thread channel.
    public func startThread(channel: String, name: String, fromMessage message: String? = nil) async throws(DiscordAPIError) -> JSONValue {
        if let message {
            return try await call(.startThread(channel, fromMessage: message), body: ["name": .string(name), "auto_archive_duration": 1440],
                                  waitOnRateLimit: true)
        }
        return try await call(.startThread(channel), body: ["name": .string(name), "type": 11, "auto_archive_duration": 1440],
                              waitOnRateLimit: true)
    }

    /// `DELETE /channels/{id}`: deletes a channel or thread.
    public func deleteChannel(_ id: String) async throws(DiscordAPIError) {
        _ = try await call(.deleteChannel(id), waitOnRateLimit: true)
    }

    /// `POST /users/@me/channels`: the DM channel with `recipient` (opened if needed).
    public func openDM(recipient: String) async throws(DiscordAPIError) -> JSONValue {
        try await call(.openDM(), body: ["recipient_id": .string(recipient)], waitOnRateLimit: true)
    }

    /// `POST /channels/{id}/typing`: the typing indicator for ~10 s.
    public func triggerTyping(channel: String) async throws(DiscordAPIError) {
        _ = try await call(.typing(channel))
    }

    /// `POST /interactions/{id}/{token}/callback` with response `type` (4 message, 5 deferred
    /// message, 6 deferred update, 7 update) and `data`.
    public func interactionCallback(id: String, token: String, type: Int, data: JSONValue? = nil) async throws(DiscordAPIError) {
        var body: [String: JSONValue] = ["type": .int(Int64(type))]
        if let data { body["data"] = data }
        _ = try await call(.interactionCallback(id, token), body: JSONValue(body))
    }

    /// `PATCH /webhooks/{application}/{token}/messages/@original`: edits an interaction's response.
    public func editOriginalResponse(application: String, token: String, content: String, components: JSONValue = .array([])) async throws(DiscordAPIError) {
        _ = try await call(.editOriginal(application, token), body: Self.messageBody(content, components), waitOnRateLimit: true)
    }

    /// `POST /webhooks/{application}/{token}`: a follow-up to an interaction; `ephemeral` shows it
    /// only to whoever interacted.
    public func createFollowup(application: String, token: String, content: String, ephemeral: Bool) async throws(DiscordAPIError) {
        var body = Self.messageBody(content, .array([]))
        if ephemeral, case .object(var object) = body {
            object["flags"] = 64
            body = .object(object)
        }
        _ = try await call(.followup(application, token), body: body, waitOnRateLimit: true)
    }

    /// `PUT /applications/{id}[/guilds/{id}]/commands`: replaces the application's commands.
    public func overwriteCommands(application: String, guild: String?, commands: JSONValue) async throws(DiscordAPIError) {
        _ = try await call(.commands(application, guild: guild), body: commands, waitOnRateLimit: true)
    }

    /// A message body: the content, the components, and no mentions that could ping.
    static func messageBody(_ content: String, _ components: JSONValue) -> JSONValue {
        ["content": .string(content), "components": components, "allowed_mentions": ["parse": []]]
    }

    // MARK: Transport

    /// Calls `route` with `body`; returns the answer's JSON (null for 204). Waits for the route's
    /// bucket first; with `waitOnRateLimit`, a 429 whose `retry_after` is within `maxWait` is waited
    /// out and the call repeated (Discord applied nothing), and a GET that failed with a 5xx or
    /// never left is repeated after a short pause (up to 3 attempts); otherwise the error is
    /// thrown, for the send queue to wait and retry. Counted in `acpd_channel_requests_total{channel,method,result}`.
    public func call(_ route: DiscordRoute, body: JSONValue? = nil, waitOnRateLimit: Bool = false) async throws(DiscordAPIError) -> JSONValue {
        var attempts = 0
        while true {
            attempts += 1
            do {
                return try await measured(route, body: body)
            } catch {
                guard waitOnRateLimit, attempts < 3 else { throw error }
                switch error {
                case .api(429, _, _, let retryAfter?, _) where retryAfter <= maxWait:
                    // The limiter now holds the bucket (or everything) until the retry-after: the
                    // next attempt waits for it in `acquire`.
                    continue
                case .notSent, .api(500..., _, _, _, _) where route.method == .GET:
                    // A read is safe to repeat: after a short pause.
                    do { try await Task.sleep(for: .milliseconds(250 * attempts)) } catch { throw .cancelled }
                default:
                    throw error
                }
            }
        }
    }

    private func measured(_ route: DiscordRoute, body: JSONValue?) async throws(DiscordAPIError) -> JSONValue {
        let started = ContinuousClock.now
        let result: Result<JSONValue, DiscordAPIError>
        do {
            result = .success(try await perform(route, body: body))
        } catch {
            result = .failure(error)
        }
        let label: String = switch result {
        case .success: "ok"
        case .failure(let error): error.metricResult
        }
        Counter(label: "acpd_channel_requests_total", dimensions: [("channel", "discord"), ("method", route.name), ("result", label)]).increment()
        Timer(label: "acpd_channel_request_seconds", dimensions: [("channel", "discord"), ("method", route.name)])
            .recordNanoseconds(Self.nanoseconds(ContinuousClock.now - started))
        if case .failure(.api(429, _, _, _, _)) = result {
            Counter(label: "acpd_rate_limited_total", dimensions: [("channel", "discord")]).increment()
        }
        return try result.get()
    }

    private func perform(_ route: DiscordRoute, body: JSONValue?) async throws(DiscordAPIError) -> JSONValue {
        let (wait, key) = try await limiter.acquire(route)
        let result: Result<JSONValue, DiscordAPIError>
        do {
            result = .success(try await send(route, body: body, after: wait))
        } catch {
            result = .failure(error)
        }
        await limiter.release(key)
        return try result.get()
    }

    /// Sends one request after `wait` and learns from its answer (then releases the bucket).
    private func send(_ route: DiscordRoute, body: JSONValue?, after wait: Duration) async throws(DiscordAPIError) -> JSONValue {
        if wait > .zero {
            do { try await WatchdogTimer.sleep(for: wait) } catch { throw .cancelled }
        }
        var request = HTTPClientRequest(url: apiBase + route.path)
        request.method = route.method
        request.headers.add(name: "Authorization", value: "Bot \(token)")
        request.headers.add(name: "User-Agent", value: Self.userAgent)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body.jsonText()))
        }
        let status: Int
        let answer: JSONValue?
        var headers: [String: String] = [:]
        do {
            let response = try await client.execute(request, timeout: Self.timeAmount(requestTimeout))
            status = Int(response.status.code)
            for header in response.headers where header.name.lowercased().hasPrefix("x-ratelimit") {
                headers[header.name.lowercased()] = header.value
            }
            let bytes = try await response.body.collect(upTo: Self.maxBodyBytes)
            answer = bytes.readableBytes == 0 ? .null : bytes.withUnsafeReadableBytes { try? JSONParser.parse($0) }
        } catch {
            throw Self.classify(error)
        }
        let retryAfter = Self.seconds(answer?["retry_after"]) ?? headers["retry-after"].flatMap(Double.init)
        let retry = retryAfter.map { Duration.milliseconds(Int64(($0 * 1000).rounded(.up))) }
        let global: Bool = if case .bool(true)? = answer?["global"] { true } else { false }
        await limiter.update(route, headers: headers, status: status, retryAfter: retry, global: global)
        if (200..<300).contains(status) {
            guard let answer else { throw .lost("HTTP \(status) with a body that is not JSON") }
            return answer
        }
        let message = answer?["message"]?.stringValue ?? "HTTP \(status)"
        let code: Int? = if case .int(let value)? = answer?["code"] { Int(value) } else { nil }
        throw .api(status: status, code: code, message: message, retryAfter: status == 429 ? (retry ?? .seconds(1)) : nil, global: global)
    }

    /// Whether the request can have left: connection failures are `notSent`, the rest `lost`.
    static func classify(_ error: any Error) -> DiscordAPIError {
        if error is CancellationError { return .cancelled }
        if let error = error as? HTTPClientError {
            if error == .cancelled { return .cancelled }
            if error == .connectTimeout { return .notSent("connect timed out") }
            if error == .deadlineExceeded || error == .readTimeout { return .lost("timed out") }
            return .lost("\(error)")
        }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED { return .notSent("connection refused") }
        if error is NIOConnectionError { return .notSent("cannot connect") }
        if case .connectTimeout? = error as? NIOCore.ChannelError { return .notSent("connect timed out") }
        return .lost("\(type(of: error))")
    }

    private static func seconds(_ value: JSONValue?) -> Double? {
        switch value {
        case .int(let number)?: Double(number)
        case .double(let number)?: number
        default: nil
        }
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds.multipliedReportingOverflow(by: 1_000_000_000).partialValue + attoseconds / 1_000_000_000
    }

    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
