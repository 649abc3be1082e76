import ACPControlPlane
@testable import Bindings
@testable import ChatCore
import Foundation
import TestSupport
import Testing

/// End to end through the router, the real session manager and store, and the demo agent.
@Suite("Router end to end", .serialized)
struct RouterTests {
    static let routed = RouterHarness.routed

    @Test("a prompt in a route-bound conversation streams back; the final message arrives once")
    func routedPrompt() async throws {
        try await RouterHarness.with { h in
            let outcome = await h.send("hello there")
            #expect(outcome.accepted)
            #expect(outcome.reply == nil)
            let runId = try #require(outcome.runId)
            #expect(try await h.waitForRunEnd(runId).state == .completed)
            let final = try await h.channel.waitForMessage(in: Self.routed, containing: "echo: hello there")
            #expect(final.runId == runId)
            await h.stopDelivery()
            #expect(await h.channel.messages(in: Self.routed, containing: "echo: hello there").count == 1)
            let destination = Self.routed.canonical
            #expect(try h.store.checkpoint(run: runId, destination: destination) == h.store.lastSeq(run: runId))
        }
    }

    @Test("spawn --bind here, then a prompt goes to the new session")
    func spawnBindHere() async throws {
        try await RouterHarness.with { h in
            let chat = ConversationRef(channel: .http, conversationId: "spawned")
            let spawn = await h.send("/acp spawn demo --bind here --label work", in: chat)
            let reply = try #require(spawn.reply)
            #expect(reply.hasPrefix("OK: spawned agent:demo:acp:"))
            #expect(reply.contains("bound here"))
            try await h.channel.waitForMessage(in: chat, containing: "OK: spawned")
            let prompt = await h.send("hi [chunks=2]", in: chat)
            let runId = try #require(prompt.runId)
            #expect(try await h.waitForRunEnd(runId).state == .completed)
            try await h.channel.waitForMessage(in: chat, containing: "echo: hi")
            let sessions = await h.send("/acp sessions", in: chat)
            #expect(sessions.reply?.contains("[work]") == true)
        }
    }

    @Test("a command whose channel shows the reply itself (repliesInline) gets it in the outcome only, not posted again")
    func inlineReply() async throws {
        try await RouterHarness.with { h in
            var inline = InboundMessage(conversation: Self.routed, senderId: "alice", text: "/acp cancel", idempotencyKey: "inline-1")
            inline.repliesInline = true
            let outcome = await h.router.handle(inline, channel: h.channel)
            #expect(outcome.reply == "OK: nothing to cancel")
            // The same command typed is posted (and goes after the inline one, so its arrival
            // shows the inline reply would have arrived by now had it been posted).
            _ = await h.send("/acp cancel", key: "typed-1")
            try await h.channel.waitForMessage(in: Self.routed, containing: "OK: nothing to cancel")
            await h.stopDelivery()
            #expect(await h.channel.messages(in: Self.routed, containing: "OK: nothing to cancel").count == 1)
        }
    }

    @Test("a reply recorded but not posted (a crash in between) is posted once when the message is redelivered")
    func replyPendingAfterCrash() async throws {
        try await RouterHarness.with { h in
            let message = InboundMessage(conversation: Self.routed, senderId: "alice", text: "/acp cancel", idempotencyKey: "crashed-1")
            // What a crash after recording the outcome and before posting its reply leaves behind.
            var recorded = InboundOutcome(accepted: true, reply: "OK: nothing to cancel")
            recorded.request = InboundOutcome.fingerprint(message)
            recorded.replyPending = true
            try h.store.complete(IdempotencyKey(scope: "http:\(Self.routed.accountId)", key: "crashed-1"), result: recorded.stored)

            let replayed = await h.router.handle(message, channel: h.channel)
            #expect(replayed.reply == "OK: nothing to cancel")
            try await h.channel.waitForMessage(in: Self.routed, containing: "OK: nothing to cancel")
            // Posted, and marked so: the next redelivery answers the outcome and posts nothing.
            _ = await h.router.handle(message, channel: h.channel)
            _ = await h.send("/acp status", key: "after-1")
            try await h.channel.waitForMessage(in: Self.routed, containing: "OK:")
            await h.stopDelivery()
            #expect(await h.channel.messages(in: Self.routed, containing: "OK: nothing to cancel").count == 1)
            // A handled command's reply is posted once and its stored outcome says so.
            guard case .completed(let stored) = try h.store.reserve(IdempotencyKey(scope: "http:\(Self.routed.accountId)", key: "crashed-1"), ttl: 3600) else {
                Issue.record("the key is no longer completed")
                return
            }
            #expect(InboundOutcome(stored: stored).replyPending == nil)
        }
    }

