import Logging

/// Where a session actor's group-committed events go: published to the hub once committed;
/// an event the store could not take is logged (it is dropped, as a failed append always was).
final class SessionEventSink: EventAppendSink {
    private let hub: EventHub
    private let logger: Logger

    init(hub: EventHub, logger: Logger) {
        self.hub = hub
        self.logger = logger
    }

    func committed(_ events: [ControlPlaneEvent]) {
        hub.publish(events)
    }

    func appendFailed(_ event: EventLog.Pending, error: any Error) {
        logger.error("cannot store event", metadata: ["run": "\(event.runId.map { "\($0)" } ?? "-")", "seq": "\(event.seq)",
                                                      "kind": "\(event.payload.kind)", "error": "\(error)"])
    }
}
