#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ACPControlPlane
import Synchronization

/// Detects the exit of the children acpd spawned, without reaping anybody else's children.
///
/// One thread for all children: it `poll`s a `pidfd` per child (readable once the child is a
/// zombie) plus a wake-up pipe. On exit it optionally SIGKILLs the rest of the child's process
/// group (while the zombie still pins the group id, so the id cannot have been reused), reaps
/// the child with `waitpid(pid)`, and reports the status. Where `pidfd_open` is missing it falls
/// back to one thread per child blocked in `waitpid(pid)`.
final class ExitMonitor: Sendable {
    static let shared = ExitMonitor()

    private struct Entry {
        let pid: pid_t
        let killGroup: Bool
        let onExit: @Sendable (ProcessExit) -> Void
    }

    private struct State {
        var entries: [Int32: Entry] = [:]   // by pidfd
        var threadStarted = false
    }

    private let state = Mutex(State())
    private let wakeRead: Int32
    private let wakeWrite: Int32

    private init() {
        var fds: [Int32] = [-1, -1]
        if let pipe2 = PosixSymbols.pipe2 {
            _ = fds.withUnsafeMutableBufferPointer { pipe2($0.baseAddress!, O_CLOEXEC | O_NONBLOCK) }
        } else {
            _ = fds.withUnsafeMutableBufferPointer { pipe($0.baseAddress!) }
            for fd in fds {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                _ = fcntl(fd, F_SETFL, O_NONBLOCK)
            }
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    /// Calls `onExit` once, on the monitor thread, when `pid` (a child of this process) has
    /// exited and been reaped.
    func watch(pid: pid_t, killGroupOnExit: Bool, onExit: @escaping @Sendable (ProcessExit) -> Void) {
        let entry = Entry(pid: pid, killGroup: killGroupOnExit, onExit: onExit)
        guard let pidfdOpen = PosixSymbols.pidfdOpen, wakeRead >= 0 else {
            startWaitThread(entry)
            return
        }
        let pidfd = pidfdOpen(pid, 0)
        guard pidfd >= 0 else {
            startWaitThread(entry)
            return
        }
        _ = fcntl(pidfd, F_SETFD, FD_CLOEXEC)
        let mustStart = state.withLock { state -> Bool in
            state.entries[pidfd] = entry
            defer { state.threadStarted = true }
            return !state.threadStarted
        }
        if mustStart {
            DedicatedThread.startOrDie(name: "acpd-exit-monitor", stackSize: 256 * 1024) { [self] in self.run() }
        } else {
            wake()
        }
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    private func run() {
        while true {
            var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            fds += state.withLock { state in state.entries.keys.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) } }
            let ready = poll(&fds, nfds_t(fds.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                // Should not happen; avoid a hot loop.
                usleep(100_000)
                continue
            }
            if fds[0].revents != 0 {
                var sink = [UInt8](repeating: 0, count: 256)
                while read(wakeRead, &sink, sink.count) > 0 {}
            }
            for descriptor in fds.dropFirst() where descriptor.revents != 0 {
                guard let entry = state.withLock({ $0.entries.removeValue(forKey: descriptor.fd) }) else { continue }
                let exit = Self.reap(entry)
                close(descriptor.fd)
                entry.onExit(exit)
            }
        }
    }

    private func startWaitThread(_ entry: Entry) {
        DedicatedThread.startOrDie(name: "acpd-wait-\(entry.pid)", stackSize: 128 * 1024) {
            entry.onExit(Self.reap(entry))
        }
    }

    /// Kills the group if asked (the zombie leader keeps the group id reserved), then reaps.
    private static func reap(_ entry: Entry) -> ProcessExit {
        var status: Int32 = 0
        if entry.killGroup {
            // Wait for the zombie without reaping, so the group id is still ours to signal.
            var info = siginfo_t()
            while waitid(P_PID, id_t(entry.pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
            kill(-entry.pid, SIGKILL)
        }
        while true {
            let result = waitpid(entry.pid, &status, 0)
            if result == entry.pid { return ProcessExit(waitStatus: status) }
            if result < 0 && errno == EINTR { continue }
            return .exited(-1)
        }
    }
}
