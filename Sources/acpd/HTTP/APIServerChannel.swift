import Bindings
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// The API's HTTP/1 server with acpd's connection limits (`api.headerTimeoutSeconds`,
/// `api.idleTimeoutSeconds`, `api.maxConnections`, docs/http-api.md "Limits"): Hummingbird's
/// `HTTP1Channel` with its idle timeout, plus `RequestBytesObserver` in front of the HTTP decoder
/// and `ConnectionGuardHandler` after it.
///
/// The limits keep the API from exhausting file descriptors, which acpd cannot survive well:
/// SwiftNIO's `ServerBootstrap` (Hummingbird's) has an `AcceptBackoffHandler` that pauses
/// accepting for a second after EMFILE, but NIO leaves the listening socket registered for
/// readability after the failed accept, so the event loop spins anyway; and libdispatch traps
/// when it cannot open a file (docs/http-api.md "Limits"). `Daemon.connectionLimit` keeps
/// `api.maxConnections` under the open-file limit.
struct APIServerChannel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let http1: HTTP1Channel

    /// The server builder for `Application(server:)`; `limiter` counts the connections.
    static func builder(_ api: APIConfig, limiter: ConnectionLimiter) -> HTTPServerBuilder {
        let headerTimeout = TimeAmount.seconds(Int64(api.headerTimeoutSeconds))
        let configuration = HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionGuardHandler(limiter: limiter, headerTimeout: headerTimeout)],
            idleTimeout: .seconds(Int64(api.idleTimeoutSeconds)))
        return HTTPServerBuilder { responder in
            APIServerChannel(http1: HTTP1Channel(responder: responder, configuration: configuration))
        }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            try channel.pipeline.syncOperations.addHandler(RequestBytesObserver())
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return http1.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }
}
