#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ACPControlPlane
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A supervised child process in its own process group, with its standard streams on pipes.
///
/// - stdout is framed into NDJSON lines (`stdoutLines`);
/// - stderr is drained continuously, logged line by line, its last 50 lines kept (`recentStderr`);
/// - stdin takes whole lines (`write(line:)`); writing to a dead pipe is an error, never SIGPIPE;
/// - exit is detected by one shared monitor thread (pidfd + poll) that reaps only this pid.
///
/// The pipes are served by SwiftNIO event loops (no thread per process). All methods are safe to
/// call from any task. The owner must `terminate` (or `kill`) the child; dropping the last
/// reference to a running child SIGKILLs its group as a safety net.
public final class ChildProcess: Sendable {
    /// The child's pid, which is also its process group id.
    public let pid: Int32
    /// The label used in logs (e.g. the agent id and session).
    public let label: String
    /// stdout as batches of NDJSON lines (`\n`-split, `\r` stripped, blank lines skipped): the
    /// lines of one read together, at most `StdoutLineHandler.maxBatch` per batch. A line longer
    /// than `ProcessSpec.maxLineBytes` arrives as a `.failure(ACP_PROTOCOL_ERROR)` in its place.
    /// Finishes at EOF. Iterate it (or `stdoutLines`) from one task only.
    /// At most `StdoutLineHandler.highWatermark` batches wait for the reader; then acpd stops
    /// reading the pipe until the reader catches up (the child blocks writing).
    public let stdoutBatches: StdoutBatchSequence

    /// `stdoutBatches` line by line.
    public var stdoutLines: StdoutLines { StdoutLines(batches: stdoutBatches) }

    private let stdinChannel: EventLoopFuture<any Channel>
    private let stdoutChannel: EventLoopFuture<any Channel>
    private let stderrChannel: EventLoopFuture<any Channel>
    private let stderrTail: StderrTail
    private let exitBox: ExitBox
    private let logger: Logger

    private init(
        pid: Int32, label: String, stdoutBatches: StdoutBatchSequence,
        stdin: EventLoopFuture<any Channel>, stdout: EventLoopFuture<any Channel>,
        stderr: EventLoopFuture<any Channel>, tail: StderrTail, exitBox: ExitBox, logger: Logger
    ) {
        self.pid = pid
        self.label = label
        self.stdoutBatches = stdoutBatches
        self.stdinChannel = stdin
        self.stdoutChannel = stdout
        self.stderrChannel = stderr
        self.stderrTail = tail
        self.exitBox = exitBox
        self.logger = logger
    }

    deinit {
        if exitBox.exit == nil {
            Glibc.kill(-pid, SIGKILL)
        }
    }

