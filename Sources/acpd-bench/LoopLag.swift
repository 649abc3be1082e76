import NIOCore
import NIOPosix
import Synchronization

/// How late each of SwiftNIO's singleton event loops runs a task scheduled every millisecond:
/// a loop busy with one long job (or thousands of short ones queued ahead) shows as lag. With
/// the global executor on the event loops (`GlobalExecutor`), every task of acpd runs there too.
final class LoopLag: Sendable {
    private let lags = Mutex<[[Double]]>([])
    private let tasks = Mutex<[RepeatedTask]>([])

    /// Starts sampling every loop of the singleton group.
    func start() {
        var loops: [any EventLoop] = []
        for loop in MultiThreadedEventLoopGroup.singleton.makeIterator() { loops.append(loop) }
        lags.withLock { $0 = Array(repeating: [], count: loops.count) }
        for (index, loop) in loops.enumerated() {
            let expected = Mutex<NIODeadline>(.now() + .milliseconds(1))
            let task = loop.scheduleRepeatedTask(initialDelay: .milliseconds(1), delay: .milliseconds(1)) { [self] _ in
                let now = NIODeadline.now()
                let late = expected.withLock { due in
                    defer { due = now + .milliseconds(1) }
                    return Double((now - due).nanoseconds) / 1e6
                }
                lags.withLock { $0[index].append(max(0, late)) }
            }
            tasks.withLock { $0.append(task) }
        }
    }

    /// Stops sampling; each loop's lags in milliseconds, ascending.
    func stop() -> [[Double]] {
        tasks.withLock { tasks in for task in tasks { task.cancel() }; tasks = [] }
        return lags.withLock { $0.map { $0.sorted() } }
    }
}
