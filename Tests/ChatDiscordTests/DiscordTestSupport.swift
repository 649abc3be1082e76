import ACPControlPlane
import AsyncHTTPClient
import ChatCore
import ChatDiscord
import DiscordFake
import Foundation
import Logging
import TestSupport

/// The bot token the tests' fakes accept.
let discordToken = "discord-test-token"
/// A user of the tests.
let discordUser = "222222222222222222"

/// Runs `body` with a fresh fake Discord and an HTTP client that is shut down afterwards.
func withFakeDiscord<T: Sendable>(_ body: @Sendable (DiscordFakeServer, HTTPClient) async throws -> T) async throws -> T {
    try await DiscordFakeServer.with(token: discordToken) { fake in
        let client = DiscordREST.makeHTTPClient()
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
func discordChannel(_ fake: DiscordFakeServer, _ client: HTTPClient, requestTimeout: Duration = .seconds(5),
                    token: String = discordToken) -> DiscordChannel {
    var logger = Logger(label: "test.discord")
    logger.logLevel = .warning
    return DiscordChannel(accountId: "default", token: token,
                          rest: DiscordREST(apiBase: fake.apiBase, token: token, client: client, requestTimeout: requestTimeout),
                          options: .init(gateway: .init(backoff: ReconnectBackoff(base: .milliseconds(50), cap: .milliseconds(400)),
                                                        closeTimeout: .milliseconds(500))),
                          logger: logger)
}

/// Waits (up to `seconds`) until `condition` holds, checking every 20 ms.
/// (30 s by default: in a full parallel test run on two cores, the first seconds of every suite
/// starting at once can hold the gateway's handshake past 10 s; alone it connects in milliseconds.)
func eventually(_ what: String, within seconds: Double = 30, _ condition: @escaping @Sendable () async throws -> Bool) async throws {
    try await withDeadline(seconds, what) {
        while try await !condition() { try await Task.sleep(for: .milliseconds(20)) }
    }
}