    @Test("cancel while idle answers nothing to cancel and starts no agent")
    func cancelIdle() async throws {
        try await RouterHarness.with { h in
            let outcome = await h.send("/acp cancel")
            #expect(outcome.reply == "OK: nothing to cancel")
            #expect(await h.manager.liveRuntimes() == 0)
            let stored = try h.store.sessions()
            #expect(stored.isEmpty)
        }
    }

    @Test("the same message twice starts one run and answers the first outcome")
    func idempotentReplay() async throws {
        try await RouterHarness.with { h in
            let first = await h.send("once only", key: "msg-1")
            let second = await h.send("once only", key: "msg-1")
            #expect(first == second)
            let runId = try #require(first.runId)
            _ = try await h.waitForRunEnd(runId)
            let key = try SessionKeys.route(agentId: "demo", conversation: Self.routed)
            #expect(try h.store.runs(session: key).count == 1)
            let spawnA = await h.send("/acp status", key: "msg-2")
            let spawnB = await h.send("/acp status", key: "msg-2")
            #expect(spawnA == spawnB)
            await h.stopDelivery()
            #expect(await h.channel.messages(in: Self.routed, containing: "echo: once only").count == 1)
            // The command reply went to the conversation once.
            #expect(await h.channel.messages(in: Self.routed, containing: "OK: \(key) is").count == 1)
        }
    }

