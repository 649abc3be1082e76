import Synchronization

/// The executor a session's tasks prefer: its run task, its agent's reader, the turn's stream;
/// and the one a conversation's inbound messages are handled on.
///
/// With the global executor on SwiftNIO's event loops (`GlobalExecutor`), a job runs on the loop
/// that enqueued it, or on any loop when a thread outside them (the store's writer) enqueued it;
/// one agent flooding its pipe then spreads its work over every loop and every other session's
/// next step queues behind it. With a preference per session, a session's work stays on one loop
/// (its agent's pipes are on that loop too), and the sessions spread over the loops by their key.
/// Set once at start (`use`); without executors, no preference (the runtime's global executor).
public enum TaskAffinity {
    private static let executors = Mutex<[any TaskExecutor]>([])
    private static let lookup = Mutex<Finder?>(nil)

    /// The closure of `useCurrent`, in a struct so the mutex holds it as it is. A bare function
    /// type in a generic `Mutex` is kept at the generic abstraction: every `withLock` that hands
    /// it out as `inout` wraps it in a reabstraction thunk and writes the wrapped one back, so
    /// each call made the next one a level deeper (the message path ran a chain as long as the
    /// messages handled, and a long-lived daemon would have run out of stack).
    private struct Finder: Sendable {
        let find: @Sendable () -> (any TaskExecutor)?
    }

    /// The executor of the thread this is called on, when it is one of them (an event loop); nil
    /// otherwise or when none are set.
    public static func current() -> (any TaskExecutor)? {
        lookup.withLock { $0 }?.find()
    }

    /// How `current` finds the calling thread's executor.
    public static func useCurrent(_ find: @escaping @Sendable () -> (any TaskExecutor)?) {
        lookup.withLock { $0 = Finder(find: find) }
    }

    /// The executors sessions are spread over (in order); an empty list turns preferences off.
    public static func use(_ list: [any TaskExecutor]) {
        executors.withLock { $0 = list }
    }

    /// The position of `key`'s executor among `count` (a stable hash of the key).
    public static func index(for key: SessionKey, count: Int) -> Int {
        index(of: key.rawValue, count: count)
    }

    /// The position of the executor for `name` (a session key, a conversation) among `count`.
    public static func index(of name: String, count: Int) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return Int(hash % UInt64(max(1, count)))
    }

    /// The executor `key`'s tasks prefer; nil when none are set.
    public static func executor(for key: SessionKey) -> (any TaskExecutor)? {
        executor(named: key.rawValue)
    }

    /// The executor the tasks for `name` prefer (the intake of a conversation's messages); nil
    /// when none are set.
    public static func executor(named name: String) -> (any TaskExecutor)? {
        executors.withLock { list in list.isEmpty ? nil : list[index(of: name, count: list.count)] }
    }
}
