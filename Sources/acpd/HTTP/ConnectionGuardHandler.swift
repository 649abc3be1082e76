import NIOCore
import NIOHTTPTypes

/// Fires `RequestBytesArrived` before passing on what the client sent. Sits first in a
/// connection's pipeline (before the HTTP decoder), so `ConnectionGuardHandler`, which sits after
/// it, learns that a request has begun before its head is complete.
final class RequestBytesObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireUserInboundEventTriggered(RequestBytesArrived())
        context.fireChannelRead(data)
    }
}

/// The user event of `RequestBytesObserver`.
struct RequestBytesArrived: Sendable {}

/// One API connection's guard, after the HTTP decoder: registers the connection with the
/// `ConnectionLimiter` (closing it when refused), tells it when the connection serves a request
/// and when it waits again, closes a connection whose request head does not arrive within
/// `headerTimeout`, and one whose client left while a response streams to it (`ConnectionPhase`
/// decides; this handler performs).
final class ConnectionGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limiter: ConnectionLimiter
    private let headerTimeout: TimeAmount
    private var phase = ConnectionPhase()
    private var headerTimer: Scheduled<Void>?
    /// Whether the connection was registered (once active) and holds a slot.
    private var registered = false

    init(limiter: ConnectionLimiter, headerTimeout: TimeAmount) {
        self.limiter = limiter
        self.headerTimeout = headerTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { activate(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        headerTimer?.cancel()
        headerTimer = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        activate(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        headerTimer?.cancel()
        headerTimer = nil
        if registered { limiter.closed(context.channel) }
        registered = false
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { handle(.headRead, context) }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is RequestBytesArrived: handle(.bytesArrived, context)
        case ChannelEvent.inputClosed:
            context.fireUserInboundEventTriggered(event)
            handle(.inputClosed, context)
        default: context.fireUserInboundEventTriggered(event)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let event: ConnectionPhase.Event? = switch unwrapOutboundIn(data) {
        case .head: .responseStarted
        case .end: .responseEnded
        case .body: nil
        }
        context.write(data, promise: promise)
        if let event { handle(event, context) }
    }

    private func activate(_ context: ChannelHandlerContext) {
        guard !registered else { return }
        guard limiter.open(context.channel) else {
            context.close(promise: nil)
            return
        }
        registered = true
        armHeaderTimer(context)
    }

    private func handle(_ event: ConnectionPhase.Event, _ context: ChannelHandlerContext) {
        let (next, actions) = phase.applying(event)
        phase = next
        for action in actions {
            switch action {
            case .armHeaderTimer: armHeaderTimer(context)
            case .cancelHeaderTimer:
                headerTimer?.cancel()
                headerTimer = nil
            case .requestStarted: if registered { limiter.requestStarted(context.channel) }
            case .requestsFinished: if registered { limiter.requestsFinished(context.channel) }
            case .close: context.close(promise: nil)
            }
        }
    }

    private func armHeaderTimer(_ context: ChannelHandlerContext) {
        headerTimer?.cancel()
        headerTimer = context.eventLoop.assumeIsolated().scheduleTask(in: headerTimeout) { [self] in
            headerTimer = nil
            handle(.headerTimerFired, context)
        }
    }
}

@available(*, unavailable)
extension ConnectionGuardHandler: Sendable {}

@available(*, unavailable)
extension RequestBytesObserver: Sendable {}
