import ACPControlPlane
import Foundation
import TelegramFake
import Testing
import TestSupport

/// Issue 12: "SIGKILL between processing and the offset commit runs nothing twice". `acpd run`
/// handles an update in a bound topic; the fake then holds every poll, so Telegram never learns
/// that acpd handled it; acpd is SIGKILLed there and started again on the same store.
///
/// acpd stores the offset (`channel_cursors`) right after the router handled the update and
/// before its next poll, in a transaction of its own. A kill can land before that write (or
/// before the router recorded the update's outcome), a window of microseconds no outside timing
/// hits; those cases are set up in the store after the kill, exactly as such a kill leaves it:
/// `cursorLost` puts the cursor back (Telegram then redelivers the update), `outcomeLost`
/// also puts the update's idempotency entry back in progress (the run committed, its outcome not).
extension TelegramE2ETests {
    /// Where the kill landed.
    enum KillPoint: String, CaseIterable, Sendable {
        /// After the offset was stored, before Telegram confirmed it: no redelivery.
        case cursorStored
        /// Before the offset was stored: Telegram redelivers; the update's outcome is found.
        case cursorLost
        /// Before the update's outcome was recorded: Telegram redelivers; the run's own
        /// submission key finds the run.
        case outcomeLost
    }

    /// Sets the store up as a kill at `point` leaves it, for the update `updateId` (whose handling
    /// moved the cursor to `updateId + 1`).
    static func rewind(_ directory: URL, to point: KillPoint, updateId: Int64) throws {
        let path = directory.appendingPathComponent("state").appendingPathComponent(ControlPlaneStore.fileName).path
        let store = try ControlPlaneStore(path: path, integrity: .none)
        defer { try? store.close() }
        #expect(try store.cursor(channel: .telegram, accountId: "default") == String(updateId + 1),
                "the offset was stored before the next poll")
        guard point != .cursorStored else { return }
        try store.setCursor(String(updateId), channel: .telegram, accountId: "default")
        if point == .outcomeLost {
            // A zero ttl makes the stored outcome count as expired: it is replaced by a reservation
            // in progress, which is what the kill left (recovery drops it at start).
            let reservation = try store.reserve(IdempotencyKey(scope: "telegram:default", key: String(updateId)), ttl: 0)
            #expect(reservation == .new)
        }
    }

    /// How often `text` occurs in the texts of `messages`.
    static func occurrences(of text: String, in messages: [FakeMessage]) -> Int {
        messages.reduce(0) { $0 + $1.text.components(separatedBy: text).count - 1 }
    }

    /// Restarts acpd on `directory`'s store once polls are released, waits until Telegram
    /// confirmed `updateId`, then until a later prompt is answered (a repeated run of the same
    /// session would have answered before it); returns the restarted daemon and the offset of
    /// its first poll (`updateId`: Telegram redelivered the update).
    static func restartAndSettle(_ directory: URL, _ fake: TelegramFakeServer,
                                 updateId: Int64) async throws -> (daemon: DaemonProcess, firstOffset: Int64?) {
        let pollsBefore = await fake.state.polledOffsets.count
        await fake.state.releasePolls()
        let second = try await DaemonProcess.start(in: directory, token: "api-token", config: config(apiRoot: fake.apiRoot))
        try await withDeadline(30, "Telegram confirms update \(updateId)\n\(second.log)") {
            while await fake.state.confirmedBelow <= updateId { try await Task.sleep(for: .milliseconds(50)) }
        }
        await fake.state.enqueueText("after restart", chat: forum, from: 111, topic: 42)
        _ = try await message(fake, chat: forum, thread: 42, containing: "echo: after restart", { second.log })
        return (second, await fake.state.polledOffsets.dropFirst(pollsBefore).first ?? nil)
    }

    @Test("SIGKILL between processing an update and Telegram confirming its offset runs nothing twice and repeats no reply",
          arguments: KillPoint.allCases)
    func killBeforeOffsetConfirmed(_ point: KillPoint) async throws {
        try await withTemporaryDirectory { dir in
            try await TelegramFakeServer.with(token: Self.token) { fake in
                await fake.state.addForum(Self.forum, topics: [42])
                let first = try await DaemonProcess.start(in: dir, token: "api-token", config: Self.config(apiRoot: fake.apiRoot))
                await fake.state.holdPollsAfterNextDelivery()
                let update = await fake.state.enqueueText("crash me", chat: Self.forum, from: 111, topic: 42)
                _ = try await Self.message(fake, chat: Self.forum, thread: 42, containing: "echo: crash me", { first.log })
                try await withDeadline(30, "the run completed and delivered, the next poll held\n\(first.log)") {
                    while true {
                        let settled = try first.withStore { store in
                            try store.pendingDeliveries().isEmpty
                                && store.sessions().flatMap { try store.runs(session: $0.key) }.contains { $0.state == .completed }
                        }
                        if settled, await fake.state.polledOffsets.contains(update + 1) { return }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                #expect(await fake.state.confirmedBelow <= update, "Telegram has not confirmed the update")
                _ = try await first.stop(signal: SIGKILL)
                try Self.rewind(dir, to: point, updateId: update)

                let (second, firstOffset) = try await Self.restartAndSettle(dir, fake, updateId: update)
                #expect(firstOffset == (point == .cursorStored ? update + 1 : update), "redelivered only when the cursor was lost")
                #expect(try second.runCount() == 2, "one run for the update, one for the later prompt\n\(second.log)")
                let topic = await fake.state.messages(chat: Self.forum, thread: 42)
                #expect(Self.occurrences(of: "echo: crash me", in: topic) == 1, "the answer once: \(topic)")
                #expect(!topic.contains { $0.text.contains("acpd restarted") }, "the run had completed: \(topic)")
                #expect(await fake.state.allMessages.allSatisfy { $0.threadId == 42 })
                #expect(try await second.stop() == 0, "\(second.log)")
            }
        }
    }

    @Test("SIGKILL mid-stream before Telegram confirmed the offset: delivery resumes from its checkpoint, no delivered text repeats, nothing runs twice",
          arguments: [KillPoint.cursorStored, .outcomeLost])
    func killMidStream(_ point: KillPoint) async throws {
        try await withTemporaryDirectory { dir in
            try await TelegramFakeServer.with(token: Self.token) { fake in
                await fake.state.addForum(Self.forum, topics: [42])
                let first = try await DaemonProcess.start(in: dir, token: "api-token", config: Self.config(apiRoot: fake.apiRoot))
                await fake.state.holdPollsAfterNextDelivery()
                // Three chunks 6 s apart: the kill lands after the first is shown, before the second.
                // The first chunk ends in a blank, so it is shown whole and its checkpoint is stored
                // (a chunk ending mid-word is held back and not checkpointed: docs/reliability.md).
                let prompt = "first part, shown whole [chunks=3] [delay=6000] " + String(repeating: "then the rest ", count: 3)
                    + String(repeating: "x", count: 27)
                let update = await fake.state.enqueueText(prompt, chat: Self.forum, from: 111, topic: 42)
                _ = try await Self.message(fake, chat: Self.forum, thread: 42, containing: "echo: first part, shown whole [chunks=3]", { first.log })
                try await withDeadline(10, "the next poll held\n\(first.log)") {
                    while await !fake.state.polledOffsets.contains(update + 1) { try await Task.sleep(for: .milliseconds(50)) }
                }
                // Telegram has the message once its answer left the fake; acpd records its id a moment
                // later. A kill inside that moment is the one window no client can close (Telegram has
                // no idempotent send): give the record time, well before the next chunk (6 s).
                try await Task.sleep(for: .milliseconds(500))
                _ = try await first.stop(signal: SIGKILL)
                let atKill = await fake.state.messages(chat: Self.forum, thread: 42)
                #expect(!atKill.contains { $0.text.contains("then the rest") }, "killed mid-stream: \(atKill)")
                try Self.rewind(dir, to: point, updateId: update)

                let (second, firstOffset) = try await Self.restartAndSettle(dir, fake, updateId: update)
                #expect(firstOffset == (point == .cursorStored ? update + 1 : update), "redelivered only when the cursor was lost")
                _ = try await Self.message(fake, chat: Self.forum, thread: 42, containing: "acpd restarted", { second.log })
                let topic = await fake.state.messages(chat: Self.forum, thread: 42)
                #expect(Self.occurrences(of: "first part, shown whole", in: topic) == 1, "the delivered part once: \(topic)")
                #expect(Self.occurrences(of: "acpd restarted", in: topic) == 1, "\(topic)")
                #expect(Self.occurrences(of: "echo: after restart", in: topic) == 1, "\(topic)")
                #expect(try second.runCount() == 2, "the interrupted run is not run again\n\(second.log)")
                #expect(try await second.stop() == 0, "\(second.log)")
            }
        }
    }

    @Test("SIGKILL mid-stream with a word held back: after the restart the run's message is edited in place, nothing shown is posted again")
    func killMidWord() async throws {
        try await withTemporaryDirectory { dir in
            try await TelegramFakeServer.with(token: Self.token) { fake in
                await fake.state.addForum(Self.forum, topics: [42])
                let first = try await DaemonProcess.start(in: dir, token: "api-token", config: Self.config(apiRoot: fake.apiRoot))
                await fake.state.holdPollsAfterNextDelivery()
                // The first of three chunks ends inside the long word: "echo: shownfirst" is shown,
                // the start of the long word is held back (not checkpointed).
                let prompt = "shownfirst " + String(repeating: "y", count: 90) + " [chunks=3] [delay=6000] tail"
                let update = await fake.state.enqueueText(prompt, chat: Self.forum, from: 111, topic: 42)
                _ = try await Self.message(fake, chat: Self.forum, thread: 42, containing: "echo: shownfirst", { first.log })
                try await withDeadline(10, "the next poll held\n\(first.log)") {
                    while await !fake.state.polledOffsets.contains(update + 1) { try await Task.sleep(for: .milliseconds(50)) }
                }
                // Telegram has the message once its answer left the fake; acpd records its id a moment
                // later. A kill inside that moment is the one window no client can close (Telegram has
                // no idempotent send): give the record time, well before the next chunk (6 s).
                try await Task.sleep(for: .milliseconds(500))
                _ = try await first.stop(signal: SIGKILL)
                let atKill = await fake.state.messages(chat: Self.forum, thread: 42)
                #expect(!atKill.contains { $0.text.contains("tail") }, "killed mid-stream: \(atKill)")

                let (second, _) = try await Self.restartAndSettle(dir, fake, updateId: update)
                _ = try await Self.message(fake, chat: Self.forum, thread: 42, containing: "acpd restarted", { second.log })
                let topic = await fake.state.messages(chat: Self.forum, thread: 42)
                #expect(Self.occurrences(of: "shownfirst", in: topic) == 1, "shown once: \(topic)")
                // The interrupted run's message was taken over: the notice is in the same message.
                #expect(topic.first { $0.text.contains("shownfirst") }?.messageId == atKill.first { $0.text.contains("shownfirst") }?.messageId)
                #expect(try await second.stop() == 0, "\(second.log)")
            }
        }
    }
}
