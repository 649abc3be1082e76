import Foundation

/// The lines of standard input, split on `\n` bytes, as an async sequence.
///
/// A dedicated thread does the blocking `read(2)` calls (no line-length limit: a line of any
/// size is accumulated). A trailing `\r` is removed, empty lines are skipped, and the stream
/// finishes at end of input (a last line without `\n` is still delivered).
enum StdinLines {
    static func stream(fd: Int32 = 0) -> AsyncStream<[UInt8]> {
        AsyncStream(bufferingPolicy: .unbounded) { continuation in
            let thread = Thread {
                readLoop(fd: fd) { continuation.yield($0) }
                continuation.finish()
            }
            thread.name = "stdin-reader"
            thread.start()
        }
    }

    private static func readLoop(fd: Int32, emit: ([UInt8]) -> Void) {
        var pending: [UInt8] = []
        let capacity = 1 << 16
        let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { chunk.deallocate() }
        func deliver(_ line: UnsafeBufferPointer<UInt8>) {
            var count = line.count
            if count > 0 && line[count - 1] == 0x0D { count -= 1 }
            if count > 0 { emit(Array(UnsafeBufferPointer(rebasing: line[0..<count]))) }
        }
        while true {
            let count = read(fd, chunk, capacity)
            if count < 0 {
                if errno == EINTR { continue }
                Log.line("stdin read failed: errno \(errno)")
                break
            }
            if count == 0 { break }
            var start = 0
            while start < count, let found = memchr(chunk + start, 0x0A, count - start) {
                let newline = chunk.distance(to: found.assumingMemoryBound(to: UInt8.self))
                let piece = UnsafeBufferPointer(start: chunk + start, count: newline - start)
                if pending.isEmpty {
                    deliver(piece)
                } else {
                    pending.append(contentsOf: piece)
                    pending.withUnsafeBufferPointer { deliver($0) }
                    pending = []
                }
                start = newline + 1
            }
            if start < count { pending.append(contentsOf: UnsafeBufferPointer(start: chunk + start, count: count - start)) }
        }
        if !pending.isEmpty { pending.withUnsafeBufferPointer { deliver($0) } }
    }
}
