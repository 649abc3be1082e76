import Hummingbird
import HummingbirdWebSocket
import JSONKit
import Logging
import NIOCore

/// The request context of the fake: Hummingbird's, plus the connection's NIO channel (to drop a
/// gateway socket without a close frame).
public struct FakeRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>
    let channel: any Channel

    /// A context for one request of `source`'s connection.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        channel = source.channel
    }
}

/// A fake Discord on 127.0.0.1 (an ephemeral port): the REST API under `/api/v10` and the
/// gateway on `/gateway` (and `/gateway-resume`, the `resume_gateway_url`), answered from
/// `FakeDiscordState`.
public struct DiscordFakeServer: Sendable {
    public let state: FakeDiscordState
    public let port: Int

    /// `http://127.0.0.1:<port>/api/v10`: the `apiBase` to configure.
    public var apiBase: String { "http://127.0.0.1:\(port)/api/v10" }

    /// Runs a fake for bot `token` around `body`, then stops it.
    public static func with<T: Sendable>(token: String = "discord-test-token",
                                         _ body: @Sendable (DiscordFakeServer) async throws -> T) async throws -> T {
        let state = FakeDiscordState(token: token)
        let router = Router(context: FakeRequestContext.self)
        let handler: @Sendable (Request, FakeRequestContext) async throws -> Response = { request, _ in
            let bytes = try await request.body.collect(upTo: 1 << 22)
            let body = bytes.readableBytes == 0 ? nil : bytes.withUnsafeReadableBytes { try? JSONParser.parse($0) }
            let path = String(request.uri.path.dropFirst("/api/v10".count))
            let answer = await state.handle(method: request.method.rawValue, path: path,
                                            authorization: request.headers[.authorization], body: body)
            if let delay = answer.delay { try? await Task.sleep(for: delay) }
            var headers: HTTPFields = [:]
            for (name, value) in answer.headers { if let field = HTTPFields.Element.Name(name) { headers[field] = value } }
            guard let json = answer.body else { return Response(status: .init(code: answer.status), headers: headers) }
            headers[.contentType] = "application/json"
            return Response(status: .init(code: answer.status), headers: headers,
                            body: .init(byteBuffer: ByteBuffer(string: json.jsonText())))
        }
        for method in [HTTPRequest.Method.get, .post, .patch, .delete, .put] {
            router.on("/api/v10/**", method: method, use: handler)
        }
        for path in ["/gateway", "/gateway-resume"] {
            router.ws(RouterPath(stringLiteral: path)) { inbound, outbound, context in
                try await serve(state: state, path: path, inbound: inbound, outbound: outbound, channel: context.requestContext.channel)
            }
        }
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, server: .http1WebSocketUpgrade(webSocketRouter: router, configuration: .init(maxFrameSize: 1 << 22)),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)),
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
            await state.setBaseURL("http://127.0.0.1:\(port)")
            let result = try await body(DiscordFakeServer(state: state, port: port))
            group.cancelAll()
            return result
        }
    }

    /// One gateway socket: HELLO, then frames in and commands out until either side ends it.
    private static func serve(state: FakeDiscordState, path: String, inbound: WebSocketInboundStream,
                              outbound: WebSocketOutboundWriter, channel: any Channel) async throws {
        let (commands, sink) = AsyncStream.makeStream(of: FakeSocketCommand.self)
        let socket = await state.openSocket(path: path, sink: sink)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await message in inbound.messages(maxSize: 1 << 22) {
                    if case .text(let text) = message { await state.receive(socket, text: text) }
                }
                await state.socketEnded(socket)
            }
            commandLoop: for await command in commands {
                switch command {
                case .text(let text):
                    try await outbound.write(.text(text))
                case .close(let code):
                    try await outbound.close(.init(codeNumber: Int(code)), reason: nil)
                    break commandLoop
                case .drop:
                    try await channel.close()
                    break commandLoop
                }
            }
            await state.socketEnded(socket)
            group.cancelAll()
        }
    }

    /// The server's own logger: only critical lines.
    private static let quietLogger: Logger = {
        var logger = Logger(label: "discord-fake")
        logger.logLevel = .critical
        return logger
    }()
}