    @Test("a prompt's outcome is stored by its run's own transaction; a prompt reusing its key in another conversation is a conflict")
    func promptOutcomeStoredWithRun() async throws {
        try await RouterHarness.with { h in
            let outcome = await h.send("stored with the run", key: "with-run")
            let runId = try #require(outcome.runId)
            let key = IdempotencyKey(scope: "http:\(Self.routed.accountId)", key: "with-run")
            let stored = InboundOutcome(stored: try #require(try h.store.completedResult(key, ttl: 3600)))
            #expect(stored.runId == runId && stored.accepted && stored.reply == nil)
            #expect(stored.request == InboundOutcome.fingerprint(
                InboundMessage(conversation: Self.routed, senderId: "alice", text: "stored with the run", idempotencyKey: "with-run")))
            // Written with the run (no reservation row was ever left in progress meanwhile).
            #expect(try h.store.run(runId) != nil)
            // The same key from another conversation asks something else: nothing runs there.
            let elsewhere = ConversationRef(channel: .http, accountId: Self.routed.accountId, conversationId: "elsewhere")
            #expect(await h.send("stored with the run", in: elsewhere, key: "with-run") == .keyConflict)
            _ = try await h.waitForRunEnd(runId)
            #expect(try h.store.runs(session: try SessionKeys.route(agentId: "demo", conversation: Self.routed)).count == 1)
        }
    }

    @Test("a key reused for a different message is a conflict: nothing runs, nothing is sent, the first outcome stays")
    func keyReusedForAnotherMessage() async throws {
        try await RouterHarness.with { h in
            let first = await h.send("/acp status", key: "reused")
            #expect(first.reply?.hasPrefix("OK: ") == true)
            let other = await h.send("/acp cancel", key: "reused")
            #expect(other == .keyConflict)
            let otherSender = await h.send("/acp status", from: "owner", key: "reused")
            #expect(otherSender == .keyConflict)
            #expect(await h.send("/acp status", key: "reused") == first)
            #expect(await h.channel.messages(in: Self.routed, containing: "nothing to cancel").isEmpty)
            #expect(await h.channel.messages(in: Self.routed, containing: "OK: ").count == 1)
        }
    }

    @Test("a used-up rate limit is marked as such in the outcome (the HTTP API answers 429)")
    func rateLimitRefusal() async throws {
        try await RouterHarness.with { h in
            // Burst 100, 10 per second: the limit is reached within a few more than 100 messages.
            var outcomes: [InboundOutcome] = []
            for index in 0..<200 {
                outcomes.append(await h.send("/acp status", key: "rl-\(index)"))
                if outcomes.last?.refusal != nil { break }
            }
            #expect(outcomes.count > 100)
            #expect(outcomes.dropLast().allSatisfy { $0.refusal == nil && $0.reply?.hasPrefix("OK: ") == true })
            #expect(outcomes.last == InboundOutcome(accepted: true, reply: ChatReply.rateLimited, refusal: .rateLimited))
        }
    }

    @Test("a reloaded config's new secret is redacted from delivered output from then on")
    func reloadedSecretIsRedacted() async throws {
        try await RouterHarness.with { h in
            let secret = "reloaded-secret-4242"
            let before = try #require(await h.send("before \(secret) end").runId)
            _ = try await h.waitForRunEnd(before)
            try await h.channel.waitForMessage(in: Self.routed, containing: "echo: before \(secret) end")
            var reloaded = h.config
            reloaded.access.secret = Secret(secret)
            await h.router.apply(reloaded)
            await h.delivery.apply(reloaded)
            let after = try #require(await h.send("after \(secret) end").runId)
            _ = try await h.waitForRunEnd(after)
            try await h.channel.waitForMessage(in: Self.routed, containing: "echo: after [redacted] end")
            #expect(await h.channel.messages(in: Self.routed, containing: "after \(secret)").isEmpty)
        }
    }

    @Test("unauthorised senders: silent under strict, ERROR: unauthorized for a command above their rank")
    func unauthorised() async throws {
        try await RouterHarness.with { h in
            #expect(await h.send("hello", from: "mallory") == .ignored)
            #expect(await h.send("/acp sessions", from: "mallory") == .ignored)
            let doctor = await h.send("/acp doctor", from: "alice")
            #expect(doctor.reply == ChatReply.unauthorized)
            let owner = await h.send("/acp doctor", from: "owner")
            #expect(owner.reply?.hasPrefix("OK: ") == true)
            let stored = try h.store.sessions()
            #expect(stored.isEmpty)
            #expect(await h.channel.messages(in: Self.routed, containing: "mallory").isEmpty)
        }
    }

    @Test("request_approval records one pairing request; an owner approves; the sender may then prompt")
    func pairing() async throws {
        try await RouterHarness.with(unknownSenders: "request_approval") { h in
            #expect(await h.send("hello", from: "bob") == .ignored)
            #expect(await h.send("hello again", from: "bob") == .ignored)
            let requests = try h.store.pairingRequests()
            #expect(requests.count == 1)
            let id = try #require(requests.first?.id)
            #expect(await h.ownerNotices.texts == ["pairing request \(id) from http:bob in http:default:routed: answer /acp approve \(id) [--role member] or /acp deny \(id)"])
            #expect(await h.send("/acp approve \(id)", from: "alice").reply == ChatReply.unauthorized)
            #expect(await h.send("/acp approve \(id)", from: "owner").reply == "OK: approved http:bob as operator")
            let prompt = try #require(await h.send("now me", from: "bob").runId)
            #expect(try await h.waitForRunEnd(prompt).state == .completed)
        }
    }

    @Test("a permission request is shown; /acp allow answers it and the agent continues")
    func permission() async throws {
        try await RouterHarness.with { h in
            let outcome = await h.send("do it [permission]")
            let runId = try #require(outcome.runId)
            let key = try SessionKeys.route(agentId: "demo", conversation: Self.routed)
            let events = h.manager.subscribe(key)
            let manager = h.manager
            let prompt = try await withDeadline(20, "the permission request") {
                if let pending = try await manager.status(key).pendingPermissions.first { return pending }
                for await event in events { if case .permissionRequested(let prompt) = event.payload { return prompt } }
                throw CancellationError()
            }
            try await h.channel.waitForMessage(in: Self.routed, containing: "/acp allow \(prompt.id)")
            let allow = await h.send("/acp allow \(prompt.id)")
            #expect(allow.reply?.hasPrefix("OK: allowed \(prompt.id)") == true)
            #expect(try await h.waitForRunEnd(runId).state == .completed)
            try await h.channel.waitForMessage(in: Self.routed, containing: "permission: selected allow-once")
            #expect(await h.send("/acp allow \(prompt.id)").reply?.hasPrefix("ERROR: ACP_INVALID_ARGUMENT") == true)
        }
    }

    @Test("close ends the session and its runtime binding")
    func close() async throws {
        try await RouterHarness.with { h in
            let chat = ConversationRef(channel: .http, conversationId: "to-close")
            #expect(await h.send("/acp spawn --bind here", in: chat).reply?.hasPrefix("OK: spawned") == true)
            let key = try #require(try h.store.activeBindings(for: chat).first?.sessionKey)
            #expect(await h.send("/acp close", in: chat).reply == "OK: closed \(key)")
            #expect(try h.store.session(key)?.state == .closed)
            #expect(try h.store.activeBindings(for: chat).isEmpty)
            #expect(await h.send("hello", in: chat).reply?.hasPrefix("ERROR: ACP_NOT_BOUND") == true)
            let unbind = await h.send("/acp unbind", in: Self.routed)
            #expect(unbind.reply?.hasPrefix("ERROR: ACP_INVALID_ARGUMENT") == true, "\(unbind)")
        }
    }

    @Test("/new starts afresh in place with a first prompt; elsewhere ACP_NOT_BOUND")
    func newSession() async throws {
        try await RouterHarness.with { h in
            let first = try #require(await h.send("remember").runId)
            _ = try await h.waitForRunEnd(first)
            let fresh = await h.send("/new again")
            #expect(fresh.reply?.hasPrefix("OK: fresh session") == true)
            let runId = try #require(fresh.runId)
            #expect(try await h.waitForRunEnd(runId).state == .completed)
            try await h.channel.waitForMessage(in: Self.routed, containing: "echo: again")
            let elsewhere = ConversationRef(channel: .http, conversationId: "nowhere")
            #expect(await h.send("/new", in: elsewhere).reply?.hasPrefix("ERROR: ACP_NOT_BOUND") == true)
        }
    }

    @Test("after a restart on the same store: replays start nothing, undelivered output arrives once")
    func restartReplay() async throws {
        try await withTemporaryDirectory { dir in
            let h = try await RouterHarness(dir: dir)
            h.startDelivery()
            let first = await h.send("before restart", key: "k1")
            let firstRun = try #require(first.runId)
            _ = try await h.waitForRunEnd(firstRun)
            try await h.channel.waitForMessage(in: Self.routed, containing: "echo: before restart")
            await h.stopDelivery()
            // Delivery is down: this run's output stays undelivered.
            let second = try #require(await h.send("while down", key: "k2").runId)
            _ = try await h.waitForRunEnd(second)
            try await h.restart()
            #expect(await h.send("before restart", key: "k1") == first)
            h.startDelivery()
            try await h.channel.waitForMessage(in: Self.routed, containing: "echo: while down")
            let third = try #require(await h.send("after restart", key: "k3").runId)
            _ = try await h.waitForRunEnd(third)
            try await h.channel.waitForMessage(in: Self.routed, containing: "echo: after restart")
            await h.stopDelivery()
            #expect(await h.channel.messages(in: Self.routed, containing: "echo: before restart").isEmpty)
            #expect(await h.channel.messages(in: Self.routed, containing: "echo: while down").count == 1)
            let key = try SessionKeys.route(agentId: "demo", conversation: Self.routed)
            #expect(try h.store.runs(session: key).count == 3)
            #expect(try h.store.pendingDeliveries().isEmpty)
            await h.shutdown()
        }
    }

    @Test("run() consumes the channel's inbound stream until cancelled")
    func runLoop() async throws {
        try await RouterHarness.with { h in
            let router = h.router
            let loop = Task { await router.run() }
            h.channel.queue.offer(InboundMessage(conversation: Self.routed, senderId: "alice", text: "/acp cancel",
                                                               idempotencyKey: "loop-1")) { _ in }
            try await h.channel.waitForMessage(in: Self.routed, containing: "OK: nothing to cancel")
            loop.cancel()
            await loop.value
        }
    }

    @Test("run(): a slow spawn in one conversation does not hold up another; each answers in its own conversation")
    func inboundConversationsRunInParallel() async throws {
        try await RouterHarness.with { h in
            let router = h.router
            let loop = Task { await router.run() }
            let lobby = ConversationRef(channel: .http, conversationId: "lobby")
            h.channel.queue.offer(InboundMessage(conversation: lobby, senderId: "owner",
                                                               text: "/acp spawn slow --bind here", idempotencyKey: "par-1")) { _ in }
            h.channel.queue.offer(InboundMessage(conversation: Self.routed, senderId: "alice", text: "/acp cancel",
                                                               idempotencyKey: "par-2")) { _ in }
            try await h.channel.waitForMessage(in: Self.routed, containing: "OK: nothing to cancel")
            #expect(await h.channel.messages(in: lobby, containing: "spawned").isEmpty,
                    "the slow agent (2 s start) cannot have answered yet unless the other conversation waited for it")
            try await h.channel.waitForMessage(in: lobby, containing: "OK: spawned", seconds: 30)
            loop.cancel()
            await loop.value
        }
    }

    @Test("spawn --thread auto binds a new thread; output goes there, not to the parent")
    func spawnThread() async throws {
        try await RouterHarness.with(threads: true) { h in
            let parent = ConversationRef(channel: .http, conversationId: "lobby")
            let spawn = await h.send("/acp spawn --thread auto", in: parent)
            #expect(spawn.reply?.contains("bound to http:default:lobby/t1") == true, "\(spawn)")
            let thread = ConversationRef(channel: .http, conversationId: "lobby/t1", parentConversationId: "lobby")
            let runId = try #require(await h.send("in thread", in: thread).runId)
            _ = try await h.waitForRunEnd(runId)
            try await h.channel.waitForMessage(in: thread, containing: "echo: in thread")
            #expect(await h.channel.messages(in: parent, containing: "echo:").isEmpty)
            #expect(await h.send("/acp spawn --bind here --thread auto", in: parent).reply?.hasPrefix("ERROR: ACP_INVALID_ARGUMENT") == true)
        }
    }

    @Test("spawn --thread auto where the agent cannot start: the new thread is removed, nothing is stored")
    func spawnThreadRollsBackTheThread() async throws {
        try await RouterHarness.with(threads: true) { h in
            let parent = ConversationRef(channel: .http, conversationId: "lobby")
            let spawn = await h.send("/acp spawn broken --thread auto", from: "owner", in: parent)
            #expect(spawn.reply?.hasPrefix("ERROR: ") == true, "\(spawn)")
            let removed = await h.channel.record.removedThreads
            #expect(removed.map(\.conversationId) == ["lobby/t1"])
            let sessions = try h.store.sessions()
            let bindings = try h.store.bindings(activeOnly: true)
            #expect(sessions.isEmpty)
            #expect(!bindings.contains { $0.conversation.conversationId.hasPrefix("lobby") })
        }
    }

    @Test("spawn --thread auto where the conversation cannot have threads is an error with a hint; nothing starts")
    func spawnThreadWithoutThreads() async throws {
        try await RouterHarness.with(threads: false) { h in
            let parent = ConversationRef(channel: .http, conversationId: "lobby")
            let spawn = await h.send("/acp spawn --thread auto", in: parent)
            #expect(spawn.reply == "ERROR: ACP_INVALID_ARGUMENT: this conversation cannot have threads or topics\nnext: use --bind here to bind this conversation itself",
                    "\(spawn)")
            let sessions = try h.store.sessions()
            #expect(sessions.isEmpty)
        }
    }

    @Test("dispatch disabled: prompts answer ACP_DISPATCH_DISABLED and start nothing; commands still work")
    func dispatchDisabled() async throws {
        try await RouterHarness.with(dispatch: false) { h in
            let outcome = await h.send("hello")
            #expect(outcome.reply?.hasPrefix("ERROR: ACP_DISPATCH_DISABLED: ") == true)
            #expect(outcome.reply?.contains("\nnext: ") == true)
            #expect(outcome.runId == nil)
            #expect(await h.send("/acp cancel").reply == "OK: nothing to cancel")
            let stored = try h.store.sessions()
            #expect(stored.isEmpty)
        }
    }

    @Test("one send path: a command reply queued behind a run's output arrives after it")
    func replyQueuedBehindOutput() async throws {
        try await RouterHarness.with { h in
            await h.channel.trouble.hold()
            let prompt = await h.send("hello ordering")
            let runId = try #require(prompt.runId)
            // The run's final message is in the channel's hands (held): the conversation's queue is busy.
            try await withDeadline(20, "the run's output to reach the channel") {
                while await h.channel.trouble.heldCalls == 0 { try await Task.sleep(for: .milliseconds(10)) }
            }
            let status = Task { await h.send("/acp status") }
            // The reply waits in the queue behind the held output; let the output go.
            try await Task.sleep(for: .milliseconds(200))
            #expect(await h.channel.messages(in: Self.routed, containing: "OK: ").isEmpty,
                    "the reply must not overtake the run's output")
            await h.channel.trouble.release()
            let outcome = await status.value
            #expect(outcome.reply?.hasPrefix("OK: ") == true)
            let sent = await h.channel.messages(in: Self.routed)
            let output = try #require(sent.firstIndex { $0.runId == runId && $0.text.contains("echo: hello ordering") })
            let reply = try #require(sent.firstIndex { $0.kind == .command && $0.text.hasPrefix("OK: ") })
            #expect(output < reply, "\(sent.map(\.text))")
        }
    }

    @Test("one send path: a reply hit by a 429 arrives once, after the retry-after")
    func replyRetriedAfterRateLimit() async throws {
        try await RouterHarness.with { h in
            await h.channel.trouble.failCommands([.rateLimited(retryAfter: .milliseconds(400))])
            let clock = ContinuousClock()
            let started = clock.now
            let outcome = await h.send("/acp sessions")
            let elapsed = clock.now - started
            #expect(outcome.reply?.hasPrefix("OK: ") == true)
            #expect(elapsed >= .milliseconds(400), "the reply went out before the retry-after: \(elapsed)")
            let replies = await h.channel.messages(in: Self.routed).filter { $0.kind == .command }
            #expect(replies.count == 1, "\(replies.map(\.text))")
            let attempts = await h.channel.attempts.all.filter { $0.0 == .command }
            #expect(attempts.count == 2, "one refused attempt, one delivered")
        }
    }

    @Test("a permission button follows the typed command's rule: a member is refused, an approver answers")
    func permissionButtons() async throws {
        try await RouterHarness.with { h in
            let room = ConversationRef(channel: .http, conversationId: "members-room")
            let outcome = await h.send("do it [permission]", from: "mallory", in: room)
            let runId = try #require(outcome.runId, "a member may prompt: \(outcome)")
            let key = try SessionKeys.route(agentId: "demo", conversation: room)
            let manager = h.manager
            let events = manager.subscribe(key)
            let prompt = try await withDeadline(20, "the permission request") {
                if let pending = try await manager.status(key).pendingPermissions.first { return pending }
                for await event in events { if case .permissionRequested(let prompt) = event.payload { return prompt } }
                throw CancellationError()
            }
            func press(_ sender: String) async -> InboundOutcome {
                await h.router.handle(InboundMessage(conversation: room, senderId: sender, text: "", idempotencyKey: UUID().uuidString,
                                                     buttonPayload: "/acp allow \(prompt.id)"), channel: h.channel)
            }
            #expect(await press("mallory").reply == "ERROR: unauthorized")
            #expect(await press("stranger-elsewhere").reply == "ERROR: unauthorized")
            #expect(try await manager.status(key).pendingPermissions.map(\.id) == [prompt.id], "still pending")
            #expect(await press("quinn").reply?.hasPrefix("OK: allowed \(prompt.id)") == true)
            #expect(try await h.waitForRunEnd(runId).state == .completed)
        }
    }

    @Test("a key still in flight answers the first outcome, not an empty one (issue 11, finding 5)")
    func keyInFlightAnswersTheFirstOutcome() async throws {
        try await RouterHarness.with { h in
            let router = h.router, channel = h.channel
            let message = InboundMessage(conversation: Self.routed, senderId: "alice", text: "hello in flight", idempotencyKey: "same-key")
            // Straight into handle, side by side (the lanes would serialise them): the same key at once.
            let outcomes = await withTaskGroup(of: InboundOutcome.self) { group in
                for _ in 0..<20 { group.addTask { await router.handle(message, channel: channel) } }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let runIds = Set(outcomes.compactMap(\.runId))
            #expect(runIds.count == 1, "one run for one key: \(outcomes)")
            #expect(outcomes.allSatisfy { $0.accepted && $0.runId != nil }, "every answer names the run: \(outcomes)")
            // Another message under the same key while the first is in flight: a conflict, nothing done.
            let other = InboundMessage(conversation: Self.routed, senderId: "alice", text: "something else", idempotencyKey: "key-2")
            let first = InboundMessage(conversation: Self.routed, senderId: "alice", text: "first", idempotencyKey: "key-2")
            async let a = router.handle(first, channel: channel)
            async let b = router.handle(other, channel: channel)
            let pair = await [a, b]
            #expect(pair.filter { $0.refusal == .keyConflict }.count == 1, "\(pair)")
            #expect(pair.filter { $0.runId != nil }.count == 1, "\(pair)")
        }
    }
}
