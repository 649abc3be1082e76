import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 standing in for the Telegram and Discord APIs:
/// `GET /bot<token>/getMe` and `GET /users/@me` (token in `Authorization: Bot <token>`) answer 200
/// for `goodToken` and 401 for anything else. One connection at a time, on its own thread.
final class FakeChatAPI: @unchecked Sendable {
    let goodToken: String
    let port: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var paths: [String] = []

    init(goodToken: String) throws {
        self.goodToken = goodToken
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// `http://127.0.0.1:<port>`.
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The request paths served so far.
    var requestedPaths: [String] { lock.withLock { paths } }

    /// Stops accepting; the serving thread ends.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func serve() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            handle(client)
            close(client)
        }
    }

    private func handle(_ client: Int32) {
        var request = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !request.contains(Data("\r\n\r\n".utf8)) {
            let count = read(client, &buffer, buffer.count)
            guard count > 0 else { return }
            request.append(contentsOf: buffer[0..<count])
        }
        let lines = String(decoding: request, as: UTF8.self).components(separatedBy: "\r\n")
        let path = lines.first?.split(separator: " ").dropFirst().first.map(String.init) ?? ""
        lock.withLock { paths.append(path) }
        let authorization = lines.first { $0.lowercased().hasPrefix("authorization:") }
            .map { $0.dropFirst("authorization:".count).trimmingCharacters(in: .whitespaces) }
        let (status, body): (Int, String)
        if path.hasSuffix("/getMe") {
            let ok = path == "/bot\(goodToken)/getMe"
            (status, body) = ok ? (200, #"{"ok":true,"result":{"id":1,"is_bot":true,"username":"fake_bot"}}"#)
                                : (401, #"{"ok":false,"error_code":401,"description":"Unauthorized"}"#)
        } else if path == "/users/@me" {
            let ok = authorization == "Bot \(goodToken)"
            (status, body) = ok ? (200, #"{"id":"1","username":"fakebot","bot":true}"#) : (401, #"{"message":"401: Unauthorized","code":0}"#)
        } else {
            (status, body) = (404, "{}")
        }
        let reason = status == 200 ? "OK" : status == 401 ? "Unauthorized" : "Not Found"
        let response = "HTTP/1.1 \(status) \(reason)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        let bytes = Array(response.utf8)
        var sent = 0
        while sent < bytes.count {
            let written = bytes[sent...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            guard written > 0 else { return }
            sent += written
        }
    }
}
