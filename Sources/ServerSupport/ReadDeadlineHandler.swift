import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// Sent up the pipeline by ``BytesArrivedHandler`` each time the socket delivers bytes.
struct BytesArrived: Sendable {}

/// First in a connection's pipeline: tells ``ReadDeadlineHandler`` (after the HTTP decoder) that bytes arrived,
/// which a half-sent header never shows as an HTTP part.
final class BytesArrivedHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireUserInboundEventTriggered(BytesArrived())
        context.fireChannelRead(data)
    }
}

/// Closes a connection whose request header is not complete within the header timeout (counted from the connection's
/// start, or from the first byte of a later request on a kept-alive connection), or whose body is not complete within
/// the body timeout of its header. Keeps the ``ConnectionRegistry`` informed of which connections are idle.
final class ReadDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum Phase {
        /// Between requests; `started` once a byte of the next one has arrived.
        case awaitingHead(started: Bool)
        /// `answered`: the response ended before the body did (an early 413, a handler that ignores the body).
        case readingBody(answered: Bool)
        case responding
    }

    private let limits: ServerLimits
    private let registry: ConnectionRegistry
    private var phase = Phase.awaitingHead(started: false)
    private var deadline: Scheduled<Void>?
    private var registration: Int?

    init(limits: ServerLimits, registry: ConnectionRegistry) {
        self.limits = limits
        self.registry = registry
    }

    func handlerAdded(context: ChannelHandlerContext) {
        registration = registry.register(context.channel)
        // The first request's header must arrive within the header timeout of the connection's start.
        phase = .awaitingHead(started: true)
        arm(context, after: limits.headerReadTimeout)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
        if let registration { registry.remove(registration) }
        registration = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        if let registration { registry.remove(registration) }
        registration = nil
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is BytesArrived else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        if case .awaitingHead(started: false) = phase {
            phase = .awaitingHead(started: true)
            setIdle(false)
            arm(context, after: limits.headerReadTimeout)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            phase = .readingBody(answered: false)
            setIdle(false)
            arm(context, after: limits.bodyReadTimeout)
        case .body:
            break
        case .end:
            disarm()
            if case .readingBody(answered: true) = phase {
                phase = .awaitingHead(started: false)
                setIdle(true)
            } else {
                phase = .responding
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            switch phase {
            case .responding:
                phase = .awaitingHead(started: false)
                setIdle(true)
            case .readingBody:
                phase = .readingBody(answered: true)
            case .awaitingHead:
                break
            }
        }
        context.write(data, promise: promise)
    }

    private func setIdle(_ idle: Bool) {
        if let registration { registry.setIdle(registration, idle) }
    }

    private func arm(_ context: ChannelHandlerContext, after timeout: Duration) {
        disarm()
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            loopBound.value.close(promise: nil)
        }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}

/// `HTTP1Channel` with ``BytesArrivedHandler`` in front, so that ``ReadDeadlineHandler`` sees half-sent headers.
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let inner: HTTP1Channel

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(BytesArrivedHandler(), position: .first)
        }.flatMap {
            inner.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        let address = value.channel.remoteAddress?.ipAddress ?? value.channel.remoteAddress?.description
        await ClientAddress.$current.withValue(address) {
            await inner.handle(value: value, logger: logger)
        }
    }
}
