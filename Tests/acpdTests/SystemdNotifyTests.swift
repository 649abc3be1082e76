import Foundation
import Testing
import TestSupport

/// `Type=notify`: under systemd, `acpd run` tells the service manager on `$NOTIFY_SOCKET` when it
/// is ready (the API listens), when a SIGHUP reload starts and ends, and when it stops. The test
/// plays the service manager: a unix datagram socket that collects what acpd sends.
@Suite("systemd notify")
struct SystemdNotifyTests {
    /// A bound `SOCK_DGRAM` unix socket at `path` that hands out received datagrams.
    final class NotifySocket: @unchecked Sendable {
        let fd: Int32

        init(path: String) throws {
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard fd >= 0, bound == 0 else { throw DaemonTestError("cannot bind the notify socket: errno \(errno)") }
        }

        deinit { close(fd) }

        /// The next datagram, or nil after `seconds`. Polls on its own thread, never the pool's.
        func next(within seconds: Double) async -> String? {
            await withCheckedContinuation { continuation in
                Thread.detachNewThread { [fd] in
                    var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                    guard poll(&poller, 1, Int32(seconds * 1000)) == 1 else { return continuation.resume(returning: nil) }
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    let count = recv(fd, &buffer, buffer.count, 0)
                    continuation.resume(returning: count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : nil)
                }
            }
        }

        /// Datagrams until one contains `needle` (all of them, in order), or nil after `seconds`.
        func until(_ needle: String, within seconds: Double) async -> [String]? {
            var seen: [String] = []
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                guard let datagram = await next(within: deadline.timeIntervalSinceNow) else { return nil }
                seen.append(datagram)
                if datagram.contains(needle) { return seen }
            }
            return nil
        }
    }

    @Test("READY=1 once the API listens; RELOADING=1 with MONOTONIC_USEC, then READY=1, around SIGHUP; STOPPING=1 at SIGTERM")
    func readyReloadStop() async throws {
        try await withTemporaryDirectory { directory in
            let port = try DaemonProcess.freePort()
            try DaemonProcess.writeConfig(in: directory, port: port, token: "notify-token")
            let path = directory.appendingPathComponent("notify.sock").path
            let manager = try NotifySocket(path: path)
            let daemon = try await DaemonProcess(directory: directory, port: port, token: "notify-token", environment: ["NOTIFY_SOCKET": path])
            let ready = await manager.until("READY=1", within: 10)
            #expect(ready?.last?.contains("STATUS=listening on 127.0.0.1:\(port)") == true, "\(String(describing: ready))\n\(daemon.log)")
            let (status, _) = try await daemon.request("GET", "/readyz")
            #expect(status == 200, "ready when it said so")

            kill(daemon.process.processIdentifier, SIGHUP)
            let reload = await manager.until("READY=1", within: 10) ?? []
            let reloading = reload.first { $0.contains("RELOADING=1") }
            #expect(reloading?.contains("MONOTONIC_USEC=") == true, "\(reload)")
            #expect(reload.firstIndex { $0.contains("RELOADING=1") } ?? .max < reload.count - 1, "READY=1 after RELOADING=1: \(reload)")

            async let stopped = daemon.stop(signal: SIGTERM)
            let stopping = await manager.until("STOPPING=1", within: 15)
            #expect(stopping != nil, "\(daemon.log)")
            #expect(try await stopped == 0)
        }
    }

    @Test("without NOTIFY_SOCKET nothing is sent and acpd runs as before")
    func notUnderSystemd() async throws {
        try await withTemporaryDirectory { directory in
            let port = try DaemonProcess.freePort()
            try DaemonProcess.writeConfig(in: directory, port: port, token: "notify-token")
            let path = directory.appendingPathComponent("notify.sock").path
            let manager = try NotifySocket(path: path)
            let daemon = try await DaemonProcess(directory: directory, port: port, token: "notify-token", environment: ["NOTIFY_SOCKET": ""])
            #expect(await manager.next(within: 1) == nil)
            let (status, _) = try await daemon.request("GET", "/readyz")
            #expect(status == 200)
        }
    }
}
