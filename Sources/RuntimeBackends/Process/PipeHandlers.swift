import ACPControlPlane
import Logging
import NIOCore
import Synchronization

/// Frames a child's stdout into NDJSON lines and yields them to an `AsyncStream`; finishes the
/// stream at EOF (after delivering an unterminated last line) or on a read error.
final class StdoutLineHandler: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: NIO calls a handler only on its channel's event loop.
    typealias InboundIn = ByteBuffer

    /// Lines handed over in one element at most: the lines of one read go together (one
    /// resumption of the reader for many lines, not one per line), in batches small enough that
    /// handling one stays short.
    static let maxBatch = 64

    private var framer: NDJSONFramer
    private let continuation: AsyncStream<[Result<[UInt8], ACPError>]>.Continuation
    private var batch: [Result<[UInt8], ACPError>] = []

    init(maxLineBytes: Int, continuation: AsyncStream<[Result<[UInt8], ACPError>]>.Continuation) {
        self.framer = NDJSONFramer(maxLineBytes: maxLineBytes)
        self.continuation = continuation
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

    private func take(_ output: NDJSONFramer.Output) {
        switch output {
        case .line(let line): batch.append(.success(Array(line)))
        case .tooLong(let error): batch.append(.failure(error))
        }
        if batch.count >= Self.maxBatch { flush() }
    }

    private func flush() {
        guard !batch.isEmpty else { return }
        continuation.yield(batch)
        batch = []
    }

    private func finish() {
        framer.finish { output in take(output) }
        flush()
        continuation.finish()
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
