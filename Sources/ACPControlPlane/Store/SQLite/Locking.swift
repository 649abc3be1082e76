#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A pthread mutex with a condition variable, for the store's synchronous code (the writer
/// lock, the reader pool, the checkpointer's stop signal). Callers hold it briefly or around
/// one transaction; it never suspends a Swift task, it blocks the calling thread.
final class ConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` holding the lock.
    func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits for `signalAll`, releasing the lock meanwhile; call with the lock held (inside
    /// `withLock`). May return spuriously: recheck the condition in a loop.
    func wait() {
        pthread_cond_wait(condition, mutex)
    }

    /// `wait`, for at most `seconds`.
    func wait(seconds: Double) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let whole = seconds.rounded(.down)
        var deadline = timespec()
        var nanoseconds = Int(now.tv_nsec) + Int((seconds - whole) * 1_000_000_000)
        var extraSeconds = 0
        if nanoseconds >= 1_000_000_000 {
            nanoseconds -= 1_000_000_000
            extraSeconds = 1
        }
        deadline.tv_sec = now.tv_sec + type(of: now.tv_sec).init(Int(whole) + extraSeconds)
        deadline.tv_nsec = type(of: now.tv_nsec).init(nanoseconds)
        pthread_cond_timedwait(condition, mutex, &deadline)
    }

    /// Wakes every waiter; call with the lock held.
    func signalAll() {
        pthread_cond_broadcast(condition)
    }

    /// Wakes one waiter. May be called after releasing the lock (the waiter then does not wake
    /// only to block on the lock its waker still holds), when the condition it waits for was
    /// set while holding it.
    func signalOne() {
        pthread_cond_signal(condition)
    }
}
