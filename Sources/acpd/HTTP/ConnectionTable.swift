/// The slots of the HTTP API's connections (`api.maxConnections`) as data: which connections are
/// open, which of them wait for a request (just accepted, sending a head, or kept alive between
/// requests) and which serve one. No I/O: `ConnectionLimiter` performs what it decides.
///
/// Over the limit, a new connection takes the slot of the connection that has waited longest
/// without a request in progress; when every connection serves a request (an event stream, a
/// slow agent call) the new one is refused. So idle or slow-header connections cannot keep
/// `/healthz` and the API out, and a request in progress is never cut.
struct ConnectionTable<ID: Hashable & Sendable>: Sendable {
    /// What to do with a connection that was just accepted.
    enum Admission: Equatable, Sendable {
        case admitted
        /// Admitted in place of `ID`, which must be closed.
        case admittedEvicting(ID)
        /// Over the limit with every connection busy: close the new one at once.
        case refused
    }

    let limit: Int
    /// Waiting connections and when they started waiting (a counter, so ties cannot happen).
    private var waiting: [ID: UInt64] = [:]
    private var busy: Set<ID> = []
    private var tick: UInt64 = 0

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Connections holding a slot.
    var count: Int { waiting.count + busy.count }

    /// A connection was accepted.
    mutating func open(_ id: ID) -> Admission {
        guard count >= limit else {
            startWaiting(id)
            return .admitted
        }
        guard let oldest = waiting.min(by: { $0.value < $1.value })?.key else { return .refused }
        waiting[oldest] = nil
        startWaiting(id)
        return .admittedEvicting(oldest)
    }

    /// The connection's request head arrived: it serves a request and is not evicted.
    mutating func requestStarted(_ id: ID) {
        if waiting.removeValue(forKey: id) != nil { busy.insert(id) }
    }

    /// The connection answered every request it had read and waits for the next one.
    mutating func requestsFinished(_ id: ID) {
        if busy.remove(id) != nil { startWaiting(id) }
    }

    /// The connection closed (or was evicted earlier: then nothing changes).
    mutating func closed(_ id: ID) {
        waiting[id] = nil
        busy.remove(id)
    }

    private mutating func startWaiting(_ id: ID) {
        tick &+= 1
        waiting[id] = tick
    }
}
