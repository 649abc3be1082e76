#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Gives the memory of a big agent message back to the system. A line of tens of megabytes
/// passes through the framer, the JSON parser and the event path as large transient buffers;
/// glibc keeps what they freed in its heaps (its mmap threshold grows after the first big
/// free), so without this the process keeps the high-water mark for good. After a big line
/// (`threshold` bytes or more) a trim is scheduled once the burst is over (`delay`, coalesced:
/// one trim however many big lines came), on a thread of its own: `malloc_trim(0)` releases the
/// free pages of every arena; and at start `mapBigAllocations` gives such buffers mappings of
/// their own, returned when freed (that alone took the RSS after three 20 MB lines from 105 to
/// 36 MiB). `acpd run` also trims every minute (`trimPeriodically`). `ACPD_MALLOC_TRIM=0` in the
/// environment turns all of it off (to compare).
/// Measured in docs/benchmarks.md ("big agent lines").
public final class MemoryTrim: Sendable {
    /// The process's trimmer.
    public static let shared = MemoryTrim()

    /// A line at least this long schedules a trim.
    public static let threshold = 1 << 20

    /// How long after the last request the trim runs.
    let delay: Duration
    /// False with `ACPD_MALLOC_TRIM=0`.
    let enabled: Bool

    private let state = Mutex(State())

    private struct State {
        var scheduled = false
        var lastRequest = ContinuousClock.now
        var trims = 0
    }

    init(delay: Duration = .seconds(2), enabled: Bool = getenv("ACPD_MALLOC_TRIM").map { String(cString: $0) } != "0") {
        self.delay = delay
        self.enabled = enabled
    }

    /// How many trims ran (tests).
    public var trims: Int { state.withLock { $0.trims } }

    /// Notes a message of `bytes` bytes; schedules a trim when it is big.
    public func noteMessage(bytes: Int) {
        guard enabled, bytes >= Self.threshold else { return }
        let start = state.withLock { state -> Bool in
            state.lastRequest = .now
            defer { state.scheduled = true }
            return !state.scheduled
        }
        guard start else { return }
        Task.detached(priority: .background) { [self] in
            while true {
                let due = state.withLock { $0.lastRequest + delay }
                if ContinuousClock.now >= due { break }
                try? await Task.sleep(until: due)
            }
            Self.trimNow()
            state.withLock {
                $0.scheduled = false
                $0.trims += 1
            }
        }
    }

    /// Makes glibc serve every allocation of `threshold` bytes or more with its own mapping,
    /// returned to the system when it is freed (`M_MMAP_THRESHOLD`; setting it also stops glibc
    /// from raising the threshold after the first big free, which is what lets the buffers of a
    /// big line stay in the heap). Call once, at start, before big allocations. Unless
    /// `ACPD_MALLOC_TRIM=0`. True when glibc took the setting.
    @discardableResult
    public static func mapBigAllocations() -> Bool {
        guard shared.enabled, let mallopt = PosixSymbols.mallopt else { return false }
        return mallopt(-3 /* M_MMAP_THRESHOLD */, Int32(threshold)) == 1
    }

    /// How often `acpd run` trims (`trimPeriodically`).
    public static let period: Duration = .seconds(60)

    /// Every `interval`, for the life of the process, gives the free pages of every arena back
    /// (`malloc_trim(0)`). glibc returns free memory by itself only from the top of an arena; a
    /// daemon allocating small objects on many threads for hours keeps free pages inside its
    /// arenas, so its RSS creeps up while the bytes in use stay level (in `acpd-bench soak` at 23
    /// runs a second: in use level at 10–11 MB, the heap growing ~0.7 MB a minute; see
    /// docs/reliability.md, "Resource soak"). False (and nothing started) when disabled.
    @discardableResult
    public func trimPeriodically(every interval: Duration = period) -> Bool {
        guard enabled else { return false }
        Task.detached(priority: .background) { [self] in
            while true {
                try? await Task.sleep(for: interval)
                Self.trimNow()
                state.withLock { $0.trims += 1 }
            }
        }
        return true
    }

    /// Returns free heap memory to the system now.
    static func trimNow() {
        _ = PosixSymbols.mallocTrim?(0)
    }
}
