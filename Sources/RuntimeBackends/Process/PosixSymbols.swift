#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// C functions that Swift's Glibc module does not expose (they need `_GNU_SOURCE` or headers the
/// module map leaves out), looked up once at run time. Nil when the C library lacks them; callers
/// fall back to portable equivalents.
enum PosixSymbols {
    typealias PidfdOpen = @convention(c) (pid_t, UInt32) -> Int32
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    typealias AddChdir = @convention(c) (UnsafeMutableRawPointer, UnsafePointer<CChar>) -> Int32
    typealias AddClosefrom = @convention(c) (UnsafeMutableRawPointer, Int32) -> Int32
    typealias MallocTrim = @convention(c) (Int) -> Int32
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32

    nonisolated(unsafe) private static let handle: UnsafeMutableRawPointer? = dlopen(nil, RTLD_NOW)

    private static func lookup<T>(_ name: String, as type: T.Type) -> T? {
        guard let handle, let symbol = dlsym(handle, name) else { return nil }
        return unsafeBitCast(symbol, to: type)
    }

    /// `pidfd_open(2)` (glibc >= 2.36, Linux >= 5.3).
    static let pidfdOpen: PidfdOpen? = lookup("pidfd_open", as: PidfdOpen.self)
    /// `pipe2(2)`, to create pipes with `O_CLOEXEC` atomically.
    static let pipe2: Pipe2? = lookup("pipe2", as: Pipe2.self)
    /// `posix_spawn_file_actions_addchdir_np` (glibc >= 2.29, macOS 10.15).
    static let addChdir: AddChdir? = lookup("posix_spawn_file_actions_addchdir_np", as: AddChdir.self)
    /// `posix_spawn_file_actions_addclosefrom_np` (glibc >= 2.34): closes every fd >= n in the child.
    static let addClosefrom: AddClosefrom? = lookup("posix_spawn_file_actions_addclosefrom_np", as: AddClosefrom.self)
    /// `malloc_trim(3)` (glibc; `<malloc.h>` is not in the module map).
    static let mallocTrim: MallocTrim? = lookup("malloc_trim", as: MallocTrim.self)
    /// `mallopt(3)` (glibc).
    static let mallopt: Mallopt? = lookup("mallopt", as: Mallopt.self)
}

/// Ignores SIGPIPE in this process, once. Writing to a closed pipe then fails with EPIPE instead of
/// killing acpd (exit 141, no log line). Children get default dispositions back at spawn.
enum SigpipeGuard {
    private static let installed: Bool = {
        signal(SIGPIPE, SIG_IGN)
        return true
    }()

    static func install() { _ = installed }
}

/// The current `errno` as text.
func errnoText(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}
