import AsyncHTTPClient
import JSONKit
import NIOCore

/// The setup wizards' HTTP: one AsyncHTTPClient for the wizard's life (long polls included),
/// JSON answers, the token redacted from every error text.
final class SetupHTTP: Sendable {
    private let client: HTTPClient
    private let token: String

    /// An answer: HTTP status and JSON body (`.null` when it was not JSON).
    struct Answer {
        var status: Int
        var body: JSONValue
    }

    /// Why a request got no answer (token redacted).
    struct Unreachable: Error, CustomStringConvertible {
        let description: String
    }

    init(token: String) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(10))
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        self.token = token
    }

    /// GETs `url`, or POSTs `body` as JSON; waits at most `timeout` seconds.
    func request(_ url: String, headers: [String: String] = [:], body: JSONValue? = nil, timeout: Int64 = 15) async throws(Unreachable) -> Answer {
        var request = HTTPClientRequest(url: url)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body.jsonText()))
        }
        do {
            let response = try await client.execute(request, timeout: .seconds(timeout))
            let data = try await response.body.collect(upTo: 4 << 20)
            let json = data.withUnsafeReadableBytes { bytes in try? JSONParser.parse(bytes) } ?? .null
            return Answer(status: Int(response.status.code), body: json)
        } catch {
            throw Unreachable(description: ChannelChecks.redact("\(error)", token: token))
        }
    }

    /// Shuts the client down; call once, last.
    func shutdown() async { try? await client.shutdown() }
}
