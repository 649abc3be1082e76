import Logging
import NIOCore
import Synchronization

/// `api.maxConnections` across the server's event loops: a `ConnectionTable` and the channels it
/// names, owned by one lock. Connections report themselves (`ConnectionGuardHandler`); the
/// limiter closes the ones the table evicts. Safe to call from any thread.
final class ConnectionLimiter: Sendable {
    private struct State {
        var table: ConnectionTable<ObjectIdentifier>
        var channels: [ObjectIdentifier: any Channel] = [:]
        /// Connections evicted or refused since start-up (logged, every 100th as a warning).
        var dropped = 0
    }

    private let state: Mutex<State>
    private let logger: Logger

    init(limit: Int, logger: Logger) {
        state = Mutex(State(table: ConnectionTable(limit: limit)))
        self.logger = logger
    }

    /// Open connections holding a slot.
    var count: Int { state.withLock { $0.table.count } }

    /// Registers a connection that just became active; false when it must be closed at once.
    func open(_ channel: any Channel) -> Bool {
        let id = ObjectIdentifier(channel)
        let (admission, evicted, dropped, limit) = state.withLock { state in
            let admission = state.table.open(id)
            var evicted: (any Channel)?
            switch admission {
            case .admitted: state.channels[id] = channel
            case .admittedEvicting(let old):
                state.channels[id] = channel
                evicted = state.channels.removeValue(forKey: old)
                state.dropped += 1
            case .refused: state.dropped += 1
            }
            return (admission, evicted, state.dropped, state.table.limit)
        }
        if admission != .admitted {
            let what = admission == .refused ? "refused a connection: every connection is busy" : "closed the longest-waiting idle connection for a new one"
            let level: Logger.Level = dropped % 100 == 1 ? .warning : .debug
            logger.log(level: level, "api.maxConnections (\(limit)) reached: \(what)", metadata: ["dropped": "\(dropped)"])
        }
        evicted?.close(promise: nil)
        return admission != .refused
    }

    func requestStarted(_ channel: any Channel) {
        state.withLock { $0.table.requestStarted(ObjectIdentifier(channel)) }
    }

    func requestsFinished(_ channel: any Channel) {
        state.withLock { $0.table.requestsFinished(ObjectIdentifier(channel)) }
    }

    func closed(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        state.withLock { state in
            state.table.closed(id)
            state.channels[id] = nil
        }
    }
}
