#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ACPControlPlane
import NIOCore
import NIOPosix
import Synchronization

/// Runs one shell command line to its end, for operators (`/acp run`): `/bin/sh -c <command>` in
/// its own process group (`Spawner`), stdin closed at once, stderr joined to stdout (the shell
/// runs `exec 2>&1` first) and read into one buffer of at most `maxOutputBytes` (the rest is
/// counted, not kept), the exit detected by the shared `ExitMonitor` (no thread per command,
/// nothing blocks the cooperative pool). At the
/// timeout the whole process group is SIGKILLed; when the shell exits on its own, whatever it left
/// running in its group is SIGKILLed too (`killGroupOnExit`), so no child outlives the command.
public enum ShellCommand {
    /// How a command ended and what it wrote.
    public struct Result: Sendable, Equatable {
        /// The shell's exit (after a timeout: the SIGKILL).
        public var exit: ProcessExit
        /// True when it ran past the timeout and its group was killed.
        public var timedOut: Bool
        /// stdout and stderr in arrival order, at most `maxOutputBytes`.
        public var output: [UInt8]
        /// Bytes written beyond `maxOutputBytes`.
        public var droppedBytes: Int
        /// From the spawn to the reaped exit.
        public var duration: Duration
    }

    /// How long the pipes may stay open after the exit before they are closed (a process that left
    /// the group may still hold them; its output after that is not waited for).
    static let drainGrace: TimeAmount = .seconds(2)

    /// Runs `command`. Throws `ACP_INVALID_ARGUMENT` when it cannot be started (the working
    /// directory is missing, no `/bin/sh`, out of descriptors).
    public static func run(_ command: String, workingDirectory: String, environment: [String: String], timeout: Duration,
                           maxOutputBytes: Int, shell: String = "/bin/sh",
                           eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws(ACPError) -> Result {
        SigpipeGuard.install()
        // `exec 2>&1` first: stderr joins stdout in the order written (two pipes would be read in no set order).
        let spec = ProcessSpec(executable: shell, arguments: ["-c", "exec 2>&1\n" + command], environment: environment,
                               workingDirectory: workingDirectory, killGroupOnExit: true)
        let child: SpawnedChild
        do {
            child = try Spawner.spawn(spec, label: "shell")
        } catch {
            throw ACPError(.invalidArgument, message: "the command could not be started: "
                           + (error.detail.map { $0.replacingPrefix("spawn shell: ") } ?? error.message),
                           hint: "check the directory it runs in (the session's cwd) and that \(shell) exists")
        }
        let started = ContinuousClock.now
        close(child.stdin)
        let collector = OutputCollector(limit: max(0, maxOutputBytes), streams: 2)
        let pipes = [child.stdout, child.stderr].map { fd in
            let channel = NIOPipeBootstrap(group: eventLoopGroup)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(CollectingHandler(collector))
                    }
                }
                .takingOwnershipOfDescriptor(input: fd)
            channel.whenFailure { _ in
                close(fd)
                collector.streamEnded()
            }
            return channel
        }
        let exitBox = ExitBox()
        let ended = Mutex<ContinuousClock.Instant?>(nil)
        ExitMonitor.shared.watch(pid: child.pid, killGroupOnExit: true) { exit in
            ended.withLock { $0 = ContinuousClock.now }
            for pipe in pipes {
                pipe.whenSuccess { channel in
                    channel.eventLoop.scheduleTask(in: drainGrace) { channel.close(promise: nil) }
                }
            }
            exitBox.complete(exit)
        }
        var timedOut = false
        var exit = await withTaskGroup(of: ProcessExit?.self) { group in
            group.addTask { await exitBox.waitCancellable() }
            group.addTask {
                try? await Task.sleep(for: max(.zero, timeout))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? exitBox.exit
        }
        if exit == nil {
            timedOut = true
            // While the shell is unreaped its pid pins the group id, so this cannot hit a reused group.
            if exitBox.exit == nil { kill(-child.pid, SIGKILL) }
            exit = await exitBox.wait()
        }
        await collector.waitForEnd()
        let (output, dropped) = collector.result
        let finish = ended.withLock { $0 } ?? ContinuousClock.now
        return Result(exit: exit ?? .exited(-1), timedOut: timedOut, output: output, droppedBytes: dropped,
                      duration: started.duration(to: finish))
    }
}

/// The output of one command: the first `limit` bytes of its streams, the count of the rest, and
/// the tasks waiting for every stream to end.
final class OutputCollector: Sendable {
    private struct State {
        var bytes: [UInt8] = []
        var dropped = 0
        var open: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let limit: Int
    private let state: Mutex<State>

    init(limit: Int, streams: Int) {
        self.limit = limit
        state = Mutex(State(open: streams))
    }

    /// Keeps what fits under the limit, counts the rest.
    func append(_ buffer: UnsafeRawBufferPointer) {
        state.withLock { state in
            let room = max(0, limit - state.bytes.count)
            state.bytes += buffer.prefix(room)
            state.dropped += max(0, buffer.count - room)
        }
    }

    /// One stream reached its end (EOF, error, or closed after the drain grace).
    func streamEnded() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open -= 1
            guard state.open <= 0 else { return [] }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once every stream ended.
    func waitForEnd() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                if state.open <= 0 { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// The kept bytes and the count of dropped ones.
    var result: ([UInt8], Int) { state.withLock { ($0.bytes, $0.dropped) } }
}

/// Feeds one pipe of a shell command into its `OutputCollector`.
final class CollectingHandler: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: NIO calls a handler only on its channel's event loop; the collector is Sendable.
    typealias InboundIn = ByteBuffer

    private let collector: OutputCollector
    private var ended = false

    init(_ collector: OutputCollector) {
        self.collector = collector
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        unwrapInboundIn(data).withUnsafeReadableBytes { collector.append($0) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !ended {
            ended = true
            collector.streamEnded()
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

extension String {
    /// `self` without `prefix` at its start (unchanged when it does not start with it).
    fileprivate func replacingPrefix(_ prefix: String) -> String {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self
    }
}