    /// Starts `spec` in a new process group. Returns as soon as the process exists; the pipes are
    /// registered with the event loop asynchronously. Throws `ACP_SESSION_INIT_FAILED` when the
    /// executable cannot be found or started.
    public static func spawn(
        _ spec: ProcessSpec, label: String, logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws(ACPError) -> ChildProcess {
        SigpipeGuard.install()
        let child = try Spawner.spawn(spec, label: label)
        var logger = logger
        logger[metadataKey: "pid"] = "\(child.pid)"
        logger[metadataKey: "agent_process"] = "\(label)"

        let tail = StderrTail()
        let exitBox = ExitBox()
        let maxLineBytes = spec.maxLineBytes
        let stderrLogger = logger
        let stderrLevel = spec.stderrLogLevel

        // The child's three pipes on one loop (the loop its session's tasks prefer, `TaskAffinity`).
        let loop = eventLoopGroup.next()
        let gate = StdoutReadGate(loop: loop)
        let produced = StdoutBatchSequence.makeSequence(
            backPressureStrategy: .init(lowWatermark: StdoutLineHandler.lowWatermark, highWatermark: StdoutLineHandler.highWatermark),
            finishOnDeinit: true, delegate: gate)
        let source = produced.source, batches = produced.sequence
        let stdin = NIOPipeBootstrap(group: loop).takingOwnershipOfDescriptor(output: child.stdin)
        let stdout = NIOPipeBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        StdoutLineHandler(maxLineBytes: maxLineBytes, source: source, gate: gate))
                }
            }
            .takingOwnershipOfDescriptor(input: child.stdout)
        let stderr = NIOPipeBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        StderrHandler(tail: tail, logger: stderrLogger, level: stderrLevel))
                }
            }
            .takingOwnershipOfDescriptor(input: child.stderr)
        stdin.whenFailure { _ in close(child.stdin) }
        stdout.whenFailure { error in
            close(child.stdout)
            _ = source.yield(contentsOf: CollectionOfOne([.failure(ACPError(.protocolError, message: "cannot read the agent's output",
                                                                             detail: "stdout registration: \(error)"))]))
            source.finish()
        }
        stderr.whenFailure { _ in close(child.stderr) }

        let process = ChildProcess(pid: child.pid, label: label, stdoutBatches: batches, stdin: stdin, stdout: stdout,
                                   stderr: stderr, tail: tail, exitBox: exitBox, logger: logger)
        logger.debug("spawned \(spec.executable)", metadata: ["cwd": "\(spec.workingDirectory)"])
        let exitLogger = logger
        ExitMonitor.shared.watch(pid: child.pid, killGroupOnExit: spec.killGroupOnExit) { exit in
            exitLogger.debug("exited (\(exit))")
            stdin.whenSuccess { $0.close(promise: nil) }
            // Let the reader drain what is still in the pipes, then stop waiting for an EOF that a
            // surviving grandchild holding the pipe could delay forever. The child's output is
            // finite now: stdout is read to the end whatever the reader's lag, so the close in 2 s
            // cannot cut off lines a slow reader had not taken yet.
            gate.drainToEnd()
            for channel in [stdout, stderr] {
                channel.whenSuccess { channel in
                    channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
                }
            }
            exitBox.complete(exit)
        }
        return process
    }

    /// The last (up to 50) lines the child wrote to stderr.
    public var recentStderr: [String] { stderrTail.lines }

    /// How the child ended, or nil while it runs.
    public var exitStatus: ProcessExit? { exitBox.exit }

    /// Writes `line` and a `\n` to the child's stdin. Throws `ACP_PROTOCOL_ERROR` if `line`
    /// contains a newline (nothing is written), `ACP_TURN_FAILED` if the pipe is closed.
    public func write(line: some Collection<UInt8>) async throws(ACPError) {
        let written = try submitWrite(line: line)
        do {
            try await written.get()
        } catch {
            throw ACPError(.turnFailed, message: "the agent is not reading its input (it may have exited)",
                           detail: "write to pid \(pid) stdin: \(error)")
        }
    }

    /// Queues `line` + `\n` for writing and returns at once. Lines submitted one after another
    /// (from one task or actor) reach the child in that order.
    func submitWrite(line: some Collection<UInt8>) throws(ACPError) -> EventLoopFuture<Void> {
        if line.contains(0x0A) {
            throw ACPError(.protocolError, message: "refusing to send a message containing a raw newline")
        }
        var buffer = ByteBufferAllocator().buffer(capacity: line.count + 1)
        buffer.writeBytes(line)
        buffer.writeInteger(UInt8(0x0A))
        let bytes = buffer
        return stdinChannel.flatMap { channel in channel.writeAndFlush(bytes) }
    }

    /// Writes `line` (UTF-8) and a `\n`; see `write(line:)`.
    public func write(line: String) async throws(ACPError) {
        try await write(line: Array(line.utf8))
    }

    /// Closes the child's stdin (it reads EOF). Idempotent.
    public func closeStdin() {
        stdinChannel.whenSuccess { $0.close(promise: nil) }
    }

    /// Waits until the child has exited and been reaped. Not cancellable: it always returns the
    /// real exit.
    public func waitForExit() async -> ProcessExit {
        await exitBox.wait()
    }

    /// Waits at most `seconds` for the exit; nil on timeout or when the task is cancelled.
    public func waitForExit(timeout seconds: Double) async -> ProcessExit? {
        await waitForExit(timeout: .nanoseconds(Int64(max(0, seconds) * 1_000_000_000)))
    }

    /// Waits at most `timeout` for the exit; nil on timeout or when the task is cancelled.
    public func waitForExit(timeout: Duration) async -> ProcessExit? {
        if let exit = exitBox.exit { return exit }
        let box = exitBox
        // The deadline is a `WatchdogTimer`, not a sleep cancelled when the child exits first
        // (as it nearly always does, on every agent stop): the runtime keeps a cancelled sleep's
        // timer until its deadline (see `WatchdogTimer`).
        let waiter = Task { await box.waitCancellable() }
        let timer = WatchdogTimer(after: max(.zero, timeout)) { waiter.cancel() }
        let exit = await withTaskCancellationHandler { await waiter.value } onCancel: { waiter.cancel() }
        timer.cancel()
        return exit ?? box.exit
    }

    /// Sends `signal` to the child's whole process group, unless the child was already reaped.
    public func signalGroup(_ signal: Int32) {
        guard exitBox.exit == nil else { return }
        Glibc.kill(-pid, signal)
    }

    /// Closes stdin, waits `graceSeconds`, SIGTERMs the group, waits `graceSeconds`, SIGKILLs the
    /// group, and returns the reaped exit. Safe to call repeatedly or concurrently.
    public func terminate(graceSeconds: Double) async -> ProcessExit {
        if let exit = exitBox.exit { return exit }
        closeStdin()
        if let exit = await waitForExit(timeout: graceSeconds) { return exit }
        logger.debug("did not exit after stdin was closed; sending SIGTERM to its group")
        signalGroup(SIGTERM)
        if let exit = await waitForExit(timeout: graceSeconds) { return exit }
        logger.notice("did not exit after SIGTERM; sending SIGKILL to its group")
        signalGroup(SIGKILL)
        return await waitForExit()
    }

    /// SIGKILLs the group now and returns the reaped exit.
    public func kill() async -> ProcessExit {
        signalGroup(SIGKILL)
        closeStdin()
        return await waitForExit()
    }
}

