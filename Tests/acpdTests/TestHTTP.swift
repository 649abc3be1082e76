import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The tests' HTTP client for the daemon's API and the fakes: AsyncHTTPClient, never Foundation's
/// `URLSession`, whose async `data(for:)` on Linux blocks a cooperative thread in a dispatch
/// `sync` (with two cores, two such calls stalled every task of the test process until their
/// timeout).
enum TestHTTP {
    /// One request; returns the status and the body. Fails after `timeout` seconds.
    static func send(_ method: String, _ url: String, headers: [String: String] = [:], body: Data? = nil,
                     timeout: Int64 = 10) async throws -> (Int, Data) {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(timeout))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return (Int(response.status.code), Data(bytes.readableBytesView))
    }
}
