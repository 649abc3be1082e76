#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ACPControlPlane

/// Splits a byte stream into NDJSON lines.
///
/// Lines end at `\n` bytes only (never at U+2028 or other Unicode line breaks, which are legal
/// inside JSON strings); a trailing `\r` is stripped; blank lines (only spaces, tabs, `\r`) are
/// skipped. Lines may be as long as `maxLineBytes` (64 MiB by default); a longer line is dropped
/// up to its end and reported once as `ACP_PROTOCOL_ERROR`, and framing continues after it.
public struct NDJSONFramer: Sendable {
    /// 64 MiB: well above the 50 MB the ACP SDKs accept, so no legal message is cut.
    public static let defaultMaxLineBytes = 64 << 20

    /// One result of framing: a complete line, or a line that was too long (dropped).
    public enum Output {
        /// The line's bytes without `\n`/`\r`, valid only during the callback.
        case line(UnsafeRawBufferPointer)
        case tooLong(ACPError)
    }

    public let maxLineBytes: Int
    private var pending: [UInt8] = []
    private var discarding = false
    private var discardedBytes = 0

    public init(maxLineBytes: Int = NDJSONFramer.defaultMaxLineBytes) {
        self.maxLineBytes = max(1, maxLineBytes)
    }

    /// Bytes of an unfinished line held since the last `\n`.
    public var bufferedByteCount: Int { pending.count }

    /// Feeds one chunk and calls `body` for every line it completes, in order.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ body: (Output) throws -> Void) rethrows {
        guard let base = chunk.baseAddress, chunk.count > 0 else { return }
        var start = 0
        while start < chunk.count {
            let remaining = chunk.count - start
            guard let found = memchr(base + start, 0x0A, remaining) else {
                absorb(UnsafeRawBufferPointer(start: base + start, count: remaining))
                if !discarding, pending.count > maxLineBytes { beginDiscarding() }
                return
            }
            let end = base.distance(to: UnsafeRawPointer(found))
            let piece = UnsafeRawBufferPointer(start: base + start, count: end - start)
            start = end + 1
            if discarding {
                let dropped = discardedBytes + piece.count
                discarding = false
                discardedBytes = 0
                try body(.tooLong(tooLongError(dropped)))
                continue
            }
            if pending.isEmpty {
                if piece.count > maxLineBytes {
                    try body(.tooLong(tooLongError(piece.count)))
                } else {
                    try emit(piece, body)
                }
            } else {
                pending.append(contentsOf: piece)
                if pending.count > maxLineBytes {
                    let dropped = pending.count
                    pending = []
                    try body(.tooLong(tooLongError(dropped)))
                } else {
                    let line = pending
                    pending.removeAll(keepingCapacity: pending.count <= 1 << 20)
                    try line.withUnsafeBytes { try emit($0, body) }
                }
            }
        }
    }

    /// Feeds one chunk and returns its complete lines (copies; convenient, slower than `feed`).
    public mutating func lines(in chunk: [UInt8]) -> [Result<[UInt8], ACPError>] {
        var result: [Result<[UInt8], ACPError>] = []
        chunk.withUnsafeBytes { bytes in
            feed(bytes) { output in
                switch output {
                case .line(let line): result.append(.success(Array(line)))
                case .tooLong(let error): result.append(.failure(error))
                }
            }
        }
        return result
    }

    /// Ends the stream: an unterminated last line is delivered as a line (agents that exit right
    /// after writing without `\n` still get their message read).
    public mutating func finish(_ body: (Output) throws -> Void) rethrows {
        defer { pending = []; discarding = false; discardedBytes = 0 }
        if discarding {
            try body(.tooLong(tooLongError(discardedBytes)))
        } else if !pending.isEmpty {
            let line = pending
            try line.withUnsafeBytes { try emit($0, body) }
        }
    }

    private mutating func absorb(_ bytes: UnsafeRawBufferPointer) {
        if discarding {
            discardedBytes += bytes.count
        } else {
            pending.append(contentsOf: bytes)
        }
    }

    private mutating func beginDiscarding() {
        discarding = true
        discardedBytes = pending.count
        pending = []
    }

    private func emit(_ raw: UnsafeRawBufferPointer, _ body: (Output) throws -> Void) rethrows {
        var count = raw.count
        if count > 0, raw[count - 1] == 0x0D { count -= 1 }
        var blank = true
        for index in 0..<count {
            let byte = raw[index]
            if byte != 0x20, byte != 0x09, byte != 0x0D { blank = false; break }
        }
        if blank { return }
        try body(.line(UnsafeRawBufferPointer(rebasing: raw[0..<count])))
    }

    private func tooLongError(_ bytes: Int) -> ACPError {
        ACPError(.protocolError, message: "the agent sent a message larger than \(maxLineBytes) bytes; it was dropped",
                 detail: "dropped an NDJSON line of at least \(bytes) bytes")
    }
}
