import ACPControlPlane
import Bindings
import ChatCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird
import JSONKit

/// The operator endpoints of the HTTP API (CONTRACT.md §7): channel control, pairing, audit.
/// Mounted behind the bearer-token middleware with the other `/v1` routes.
enum OperatorRoutes {
    /// Adds `POST /v1/channels/{channel}/{account}/{action}`, `GET /v1/pairing`,
    /// `POST /v1/pairing/{id}/approve|deny` and `GET /v1/audit` to `router`.
    static func add(to router: RouterGroup<BasicRequestContext>, _ deps: APIDependencies) {
        router.post("/v1/channels/{channel}/{account}/{action}") { _, context in
            guard let action = context.parameters.get("action").flatMap(ChannelControl.Action.init(rawValue:)) else {
                return APIResponses.error(.notFound, code: "HTTP_NOT_FOUND", "the action is start, stop or restart")
            }
            let channel = context.parameters.get("channel") ?? ""
            let account = context.parameters.get("account") ?? ""
            let outcome = await deps.controlChannel(action, channel, account)
            let result: String
            let response: Response
            switch outcome {
            case .done(let status):
                result = "ok"
                response = APIResponses.json(["action": JSONValue(action.rawValue),
                                              "channel": status.map(APIResponses.account) ?? .null])
            case .unknownAccount:
                result = "not_found"
                response = APIResponses.error(.notFound, code: "HTTP_NOT_FOUND", "no chat account \(channel):\(account) runs in this daemon")
            case .notControllable(let why):
                result = "invalid"
                response = APIResponses.error(.badRequest, code: ACPError.Code.invalidArgument.rawValue, why)
            }
            try? deps.store.appendAudit(AuditEntry(channel: "api", accountId: account, sender: "api", command: "channels.\(action.rawValue)",
                                                   result: result, detail: "\(channel):\(account)"))
            return response
        }
        router.get("/v1/pairing") { _, _ in
            do {
                return APIResponses.json(try PairingListing.json(deps.store))
            }
        }
        router.post("/v1/pairing/{id}/{decision}") { request, context in
            do {
                guard let decision = context.parameters.get("decision"), decision == "approve" || decision == "deny" else {
                    return APIResponses.error(.notFound, code: "HTTP_NOT_FOUND", "the decision is approve or deny")
                }
                guard let id = context.parameters.get("id").flatMap({ Int64($0) }) else {
                    return APIResponses.error(.badRequest, code: ACPError.Code.invalidArgument.rawValue, "pairing request ids are numbers")
                }
                var role = SenderRole.operator
                if decision == "approve" {
                    let bytes = try await request.body.collect(upTo: 4096)
                    if bytes.readableBytes > 0 {
                        guard let body = bytes.withUnsafeReadableBytes({ try? JSONParser.parse($0) }), case .object = body else {
                            return APIResponses.error(.badRequest, code: ACPError.Code.invalidArgument.rawValue, "the body must be JSON {\"role\"?}")
                        }
                        if let raw = body["role"], raw != .null {
                            guard let given = raw.stringValue.flatMap(SenderRole.init(rawValue:)) else {
                                return APIResponses.error(.badRequest, code: ACPError.Code.invalidArgument.rawValue, "role must be operator or member")
                            }
                            role = given
                        }
                    }
                }
                let audit = AuditEntry(channel: "api", sender: "api", command: decision, result: "ok")
                guard let decided = try deps.store.decidePairing(id: id, approve: decision == "approve", role: role, by: "api", audit: audit) else {
                    return APIResponses.error(.notFound, code: "HTTP_NOT_FOUND", "no pending pairing request \(id)")
                }
                return APIResponses.json(["request": PairingListing.request(decided)])
            }
        }
        router.get("/v1/audit") { request, _ in
            do {
                var since: Date?
                if let raw = request.uri.queryParameters.get("since") {
                    guard let seconds = AuditDuration.seconds(String(raw)) else {
                        return APIResponses.error(.badRequest, code: ACPError.Code.invalidArgument.rawValue,
                                                  "since is a duration such as 90s, 15m, 24h or 7d")
                    }
                    since = Date().addingTimeInterval(-seconds)
                }
                let sender = request.uri.queryParameters.get("sender").map { String($0) }
                let limit = request.uri.queryParameters.get("limit").flatMap { Int($0) }.map { min(max($0, 1), 10_000) } ?? 1000
                let entries = try deps.store.auditEntries(since: since, sender: sender, limit: limit)
                return APIResponses.json(["entries": .array(entries.map(AuditListing.entry))])
            }
        }
    }
}
