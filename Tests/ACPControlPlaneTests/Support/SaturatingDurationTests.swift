@testable import ACPControlPlane
import Testing

/// `Duration.saturating`: the conversion of config numbers into durations never traps.
@Suite struct SaturatingDurationTests {
    @Test func productsWithinTheCapAreExact() {
        #expect(Duration.saturating(1800) == .seconds(1800))
        #expect(Duration.saturating(525_600, unitSeconds: 60) == .seconds(31_536_000))
        #expect(Duration.saturating(8_760, unitSeconds: 3600) == .seconds(31_536_000))
    }

    @Test(arguments: [0, -1, Int.min])
    func nothingOrLessIsZero(_ count: Int) {
        #expect(Duration.saturating(count) == .zero)
        #expect(Duration.saturating(count, unitSeconds: 3600) == .zero)
    }

    @Test(arguments: [Int.max, Int.max / 60 + 1, 1_000_000_000_000_000_000, Duration.longestWaitSeconds + 1])
    func hugeCountsStopAtTheLongestWait(_ count: Int) async {
        for unit in [1, 60, 3600] {
            let duration = Duration.saturating(count, unitSeconds: unit)
            #expect(duration == .longestWait)
            // Usable as a deadline: added to now and slept on (cancelled at once).
            _ = ContinuousClock.now.advanced(by: duration)
            let sleeper = Task { try await Task.sleep(for: duration) }
            sleeper.cancel()
            _ = await sleeper.result
        }
    }

    @Test func controlPlaneSettingsSaturate() {
        let settings = ControlPlaneSettings(turnTimeoutSeconds: .max, runtimeTTLMinutes: .max, idempotencyTTLHours: .max,
                                            permissionTimeoutSeconds: .min)
        #expect(settings.turnTimeout == .longestWait && settings.runtimeTTL == .longestWait && settings.idempotencyTTL == .longestWait)
        #expect(settings.permissionTimeout == .zero)
    }
}
