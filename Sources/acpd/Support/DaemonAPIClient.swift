import ACPControlPlane
import AsyncHTTPClient
import Bindings
import ChatCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSONKit
import NIOCore

/// Asks a running `acpd run` (its HTTP API at `api.listen`, with `api.token`) for what only the
/// daemon knows, such as each chat account's state. Short timeouts: no daemon is a normal answer.
enum DaemonAPIClient {
    /// The chat accounts as the running daemon reports them (`GET /v1/channels`), or why not
    /// (no daemon answers, a wrong token, an unexpected answer).
    static func channels(_ config: ACPDConfig) async -> Result<[ChannelAccountStatus], DaemonUnreachable> {
        let host = config.api.host == "0.0.0.0" || config.api.host == "::" || config.api.host.isEmpty ? "127.0.0.1" : config.api.host
        let authority = host.contains(":") ? "[\(host)]" : host
        var request = HTTPClientRequest(url: "http://\(authority):\(config.api.port)/v1/channels")
        if let token = config.api.token { request.headers.add(name: "Authorization", value: "Bearer \(token.value)") }
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(3))
            let body = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok else {
                return .failure(DaemonUnreachable(reason: "the daemon at \(config.api.listen) answered HTTP \(response.status.code)"
                                                  + (response.status.code == 401 ? " (api.token differs from the running daemon's)" : "")))
            }
            guard let value = body.withUnsafeReadableBytes({ try? JSONParser.parse($0) }), case .array(let items)? = value["channels"] else {
                return .failure(DaemonUnreachable(reason: "the daemon at \(config.api.listen) gave an unexpected answer"))
            }
            return .success(items.compactMap(status))
        } catch {
            return .failure(DaemonUnreachable(reason: "no daemon answers at \(config.api.listen)"))
        }
    }

    /// The chat accounts as the running daemon reports them, else as the config declares them
    /// (all `stopped`) with why no daemon was asked.
    static func accounts(_ config: ACPDConfig) async -> (accounts: [ChannelAccountStatus], note: String?) {
        switch await channels(config) {
        case .success(let accounts): (accounts, nil)
        case .failure(let why): (configured(config), why.reason)
        }
    }

    /// Asks the running daemon to start, stop or restart `<channel>:<account>`; the account as it
    /// stands after, or why not (no daemon, unknown account, a wrong token). Waits up to 15 s: the
    /// daemon answers once the account reached its new state (or 10 s passed).
    static func control(_ config: ACPDConfig, action: String, channel: String, account: String)
        async -> Result<ChannelAccountStatus?, DaemonUnreachable>
    {
        let host = config.api.host == "0.0.0.0" || config.api.host == "::" || config.api.host.isEmpty ? "127.0.0.1" : config.api.host
        let authority = host.contains(":") ? "[\(host)]" : host
        let path = [channel, account, action].map { PercentEncoding.encode($0) }.joined(separator: "/")
        var request = HTTPClientRequest(url: "http://\(authority):\(config.api.port)/v1/channels/\(path)")
        request.method = .POST
        if let token = config.api.token { request.headers.add(name: "Authorization", value: "Bearer \(token.value)") }
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(15))
            let body = try await response.body.collect(upTo: 1 << 20)
            let value = body.withUnsafeReadableBytes { try? JSONParser.parse($0) }
            guard response.status == .ok else {
                let message = value?["error"]?["message"]?.stringValue ?? "HTTP \(response.status.code)"
                return .failure(DaemonUnreachable(reason: "the daemon at \(config.api.listen) refused: \(message)"))
            }
            return .success(value?["channel"].flatMap(status))
        } catch {
            return .failure(DaemonUnreachable(reason: "no daemon answers at \(config.api.listen) (start, stop and restart need `acpd run`)"))
        }
    }

    /// Why the daemon could not be asked.
    struct DaemonUnreachable: Error {
        let reason: String
    }

    private static func status(_ item: JSONValue) -> ChannelAccountStatus? {
        guard let channel = item["channel"]?.stringValue.map { ConversationRef.Channel($0) },
              let account = item["account"]?.stringValue,
              let state = item["state"]?.stringValue.flatMap(ChannelAccountStatus.State.init(rawValue:)) else { return nil }
        let since = item["since"]?.stringValue.flatMap { try? Date($0, strategy: .iso8601) } ?? Date()
        return ChannelAccountStatus(channel: channel, accountId: account, state: state, since: since, lastError: item["lastError"]?.stringValue)
    }

    /// The accounts the config declares, as they stand without a daemon: `stopped`, with why.
    static func configured(_ config: ACPDConfig) -> [ChannelAccountStatus] {
        let telegram = config.channels.telegram.sorted { $0.key < $1.key }.map { id, account in
            ChannelAccountStatus(channel: .telegram, accountId: id, state: .stopped, since: Date(),
                                 lastError: account.enabled ? "acpd is not running" : "disabled in config")
        }
        let discord = config.channels.discord.keys.sorted().map { id in
            ChannelAccountStatus(channel: .discord, accountId: id, state: .stopped, since: Date(), lastError: "acpd is not running")
        }
        return telegram + discord
    }
}
