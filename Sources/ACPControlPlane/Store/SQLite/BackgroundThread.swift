#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts a detached POSIX thread for blocking work that must not occupy the Swift
/// concurrency pool (the WAL checkpointer). The thread ends when `body` returns.
enum BackgroundThread {
    private final class Work {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// Runs `body` on a new thread named `name` (truncated to the 15 bytes Linux allows);
    /// false when the system refused to create a thread.
    @discardableResult
    static func start(name: String, _ body: @escaping @Sendable () -> Void) -> Bool {
        let work = Unmanaged.passRetained(Work(name: name, body: body)).toOpaque()
        #if canImport(Darwin)
        var thread: pthread_t?
        #else
        var thread = pthread_t()
        #endif
        let code = pthread_create(&thread, nil, { argument in
            #if canImport(Darwin)
            let work = Unmanaged<Work>.fromOpaque(argument).takeRetainedValue()
            _ = pthread_setname_np(String(decoding: work.name.utf8.prefix(15), as: UTF8.self))
            #else
            // (Glibc does not export pthread_setname_np to Swift: the thread keeps the process name.)
            guard let argument else { return nil }
            let work = Unmanaged<Work>.fromOpaque(argument).takeRetainedValue()
            #endif
            work.body()
            return nil
        }, work)
        guard code == 0 else {
            Unmanaged<Work>.fromOpaque(work).release()
            return false
        }
        #if canImport(Darwin)
        if let thread { pthread_detach(thread) }
        #else
        pthread_detach(thread)
        #endif
        return true
    }
}
