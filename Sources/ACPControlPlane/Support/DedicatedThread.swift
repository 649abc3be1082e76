#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain POSIX thread for work that blocks in a system call (`poll`, `waitpid`, `read` on a
/// terminal), so it never ties up a thread of Swift's cooperative pool. Foundation-free
/// replacement for `Thread { … }.start()`.
public enum DedicatedThread {
    /// Failure to create the thread (the `pthread_create` error number).
    public struct StartError: Error, Sendable, CustomStringConvertible {
        /// The error number `pthread_create` returned (EAGAIN when out of threads or memory).
        public let code: Int32
        public var description: String { "cannot start a thread (errno \(code))" }
    }

    /// Starts a detached thread that runs `body` once and ends. `name` (at most 15 bytes are
    /// kept on Linux) shows in `top -H` and debuggers; `stackSize` is in bytes (0: the system
    /// default; values under the platform minimum are raised to it).
    /// - Throws: `StartError` when the system refuses a new thread; `body` is then not run.
    public static func start(name: String, stackSize: Int = 0, _ body: @escaping @Sendable () -> Void) throws(StartError) {
        let box = Unmanaged.passRetained(Work(name: name, body: body))
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        if stackSize > 0 {
            pthread_attr_setstacksize(&attributes, max(stackSize, Int(PTHREAD_STACK_MIN)))
        }
        #if canImport(Darwin)
        var thread: pthread_t?
        #else
        var thread = pthread_t()
        #endif
        let result = pthread_create(&thread, &attributes, { context in
            let work = Unmanaged<Work>.fromOpaque(context!).takeRetainedValue()
            work.run()
            return nil
        }, box.toOpaque())
        guard result == 0 else {
            box.release()
            throw StartError(code: result)
        }
    }

    /// Like `start`, for callers that cannot go on without the thread (a process monitor):
    /// retries with the default stack, then stops the process with the reason.
    public static func startOrDie(name: String, stackSize: Int = 0, _ body: @escaping @Sendable () -> Void) {
        do { try start(name: name, stackSize: stackSize, body) } catch {
            do { try start(name: name, body) } catch {
                fatalError("\(name): \(error)")
            }
        }
    }

    #if !canImport(Darwin)
    private typealias SetName = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32
    private static let setName: SetName? = dlsym(dlopen(nil, RTLD_NOW), "pthread_setname_np")
        .map { unsafeBitCast($0, to: SetName.self) }
    #endif

    private final class Work {
        let name: String
        let body: @Sendable () -> Void

        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }

        func run() {
            #if canImport(Darwin)
            _ = pthread_setname_np(String(name.utf8.prefix(63)) ?? name)
            #else
            // glibc's pthread_setname_np needs _GNU_SOURCE, which the Glibc module lacks.
            if let setName = DedicatedThread.setName {
                let short = String(decoding: name.utf8.prefix(15), as: UTF8.self)
                _ = setName(pthread_self(), short)
            }
            #endif
            body()
        }
    }
}
