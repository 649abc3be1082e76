import JSONKit
import ACPControlPlane
import Bindings
import ChatCore
import ChatHTTP
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird
import Logging
import Prometheus

/// What the HTTP API needs from the daemon.
struct APIDependencies: Sendable {
    var store: ControlPlaneStore
    var token: Secret?
    var registry: PrometheusCollectorRegistry
    var httpChannel: HTTPChannel?
    /// The redaction in force (follows reloads): API answers hide secrets as chat replies do.
    var redaction: RedactorBox
    /// Whether the daemon can take work (`/readyz`), why not, and the backends' health.
    var readiness: @Sendable () async -> ReadinessReport
    /// How each chat account stands (`/readyz`, `GET /v1/channels`).
    var accounts: @Sendable () -> [ChannelAccountStatus] = { [] }
    /// Starts, stops or restarts one chat account (`POST /v1/channels/{channel}/{account}/{action}`).
    var controlChannel: @Sendable (ChannelControl.Action, String, String) async -> ChannelControl.Outcome = { _, _, _ in .unknownAccount }
}

/// The HTTP API of `acpd run` (CONTRACT.md §7, docs/http-api.md) on Hummingbird.
enum APIServer {
    /// The routes; every path but `/healthz` and `/readyz` needs `Authorization: Bearer <api.token>`
    /// (`BearerTokenMiddleware`). Errors a route throws become JSON errors by kind
    /// (`APIErrorMiddleware`). The http channel mounts its own route collection.
    static func router(_ deps: APIDependencies) -> Hummingbird.Router<BasicRequestContext> {
        let root = Hummingbird.Router()
        root.add(middleware: APIErrorMiddleware())
        root.get("/healthz") { _, _ in APIResponses.json(["status": "ok"]) }
        // Open, like /healthz; the reasons behind "not ready" (paths, commands) only with the token.
        root.get("/readyz") { request, _ in
            let full = await deps.readiness()
            let authorised = deps.token.map { BearerToken(token: $0).accepts(request.headers[.authorization]) } ?? true
            let state = authorised ? full : full.withoutReasons
            // Each chat account's state (its errors only through GET /v1/channels, with the token).
            let accounts = Dictionary(deps.accounts().map { ($0.name, JSONValue($0.state.rawValue)) }, uniquingKeysWith: { first, _ in first })
            return APIResponses.json(["ready": JSONValue(state.ready), "detail": JSONValue(state.detail),
                                      "backends": JSONValue(state.backends.mapValues(JSONValue.string)), "channels": JSONValue(accounts)],
                                     status: state.ready ? .ok : .serviceUnavailable)
        }
        let router = root.group().add(middleware: BearerTokenMiddleware(token: deps.token))
        router.get("/metrics") { request, _ in
            do {
                var buffer: [UInt8] = []
                deps.registry.emit(into: &buffer)
                return APIResponses.text(String(decoding: buffer, as: UTF8.self), contentType: "text/plain; version=0.0.4; charset=utf-8")
            }
        }
        router.get("/v1/channels") { _, _ in
            APIResponses.json(["channels": .array(deps.accounts().map(APIResponses.account))])
        }
        router.get("/v1/sessions") { request, _ in
            do {
                let sessions = try deps.store.sessions().sorted { $0.lastActivityAt > $1.lastActivityAt }
                var bound: [SessionKey: [BindingRecord]] = [:]
                for binding in try deps.store.bindings(activeOnly: true) { bound[binding.sessionKey, default: []].append(binding) }
                return APIResponses.json(["sessions": .array(sessions.map { APIResponses.session($0, bindings: bound[$0.key] ?? [], redactor: deps.redaction.current) })])
            }
        }
        router.get("/v1/sessions/{key}") { request, context in
            do {
                guard let raw = context.parameters.get("key"), let key = SessionKey(raw) else {
                    return APIResponses.error(.badRequest, code: ACPError.Code.invalidArgument.rawValue, "not a session key")
                }
                guard let session = try deps.store.session(key) else {
                    return APIResponses.error(.notFound, code: ACPError.Code.sessionNotFound.rawValue, "no session \(raw)")
                }
                return APIResponses.json(APIResponses.session(session, bindings: try deps.store.bindings(activeOnly: true, session: key),
                                                                 redactor: deps.redaction.current))
            }
        }
        router.get("/v1/bindings") { request, _ in
            do {
                return APIResponses.json(["bindings": .array(try deps.store.bindings(activeOnly: true).map(APIResponses.binding))])
            }
        }
        router.get("/v1/runs/{id}") { request, context in
            do {
                guard let raw = context.parameters.get("id"), let id = RunID(raw) else {
                    return APIResponses.error(.badRequest, code: ACPError.Code.invalidArgument.rawValue, "not a run id")
                }
                guard let run = try deps.store.run(id) else {
                    return APIResponses.error(.notFound, code: "HTTP_NOT_FOUND", "no run \(raw)")
                }
                return APIResponses.json(APIResponses.run(run, redactor: deps.redaction.current))
            }
        }
        OperatorRoutes.add(to: router, deps)
        router.addRoutes(HTTPChannelRoutes.collection(deps.httpChannel))
        return root
    }
}

/// Every API path but `/healthz` and `/readyz`: answers 401 without `Authorization: Bearer
/// <api.token>` (when a token is configured; the scheme in any case, see `BearerToken`).
struct BearerTokenMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let token: Secret?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let token, !BearerToken(token: token).accepts(request.headers[.authorization]) {
            return APIResponses.error(.unauthorized, code: "HTTP_UNAUTHORIZED", "missing or wrong bearer token")
        }
        return try await next(request, context)
    }
}