/// The exit status of one child and the tasks waiting for it.
final class ExitBox: Sendable {
    private struct State {
        var exit: ProcessExit?
        var waiters: [UInt64: CheckedContinuation<ProcessExit?, Never>] = [:]
        var cancelled: Set<UInt64> = []
        var nextId: UInt64 = 0
    }

    private let state = Mutex(State())

    var exit: ProcessExit? { state.withLock { $0.exit } }

    func complete(_ exit: ProcessExit) {
        let waiters = state.withLock { state -> [CheckedContinuation<ProcessExit?, Never>] in
            guard state.exit == nil else { return [] }
            state.exit = exit
            defer { state.waiters = [:]; state.cancelled = [] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: exit) }
    }

    /// Waits for the exit, ignoring task cancellation.
    func wait() async -> ProcessExit {
        let id = state.withLock { state -> UInt64 in state.nextId += 1; return state.nextId }
        let exit = await withCheckedContinuation { (continuation: CheckedContinuation<ProcessExit?, Never>) in
            register(id, continuation)
        }
        return exit ?? .exited(-1)
    }

    /// Waits for the exit; returns nil when the task is cancelled first.
    func waitCancellable() async -> ProcessExit? {
        let id = state.withLock { state -> UInt64 in state.nextId += 1; return state.nextId }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<ProcessExit?, Never>) in
                register(id, continuation)
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<ProcessExit?, Never>? in
                if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
                if state.exit == nil { state.cancelled.insert(id) }
                return nil
            }
            waiter?.resume(returning: nil)
        }
    }

    private func register(_ id: UInt64, _ continuation: CheckedContinuation<ProcessExit?, Never>) {
        let immediate = state.withLock { state -> ProcessExit?? in
            if let exit = state.exit { return .some(exit) }
            if state.cancelled.remove(id) != nil { return .some(nil) }
            state.waiters[id] = continuation
            return nil
        }
        if let immediate { continuation.resume(returning: immediate) }
    }
}

/// A child's stdout line by line (`ChildProcess.stdoutLines`), over its batches.
public struct StdoutLines: AsyncSequence, Sendable {
    public typealias Element = Result<[UInt8], ACPError>
    let batches: StdoutBatchSequence

    public struct AsyncIterator: AsyncIteratorProtocol {
        var batches: StdoutBatchSequence.AsyncIterator
        var current: [Result<[UInt8], ACPError>] = []
        var position = 0

        public mutating func next() async -> Result<[UInt8], ACPError>? {
            while position == current.count {
                guard let batch = await batches.next() else { return nil }
                current = batch
                position = 0
            }
            defer { position += 1 }
            return current[position]
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(batches: batches.makeAsyncIterator()) }
}
