import Foundation

/// A raw TCP connection to 127.0.0.1 for the tests of the API's connection limits: opened without
/// waiting (so a server that stops accepting cannot hang the test), written byte by byte if need
/// be, and asked without blocking whether the server closed it.
final class RawTCPConnection: @unchecked Sendable {
    let fd: Int32
    private(set) var received = Data()

    /// Starts connecting to `port`; the connection completes in the background (non-blocking).
    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw DaemonTestError("socket: \(String(cString: strerror(errno)))") }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 || errno == EINPROGRESS else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw DaemonTestError("connect: \(reason)")
        }
    }

    private var isClosed = false

    deinit { close() }

    /// Closes our end.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        Glibc.close(fd)
    }

    /// Waits (at most `timeout` seconds) until the connection is established.
    func waitConnected(timeout: Double) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            if poll(&descriptor, 1, 0) > 0 {
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
                guard error == 0 else { throw DaemonTestError("connect: \(String(cString: strerror(error)))") }
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw DaemonTestError("not connected within \(timeout) s")
    }

    /// Sends `text` (the connection must be established).
    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { usleep(1000); continue }
                throw DaemonTestError("send: \(String(cString: strerror(errno)))")
            }
            sent += count
        }
    }

    /// Reads what arrived without blocking; true when the peer closed the connection (EOF or reset).
    func pollClosed() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count > 0 { received.append(contentsOf: buffer[0..<count]); continue }
            if count == 0 { return true }
            // ENOTCONN: still connecting (the server has not accepted and the backlog is full).
            return !(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ENOTCONN)
        }
    }

    /// Waits (at most `timeout` seconds) until the server closed the connection; the seconds it took, or nil.
    func waitClosed(timeout: Double) async throws -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < timeout {
            if pollClosed() { return Date().timeIntervalSince(start) }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// What the server sent, as text.
    var text: String { String(decoding: received, as: UTF8.self) }

    /// Waits (at most `timeout` seconds) until the received text contains `marker`.
    func waitFor(_ marker: String, timeout: Double) async throws -> String {
        let start = Date()
        while Date().timeIntervalSince(start) < timeout {
            _ = pollClosed()
            if text.contains(marker) { return text }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw DaemonTestError("no \(marker.debugDescription) within \(timeout) s; received: \(text)")
    }

    /// One request on a fresh connection (`Connection: close`): the raw response, within `timeout` seconds.
    static func exchange(port: Int, _ request: String, timeout: Double) async throws -> String {
        let connection = try RawTCPConnection(port: port)
        try await connection.waitConnected(timeout: timeout)
        try connection.send(request)
        let start = Date()
        while Date().timeIntervalSince(start) < timeout {
            if connection.pollClosed() { return connection.text }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw DaemonTestError("no complete answer within \(timeout) s; received: \(connection.text)")
    }
}
