#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unbuffered writes to stdout and stderr with `write(2)`, the Foundation-free equivalent of
/// `FileHandle.standardOutput.write(_:)`: the text is out of the process when the call returns
/// (interleaves correctly with a child's output and with `print` after `fflush`). A write that
/// fails (closed pipe: SIGPIPE is ignored, so EPIPE) drops the rest of the text, as nothing
/// else can be done about it.
enum StandardStreams {
    /// Writes `text` to stdout at once.
    static func output(_ text: String) { write(text, to: STDOUT_FILENO) }

    /// Writes `text` to stderr at once.
    static func error(_ text: String) { write(text, to: STDERR_FILENO) }

    private static func write(_ text: String, to descriptor: Int32) {
        var text = text
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = systemWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }

    private static func systemWrite(_ descriptor: Int32, _ bytes: UnsafePointer<UInt8>, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.write(descriptor, bytes, count)
        #else
        Darwin.write(descriptor, bytes, count)
        #endif
    }
}
