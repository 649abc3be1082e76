import Foundation
import Synchronization

/// The input being run, kept where a crash can still reach it: a fatal signal (a Swift trap is
/// SIGILL or SIGTRAP, a bad access SIGSEGV/SIGBUS, an abort SIGABRT) writes it to the target's
/// crashes folder with plain `open`/`write` before the process dies, and a watchdog thread saves
/// an input that runs longer than its deadline, then aborts (a hang is a failure too).
enum FuzzInFlight {
    /// Room for the largest input the generator makes.
    static let capacity = 1 << 16
    nonisolated(unsafe) static let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    nonisolated(unsafe) static var length = 0
    /// `<crashes>/<target>/crash-in-flight`, as a C string (no allocation in the handler).
    nonisolated(unsafe) static var crashPath: UnsafeMutablePointer<CChar>?
    /// When the current input started (0: none running), and its deadline in nanoseconds.
    static let started = Atomic<UInt64>(0)
    nonisolated(unsafe) static var deadlineNanos: UInt64 = 5_000_000_000
    nonisolated(unsafe) static var target = ""
    nonisolated(unsafe) static var hangFolder = ""
    private static let installed = Mutex(false)

    /// Installs the signal handlers and the watchdog once.
    static func install() {
        let first = installed.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return }
        for signal in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE] {
            Foundation.signal(signal) { number in
                if let path = FuzzInFlight.crashPath, FuzzInFlight.length >= 0 {
                    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                    if fd >= 0 {
                        _ = write(fd, FuzzInFlight.buffer, FuzzInFlight.length)
                        close(fd)
                    }
                }
                Foundation.signal(number, SIG_DFL)
                raise(number)
            }
        }
        let watchdog = Thread {
            while true {
                usleep(100_000)
                let start = started.load(ordering: .acquiring)
                guard start != 0, DispatchTime.now().uptimeNanoseconds - start > deadlineNanos else { continue }
                let data = Data(bytes: buffer, count: length)
                let file = URL(fileURLWithPath: hangFolder).appendingPathComponent("hang-\(FuzzSupport.hash(Array(data)))")
                try? data.write(to: file)
                FileHandle.standardError.write(Data("fuzz target \(target): an input ran over \(deadlineNanos / 1_000_000) ms; saved to \(file.path)\n".utf8))
                abort()
            }
        }
        watchdog.start()
    }

    /// Points crash saving at `target`'s crashes folder.
    static func prepare(target name: String, folder: URL, deadline: Duration) {
        target = name
        hangFolder = folder.path
        crashPath?.deallocate()
        crashPath = strdup(folder.appendingPathComponent("crash-in-flight").path)
        deadlineNanos = UInt64(deadline.components.seconds) * 1_000_000_000 + UInt64(deadline.components.attoseconds / 1_000_000_000)
    }

    /// Runs `body` on `input`, kept in flight meanwhile.
    static func run<T>(_ input: [UInt8], _ body: () throws -> T) rethrows -> T {
        let count = min(input.count, capacity)
        input.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { buffer.update(from: base, count: count) }
        }
        length = count
        started.store(DispatchTime.now().uptimeNanoseconds, ordering: .releasing)
        defer { started.store(0, ordering: .releasing) }
        return try body()
    }
}
