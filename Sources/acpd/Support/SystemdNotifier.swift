#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// systemd's readiness protocol (`Type=notify`, sd_notify(3)): one datagram per state change to
/// the unix socket named by `$NOTIFY_SOCKET` (a path, or `@name` for the abstract namespace).
/// Without the variable (not under systemd) every call does nothing. acpd sends `READY=1` once the
/// HTTP API listens (recovery and reconciliation are done), `RELOADING=1` with `MONOTONIC_USEC`
/// then `READY=1` around a SIGHUP reload, and `STOPPING=1` when a graceful shutdown begins.
struct SystemdNotifier: Sendable {
    /// The socket address bytes (`sun_path`), or nil when not under a notifying service manager.
    let path: [UInt8]?

    /// Reads `$NOTIFY_SOCKET` (as the environment is now).
    init(environment value: String? = getenv("NOTIFY_SOCKET").map { String(cString: $0) }) {
        guard let value, !value.isEmpty, value.hasPrefix("/") || value.hasPrefix("@") else {
            path = nil
            return
        }
        var bytes = Array(value.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        path = bytes.count < 108 ? bytes : nil
    }

    /// Sends `state` (e.g. `READY=1`); true when the datagram was sent. Failures are not errors:
    /// the service manager may be gone.
    @discardableResult
    func notify(_ state: String) -> Bool {
        guard let path else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.enumerated() { raw[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count)
        let message = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                message.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), socketAddress, length) }
            }
        }
        return sent == message.count
    }

    /// `READY=1` with a status line.
    func ready(_ status: String) { notify("READY=1\nSTATUS=\(status)") }

    /// `RELOADING=1` with the monotonic time systemd asks for (`Type=notify-reload` checks it).
    func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        notify("RELOADING=1\nMONOTONIC_USEC=\(UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000)")
    }

    /// `STOPPING=1`.
    func stopping() { notify("STOPPING=1\nSTATUS=stopping") }
}
