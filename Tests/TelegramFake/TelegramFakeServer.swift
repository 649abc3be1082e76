import Foundation
import Hummingbird
import JSONKit
import Logging
import NIOCore

/// A fake Telegram Bot API on 127.0.0.1 (an ephemeral port): `POST /bot<token>/<method>` with a
/// JSON body, answered from `FakeBotState`, and file downloads (`GET /file/bot<token>/<path>`).
/// `getUpdates` holds the request up to its `timeout` while there is nothing to deliver, like
/// Telegram.
public struct TelegramFakeServer: Sendable {
    public let state: FakeBotState
    public let port: Int

    /// `http://127.0.0.1:<port>`: the `apiRoot` to configure.
    public var apiRoot: String { "http://127.0.0.1:\(port)" }

    /// Runs a fake for the bot `token` around `body`, then stops it.
    public static func with<T: Sendable>(token: String = "123456:TEST-token",
                                         _ body: @Sendable (TelegramFakeServer) async throws -> T) async throws -> T {
        let state = FakeBotState(token: token)
        let router = Router(context: BasicRequestContext.self)
        // Telegram takes GET and POST alike; acpd's client posts JSON, doctor uses GET.
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, context in
            let bot = context.parameters.get("bot") ?? ""
            let method = context.parameters.get("method") ?? ""
            let bytes = try await request.body.collect(upTo: 1 << 22)
            let parameters = bytes.readableBytes == 0 ? JSONValue([:] as [String: JSONValue])
                : ((try? bytes.withUnsafeReadableBytes { try JSONParser.parse($0) }) ?? .null)
            let answer: FakeBotState.Answer
            if method == "getUpdates", bot == "bot\(state.token)" {
                answer = await Self.getUpdates(state, parameters)
            } else {
                answer = await state.handle(method: method, token: bot, parameters: parameters)
            }
            if let delay = answer.delay { try? await Task.sleep(for: delay) }
            return Response(status: .init(code: answer.status), headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: answer.body.jsonText())))
        }
        router.post(":bot/:method", use: handler)
        router.get(":bot/:method", use: handler)
        // File downloads: `GET /file/bot<token>/<file_path>` (the path has several segments).
        router.get("file/:bot/**") { _, context -> Response in
            let path = context.parameters.getCatchAll().joined(separator: "/")
            let (status, bytes) = await state.download(bot: context.parameters.get("bot") ?? "", path: path.removingPercentEncoding ?? path)
            guard status == 200 else {
                return Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
            }
            // Streamed in 16 KiB chunks without a length, so a client must cap what it reads itself.
            return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: ResponseBody(contentLength: nil) { writer in
                for start in stride(from: 0, to: bytes.count, by: 16_384) {
                    try await writer.write(ByteBuffer(bytes: bytes[start..<min(start + 16_384, bytes.count)]))
                }
                try await writer.finish(nil)
            })
        }
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in
                                  portSink.yield(channel.localAddress?.port ?? 0)
                                  portSink.finish()
                              },
                              logger: Self.quietLogger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await app.runService(gracefulShutdownSignals: [])
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else { throw CancellationError() }
            let result = try await body(TelegramFakeServer(state: state, port: port))
            group.cancelAll()
            return result
        }
    }

    /// The server's own logger: only critical lines (its shutdown at the end of a test is not news).
    private static let quietLogger: Logger = {
        var logger = Logger(label: "telegram-fake")
        logger.logLevel = .critical
        return logger
    }()

    /// `getUpdates`: what is there from `offset` on, else waits (up to `timeout` seconds) for some.
    private static func getUpdates(_ state: FakeBotState, _ parameters: JSONValue) async -> FakeBotState.Answer {
        if let failure = await state.recordPoll() { return failure }
        let offset: Int64? = if case .int(let value)? = parameters["offset"] { value } else { nil }
        let timeout: Int64 = if case .int(let value)? = parameters["timeout"] { value } else { 0 }
        let deadline = ContinuousClock.now + .seconds(timeout)
        var updates = await state.pendingUpdates(offset: offset)
        // The fake's own held poll: look again every 20 ms until something arrives or the timeout passes.
        while updates.isEmpty, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
            updates = await state.peekUpdates()
        }
        return FakeBotState.Answer(status: 200, body: JSONValue(["ok": true, "result": .array(updates)]))
    }
}
