import Foundation
import Testing
import TestSupport
@testable import RuntimeBackends

/// After big agent lines, one trim runs once the burst is over; small lines never schedule one;
/// `ACPD_MALLOC_TRIM=0` turns it off.
@Suite("memory trim")
struct MemoryTrimTests {
    @Test func bigLinesScheduleOneTrimAfterTheBurstSmallOnesNone() async throws {
        let trim = MemoryTrim(delay: .seconds(1), enabled: true)
        trim.noteMessage(bytes: MemoryTrim.threshold - 1)
        // A burst of big lines, back to back: one trim, a delay after the last of them.
        for _ in 0..<5 { trim.noteMessage(bytes: MemoryTrim.threshold) }
        #expect(trim.trims == 0, "not during the burst")
        try await withDeadline(20, "the trim after the burst") {
            while trim.trims == 0 { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(trim.trims == 1, "one trim for the whole burst (and none for the small line)")

        trim.noteMessage(bytes: 50 << 20)
        try await withDeadline(20, "a later big line trims again") {
            while trim.trims < 2 { try await Task.sleep(for: .milliseconds(20)) }
        }
    }

    @Test func aSmallLineSchedulesNothing() async throws {
        let trim = MemoryTrim(delay: .milliseconds(10), enabled: true)
        trim.noteMessage(bytes: MemoryTrim.threshold - 1)
        try await Task.sleep(for: .milliseconds(300))
        #expect(trim.trims == 0)
    }

    @Test func offWhenDisabled() async throws {
        let trim = MemoryTrim(delay: .milliseconds(10), enabled: false)
        trim.noteMessage(bytes: 50 << 20)
        try await Task.sleep(for: .milliseconds(200))
        #expect(trim.trims == 0)
    }

    @Test func periodicTrimsRunEveryIntervalUnlessDisabled() async throws {
        let trim = MemoryTrim(delay: .seconds(1), enabled: true)
        #expect(trim.trimPeriodically(every: .milliseconds(50)))
        try await withDeadline(20, "three periodic trims") {
            while trim.trims < 3 { try await Task.sleep(for: .milliseconds(20)) }
        }
        let off = MemoryTrim(delay: .seconds(1), enabled: false)
        #expect(!off.trimPeriodically(every: .milliseconds(10)))
        try await Task.sleep(for: .milliseconds(200))
        #expect(off.trims == 0)
    }

    @Test func glibcTakesTheMmapThreshold() {
        // acpd runs on glibc (Debian): the lookup and the setting must work there.
        #expect(MemoryTrim.mapBigAllocations())
    }
}
