import AsyncHTTPClient
import ChatCore
@testable import ChatDiscord
import DiscordFake
import JSONKit
import Testing

@Suite("discord rest rate limits", .serialized)
struct DiscordRateLimitTests {
    @Test("messages beyond a bucket wait for its reset instead of drawing 429s: none arrives while the bucket is empty")
    func bucketsRespected() async throws {
        try await withFakeDiscord { fake, client in
            await fake.state.setBuckets(limit: 3, window: .milliseconds(600))
            let rest = DiscordREST(apiBase: fake.apiBase, token: discordToken, client: client)
            let general = fake.state.generalChannel
            let started = ContinuousClock.now
            for index in 0..<8 {
                _ = try await rest.createMessage(channel: general, content: "m\(index)", components: .array([]))
            }
            let elapsed = ContinuousClock.now - started
            #expect(await fake.state.requestsWhileExhausted.isEmpty)
            #expect(await fake.state.messages(in: general).map(\.content) == (0..<8).map { "m\($0)" })
            // 8 messages in buckets of 3: two resets waited for.
            #expect(elapsed >= .milliseconds(1000), "\(elapsed)")
        }
    }

    @Test("concurrent senders into one channel share its bucket; another channel has its own (split by the major parameter)")
    func concurrentBuckets() async throws {
        try await withFakeDiscord { fake, client in
            await fake.state.setBuckets(limit: 2, window: .milliseconds(400))
            let rest = DiscordREST(apiBase: fake.apiBase, token: discordToken, client: client)
            let general = fake.state.generalChannel
            let other = fake.state.otherChannel
            // Learn both buckets first (the first request of a bucket cannot know its size).
            _ = try await rest.createMessage(channel: general, content: "learn", components: .array([]))
            _ = try await rest.createMessage(channel: other, content: "learn", components: .array([]))
            try await Task.sleep(for: .milliseconds(450))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<6 {
                    group.addTask {
                        _ = try await rest.createMessage(channel: index.isMultiple(of: 2) ? general : other, content: "c\(index)", components: .array([]))
                    }
                }
                try await group.waitForAll()
            }
            let exhausted = await fake.state.requestsWhileExhausted
            #expect(exhausted.isEmpty, "\(exhausted)")
            #expect(await fake.state.messages(in: general).count == 4)
            #expect(await fake.state.messages(in: other).count == 4)
        }
    }

    @Test("a 429 on a message is rateLimited(retryAfter) for the send queue, and holds the bucket: the next request waits it out")
    func bucket429() async throws {
        try await withFakeDiscord { fake, client in
            let rest = DiscordREST(apiBase: fake.apiBase, token: discordToken, client: client)
            let general = fake.state.generalChannel
            await fake.state.inject(.tooManyRequests(retryAfter: .milliseconds(400), global: false))
            let started = ContinuousClock.now
            do {
                _ = try await rest.createMessage(channel: general, content: "refused", components: .array([]))
                Issue.record("the 429 did not surface")
            } catch {
                guard case .rateLimited(let retryAfter?)? = (error as? DiscordAPIError)?.channelError else {
                    Issue.record("\(error) is not rateLimited with a retry-after")
                    return
                }
                #expect(retryAfter >= .milliseconds(400))
            }
            _ = try await rest.createMessage(channel: general, content: "after", components: .array([]))
            #expect(ContinuousClock.now - started >= .milliseconds(400), "the second request waited for the bucket")
            #expect(await fake.state.requestsWhileExhausted.isEmpty)
            #expect(await fake.state.messages(in: general).map(\.content) == ["after"])
        }
    }

    @Test("a global 429 holds every route; calls that may wait, wait it out and succeed")
    func global429() async throws {
        try await withFakeDiscord { fake, client in
            let rest = DiscordREST(apiBase: fake.apiBase, token: discordToken, client: client)
            await fake.state.inject(.tooManyRequests(retryAfter: .milliseconds(300), global: true))
            let started = ContinuousClock.now
            let thread = try await rest.startThread(channel: fake.state.generalChannel, name: "waits")
            #expect(thread["parent_id"]?.stringValue == fake.state.generalChannel)
            #expect(ContinuousClock.now - started >= .milliseconds(300))
            // Another route is held by the global limit too.
            let bucket = try await rest.limiter.reserve(.createMessage(fake.state.otherChannel))
            #expect(bucket == .zero, "the global hold has passed by now")
        }
    }

    @Test("a read that meets a server error is repeated; a message create is not (the send queue decides)")
    func transientReads() async throws {
        try await withFakeDiscord { fake, client in
            let rest = DiscordREST(apiBase: fake.apiBase, token: discordToken, client: client)
            let general = fake.state.generalChannel
            await fake.state.inject(.serverError)
            let info = try await rest.channel(general)
            #expect(info["id"]?.stringValue == general)
            #expect(await fake.state.requests.filter { $0 == "GET /channels/\(general)" }.count == 2)
            await fake.state.inject(.serverError)
            do {
                _ = try await rest.createMessage(channel: general, content: "x", components: .array([]))
                Issue.record("the 502 did not surface")
            } catch {
                #expect((error as? DiscordAPIError)?.channelError == ChannelError.transient("Discord answered 502: 502: Bad Gateway"))
            }
            #expect(await fake.state.messages(in: general).isEmpty)
        }
    }

    @Test("a bucket used up for longer than maxWait refuses at once without sending (bucketExhausted)")
    func longWaitRefused() async throws {
        let limiter = RateLimiter(maxWait: .milliseconds(100))
        let route = DiscordRoute.createMessage("1")
        await limiter.update(route, headers: ["x-ratelimit-bucket": "b", "x-ratelimit-limit": "5", "x-ratelimit-remaining": "0",
                                              "x-ratelimit-reset-after": "5.000"], status: 200, retryAfter: nil, global: false)
        do {
            _ = try await limiter.reserve(route)
            Issue.record("reserved on an empty bucket")
        } catch {
            guard case .bucketExhausted(let wait) = error else { Issue.record("\(error)"); return }
            #expect(wait > .seconds(4))
            #expect(error.channelError == .rateLimited(retryAfter: wait))
        }
        // Another major parameter of the same bucket is free.
        #expect(try await limiter.reserve(.createMessage("2")) == .zero)
    }

    @Test("at most globalPerSecond requests start in any second across routes; interaction callbacks are not counted")
    func globalPerSecond() async throws {
        let limiter = RateLimiter(maxWait: .seconds(5), globalPerSecond: 5)
        var waits: [Duration] = []
        for index in 0..<12 { waits.append(try await limiter.reserve(.createMessage(String(index + 1)))) }
        #expect(waits.prefix(5).allSatisfy { $0 == .zero })
        #expect(waits[5..<10].allSatisfy { $0 > .milliseconds(900) && $0 <= .seconds(1) }, "\(waits)")
        #expect(waits[10..<12].allSatisfy { $0 > .milliseconds(1900) && $0 <= .seconds(2) }, "\(waits)")
        #expect(try await limiter.reserve(.interactionCallback("1", "t")) == .zero)
    }

    @Test("every message body sets allowed_mentions to parse nothing, and buttons become action rows within Discord's limits")
    func messageBodies() {
        let body = DiscordREST.messageBody("@everyone hi", MessageComponents.rows([[ChatButton(label: "Allow", payload: "/acp allow 1")]]))
        #expect(body["allowed_mentions"] == ["parse": []])
        #expect(body["components"] == [["type": 1, "components": [["type": 2, "style": 2, "label": "Allow", "custom_id": "/acp allow 1"]]]])
        let long = String(repeating: "x", count: 101)
        let many = (0..<7).map { ChatButton(label: "b\($0)", payload: "/p \($0)") }
        let rows = MessageComponents.rows([[ChatButton(label: "too long", payload: long)], many])
        guard case .array(let list) = rows else { Issue.record("not an array"); return }
        #expect(list.count == 1, "the row with only an oversized custom_id is left out")
        guard case .array(let buttons)? = list.first?["components"] else { Issue.record("no buttons"); return }
        #expect(buttons.count == 5)
        #expect(MessageComponents.rows([]) == .array([]))
    }

    @Test("errors map to the send queue's contract", arguments: [
        (DiscordAPIError.api(status: 429, code: nil, message: "slow", retryAfter: .seconds(2), global: false), ChannelError.rateLimited(retryAfter: .seconds(2))),
        (.api(502, "Bad Gateway"), .transient("Discord answered 502: Bad Gateway")),
        (.api(404, code: 10003, "Unknown Channel"), .permanent("Discord answered 404 (code 10003): Unknown Channel")),
        (.notSent("connection refused"), .transient("Discord could not be reached: connection refused")),
        (.lost("timed out"), .outcomeUnknown("no answer from Discord: timed out")),
    ])
    func errorMapping(error: DiscordAPIError, expected: ChannelError) {
        #expect(error.channelError == expected)
    }
}
