import ACPControlPlane
import CExecutorHook
import NIOCore
import NIOPosix
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs Swift concurrency's global executor on SwiftNIO's event loops.
///
/// By default a task's jobs run on the concurrency runtime's own thread pool, and every I/O event
/// SwiftNIO delivers (an HTTP request, a line from an agent's pipe, a gateway frame) is handed to
/// that pool: a thread wake-up (a futex) on the way in and another on the way back out to the
/// event loop that writes the answer. With the hook set, the jobs run on the event loop threads of
/// `MultiThreadedEventLoopGroup.singleton` (one per core), and a job enqueued from an event loop
/// stays on that loop. Measured in docs/benchmarks.md ("One set of threads").
///
/// SwiftNIO's own `NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor`
/// finds the hook with `dlsym`, which cannot see it in acpd's release executable (the runtime is
/// linked statically and nothing is exported), so the hook is set here by name through a C shim.
/// `ACPD_NIO_EXECUTOR=0` in the environment leaves the runtime's pool in place (to compare).
public enum GlobalExecutor {
    private typealias Original = @convention(thin) (UnownedJob) -> Void
    private typealias Hook = @convention(thin) (UnownedJob, Original) -> Void

    /// Whether `useEventLoops` installed the hook in this process.
    public static var isEventLoops: Bool { installed.load(ordering: .relaxed) }
    private static let installed = Atomic<Bool>(false)

    /// Installs the hook; call first thing in `main`, before any task is started. Returns false
    /// when it was not installed (turned off, or another hook is already set).
    @discardableResult
    public static func useEventLoops() -> Bool {
        if let value = getenv("ACPD_NIO_EXECUTOR"), String(cString: value) == "0" { return false }
        let hook: Hook = { job, _ in
            MultiThreadedEventLoopGroup.singleton.any().executor.enqueue(ExecutorJob(job))
        }
        let pointer = unsafeBitCast(hook, to: UnsafeRawPointer.self)
        guard acpd_install_global_enqueue_hook(pointer) == 1 else { return false }
        installed.store(true, ordering: .relaxed)
        // Timers (a run's watchdog, a request's timeout) as the loops' scheduled callbacks: a
        // `Task.sleep` is a dispatch timer on this runtime, four thread wake-ups each.
        if getenv("ACPD_NIO_TIMERS").map({ String(cString: $0) }) != "0" {
            WatchdogTimer.useScheduler(EventLoopTimers.scheduler())
            timersOnLoops.store(true, ordering: .relaxed)
        }
        // ACPD_TASK_AFFINITY: 0 turns session preferences off; N > 0 spreads sessions over the
        // first N loops only (1: every session on one loop, to measure sessions sharing a loop).
        let affinity = getenv("ACPD_TASK_AFFINITY").flatMap { Int(String(cString: $0)) } ?? loops.count
        if affinity > 0 {
            let executors = loops.prefix(affinity).map { EventLoopTaskExecutor($0) }
            TaskAffinity.use(executors)
            TaskAffinity.useCurrent {
                guard let loop = MultiThreadedEventLoopGroup.currentEventLoop else { return nil }
                return executors.first { $0.loop === loop }
            }
        }
        return true
    }

    /// Whether `useEventLoops` made the loops' timers `WatchdogTimer`'s default.
    public static var timersOnEventLoops: Bool { timersOnLoops.load(ordering: .relaxed) }
    private static let timersOnLoops = Atomic<Bool>(false)

    /// The singleton group's loops, in order.
    static let loops: [any EventLoop] = {
        var loops: [any EventLoop] = []
        for loop in MultiThreadedEventLoopGroup.singleton.makeIterator() { loops.append(loop) }
        return loops
    }()

    /// The loop `key`'s agent pipes go on: the one its tasks prefer (`TaskAffinity`), or any.
    public static func eventLoop(for key: SessionKey) -> any EventLoopGroup {
        guard let executor = TaskAffinity.executor(for: key) as? EventLoopTaskExecutor else {
            return MultiThreadedEventLoopGroup.singleton
        }
        return executor.loop
    }
}

/// One event loop as a task executor: the jobs of a task that prefers it run on that loop.
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
