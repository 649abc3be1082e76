import ACPControlPlane
import Logging
import NIOCore
import Synchronization

/// A child's stdout as batches of lines, with backpressure: `ChildProcess.stdoutBatches`.
public typealias StdoutBatchSequence = NIOAsyncSequenceProducer<
    [Result<[UInt8], ACPError>], NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, StdoutReadGate>

/// Frames a child's stdout into NDJSON lines and yields them in batches to a
/// `NIOAsyncSequenceProducer`; finishes it at EOF (after delivering an unterminated last line)
/// or on a read error.
///
/// Backpressure: while the reader is `StdoutLineHandler.highWatermark` batches behind, the
/// handler holds the channel's reads, so the pipe fills and the agent blocks in `write` instead
/// of acpd buffering its output without bound. Reading resumes when the reader is down to
/// `lowWatermark` batches (`StdoutReadGate.produceMore`). A reader that stops iterating
/// (`didTerminate`) lets the pipe drain again, its lines dropped, so the child is never stuck.
final class StdoutLineHandler: ChannelDuplexHandler, @unchecked Sendable {
    // @unchecked: NIO calls a handler only on its channel's event loop; `resume` hops there.
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    /// Lines handed over in one element at most: the lines of one read go together (one
    /// resumption of the reader for many lines, not one per line), in batches small enough that
    /// handling one stays short.
    static let maxBatch = 64
    /// Batches waiting for the reader at which reading stops (each at most one read's lines, or
    /// one long line), and at which it resumes.
    static let highWatermark = 16
    static let lowWatermark = 4

    private var framer: NDJSONFramer
    private let source: StdoutBatchSequence.Source
    private var batch: [Result<[UInt8], ACPError>] = []
    private var context: ChannelHandlerContext?
    /// False while the reader is behind: a read NIO asks for waits in `readHeld`.
    private var producing = true
    private var readHeld = false
    /// The child exited: read to the end, however far behind the reader is.
    private var draining = false

    init(maxLineBytes: Int, source: StdoutBatchSequence.Source, gate: StdoutReadGate) {
        self.framer = NDJSONFramer(maxLineBytes: maxLineBytes)
        self.source = source
        gate.attach(self)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { bytes in
            framer.feed(bytes) { output in take(output) }
        }
        flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if producing || draining { context.read() } else { readHeld = true }
    }

    /// On the event loop: the reader caught up (or left), or the child exited (`toEnd`); a held
    /// read goes out.
    func resume(toEnd: Bool = false) {
        producing = true
        if toEnd { draining = true }
        guard readHeld, let context else { return }
        readHeld = false
        context.read()
    }

    private func take(_ output: NDJSONFramer.Output) {
        switch output {
        case .line(let line): batch.append(.success(Array(line)))
        case .tooLong(let error): batch.append(.failure(error))
        }
        if batch.count >= Self.maxBatch { flush() }
    }

    private func flush() {
        guard !batch.isEmpty else { return }
        switch source.yield(contentsOf: CollectionOfOne(batch)) {
        case .stopProducing: producing = false
        case .produceMore, .dropped: break
        }
        batch = []
    }

    private func finish() {
        framer.finish { output in take(output) }
        flush()
        source.finish()
    }
}

/// The reader's side of `StdoutLineHandler`'s backpressure: NIO's producer calls it from the
/// reader's task when the reader wants more (or is gone); it hops to the handler's event loop.
public final class StdoutReadGate: NIOAsyncSequenceProducerDelegate, Sendable {
    /// Weak: the producer keeps its delegate, and the handler keeps the producer's source.
    private struct Attached: @unchecked Sendable {
        weak var handler: StdoutLineHandler?
    }

    private let attached = Mutex(Attached())
    private let loop: any EventLoop

    init(loop: any EventLoop) {
        self.loop = loop
    }

    fileprivate func attach(_ handler: StdoutLineHandler) {
        attached.withLock { $0.handler = handler }
    }

    public func produceMore() {
        guard let handler = attached.withLock({ $0.handler }) else { return }
        loop.execute { handler.resume() }
    }

    public func didTerminate() {
        // The reader is gone: read on (and drop) so the child never blocks on a full pipe.
        produceMore()
    }

    /// The child exited: its output is finite, so it is read to the end without waiting for the
    /// reader. (At the pipe's EOF NIO reads what is left anyway; this is for a surviving
    /// grandchild that keeps the pipe open, which the close 2 s after the exit would cut off.)
    func drainToEnd() {
        guard let handler = attached.withLock({ $0.handler }) else { return }
        loop.execute { handler.resume(toEnd: true) }
    }
}

/// Drains a child's stderr continuously (an undrained pipe blocks a chatty child), logs it line
/// by line and keeps the last lines for error details.
final class StderrHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    static let maxLineBytes = 16 * 1024

    private var framer = NDJSONFramer(maxLineBytes: StderrHandler.maxLineBytes)
    private let tail: StderrTail
    private let logger: Logger
    private let level: Logger.Level

    init(tail: StderrTail, logger: Logger, level: Logger.Level) {
        self.tail = tail
        self.logger = logger
        self.level = level
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { bytes in
            framer.feed(bytes) { record($0) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        framer.finish { record($0) }
        tail.markClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func record(_ output: NDJSONFramer.Output) {
        let text: String
        switch output {
        case .line(let bytes): text = String(decoding: bytes, as: UTF8.self)
        case .tooLong: text = "[a stderr line longer than \(Self.maxLineBytes) bytes was dropped]"
        }
        tail.append(text)
        logger.log(level: level, "\(text)", metadata: ["stream": "stderr"])
    }
}

/// The last lines a child wrote to stderr.
final class StderrTail: Sendable {
    static let capacity = 50

    private struct State {
        var lines: [String] = []
        var closed = false
    }

    private let state = Mutex(State())

    func append(_ line: String) {
        state.withLock { state in
            state.lines.append(line)
            if state.lines.count > Self.capacity { state.lines.removeFirst(state.lines.count - Self.capacity) }
        }
    }

    func markClosed() { state.withLock { $0.closed = true } }

    var lines: [String] { state.withLock { $0.lines } }
    var isClosed: Bool { state.withLock { $0.closed } }
}
