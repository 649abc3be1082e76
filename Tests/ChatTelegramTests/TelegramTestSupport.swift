import ACPControlPlane
import AsyncHTTPClient
import ChatTelegram
import Foundation
import TelegramFake
import TestSupport

/// The bot token the tests' fakes accept.
let testToken = "123456:TEST-token"
/// The forum supergroup of the tests, with topics 42 and 43.
let forumChat: Int64 = -1_001_234_567_890

/// Runs `body` with a fresh fake Bot API (a forum with topics 42 and 43) and an HTTP client
/// that is shut down afterwards.
func withFakeTelegram<T: Sendable>(_ body: @Sendable (TelegramFakeServer, HTTPClient) async throws -> T) async throws -> T {
    try await TelegramFakeServer.with(token: testToken) { fake in
        await fake.state.addForum(forumChat, topics: [42, 43])
        let client = TelegramBotAPI.makeHTTPClient()
        do {
            let result = try await body(fake, client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}

/// A channel for account `default` against `fake`, with short waits for tests.
func telegramChannel(_ fake: TelegramFakeServer, _ client: HTTPClient, store: ControlPlaneStore? = nil,
                 requestTimeout: Duration = .seconds(5), pollTimeout: Int = 1) -> TelegramChannel {
    TelegramChannel(accountId: "default",
                    api: TelegramBotAPI(apiRoot: fake.apiRoot, token: testToken, client: client, requestTimeout: requestTimeout),
                    store: store,
                    options: .init(pollTimeoutSeconds: pollTimeout, chatInterval: .milliseconds(10), conflictRetry: .seconds(1),
                                   backoffBase: .milliseconds(50), backoffCap: .milliseconds(200)))
}

/// Waits (up to `seconds`) until `condition` holds, checking every 20 ms.
func eventually(_ what: String, within seconds: Double = 10, _ condition: @escaping @Sendable () async throws -> Bool) async throws {
    try await withDeadline(seconds, what) {
        while try await !condition() { try await Task.sleep(for: .milliseconds(20)) }
    }
}
