/// A short test connection to the gateway, for `acpd doctor`: identify with acpd's intents and
/// report whether READY came, or why not (4004 token, 4014 Message Content intent, …). It uses
/// one identify of the bot's daily session start limit.
public enum GatewayProbe {
    /// What the test connection found.
    public enum Outcome: Sendable, Equatable {
        /// READY arrived: the token and the intents are accepted.
        case ready
        /// The gateway refused the account.
        case failed(GatewayFailure)
        /// No READY within the time: the reason last seen.
        case noAnswer(String)
    }

    /// Connects with `rest`'s token for at most `timeout`, then closes.
    public static func run(rest: DiscordREST, token: String, timeout: Duration) async -> Outcome {
        var options = GatewayConnection.Options()
        options.backoff = ReconnectBackoff(base: .milliseconds(200), cap: .seconds(1))
        let connection = GatewayConnection(token: token, options: options, logger: .init(label: "acpd.discord.probe")) {
            try await rest.gatewayForConnection()
        }
        return await withTaskGroup(of: Outcome?.self) { group in
            group.addTask { await connection.run(); return nil }
            group.addTask {
                var last = "no answer"
                for await event in connection.events {
                    switch event {
                    case .ready, .resumed: return .ready
                    case .failed(let failure): return .failed(failure)
                    case .disconnected(let code): last = code.map { "closed with \($0)" } ?? "the connection dropped"
                    case .dispatch: continue
                    }
                }
                return .noAnswer(last)
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return .noAnswer("no READY within \(timeout)")
            }
            var outcome = Outcome.noAnswer("no answer")
            while let next = await group.next() {
                if let next {
                    outcome = next
                    break
                }
            }
            group.cancelAll()
            return outcome
        }
    }
}
