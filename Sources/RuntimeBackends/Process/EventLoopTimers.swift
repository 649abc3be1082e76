import ACPControlPlane
import NIOCore
import NIOPosix

/// `WatchdogTimer`s as scheduled callbacks of SwiftNIO's event loops: a timer is an entry in the
/// loop's timer heap (fired by its `epoll_wait` timeout), called off by removing the entry. A
/// timer made on a loop stays on that loop; one made elsewhere goes to the next loop of `group`.
///
/// `GlobalExecutor.useEventLoops` makes it the default of every timer (`ACPD_NIO_TIMERS=0` keeps
/// timers sleeping in steps, to compare).
public enum EventLoopTimers {
    /// The scheduler over `group`'s loops.
    public static func scheduler(on group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) -> WatchdogTimer.Scheduler {
        WatchdogTimer.Scheduler { duration, fire in
            let loop = group.any()
            let callback: NIOScheduledCallback
            do {
                callback = try loop.scheduleCallback(in: timeAmount(duration), handler: Fire(fire: fire))
            } catch {
                return nil  // the loop is shutting down: a timer sleeps in steps, a sleep on the runtime's timer
            }
            return { callback.cancel() }
        }
    }

    /// `duration` in nanoseconds, saturating (a timer is at most `Duration.longestWait` anyway).
    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return .nanoseconds(seconds < 0 ? 0 : .max) }
        let (total, carry) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        return .nanoseconds(carry ? .max : max(0, total))
    }

    private struct Fire: NIOScheduledCallbackHandler, Sendable {
        let fire: @Sendable () -> Void

        func handleScheduledCallback(eventLoop: some EventLoop) {
            fire()
        }
    }
}
