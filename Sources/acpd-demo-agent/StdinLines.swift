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
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        func deliver(_ line: ArraySlice<UInt8>) {
            var line = line
            if line.last == 0x0D { line = line.dropLast() }
            if !line.isEmpty { emit(Array(line)) }
        }
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                Log.line("stdin read failed: errno \(errno)")
                break
            }
            if count == 0 { break }
            var start = 0
            while let newline = chunk[start..<count].firstIndex(of: 0x0A) {
                if pending.isEmpty {
                    deliver(chunk[start..<newline])
                } else {
                    pending.append(contentsOf: chunk[start..<newline])
                    deliver(pending[...])
                    pending.removeAll(keepingCapacity: false)
                }
                start = newline + 1
            }
            if start < count { pending.append(contentsOf: chunk[start..<count]) }
        }
        if !pending.isEmpty { deliver(pending[...]) }
    }
}
