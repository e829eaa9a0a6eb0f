import FastAuth
import FastAuthHummingbird
import FastAuthOAuth
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import ServiceLifecycle

/// `serve` on Hummingbird 2 (the default adapter): the route table, its background work and
/// `/healthz`, with the HTTP edges answered as on Vapor; `runService()` stops gracefully on
/// SIGINT/SIGTERM.
enum HummingbirdServer {
    /// Serves until SIGINT or SIGTERM, then lets in-flight requests and the background work end.
    static func run(
        settings: ServeSettings, auth: AuthService, socialSignIn: SocialSignIn?, logger: Logger
    ) async throws {
        try await makeApplication(settings: settings, auth: auth, socialSignIn: socialSignIn, logger: logger)
            .runService()
    }

    /// Starts serving in the background (`settings.port` 0 picks a free port) and returns the
    /// bound port and the function that stops the server gracefully (tests use it).
    static func start(
        settings: ServeSettings, auth: AuthService, socialSignIn: SocialSignIn?, logger: Logger
    ) async throws -> (port: Int, stop: @Sendable () async throws -> Void) {
        let (ports, announce) = AsyncStream.makeStream(of: Int.self)
        let app = makeApplication(settings: settings, auth: auth, socialSignIn: socialSignIn, logger: logger) {
            port in announce.yield(port)
        }
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: logger)
        let running = Task {
            defer { announce.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await running.value
            throw CancellationError()
        }
        return (
            port,
            {
                await group.triggerGracefulShutdown()
                try await running.value
            }
        )
    }

    static func makeApplication(
        settings: ServeSettings, auth: AuthService, socialSignIn: SocialSignIn?, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router(context: BasicFastAuthRequestContext.self)
        let background = auth.mount(router, socialSignIn: socialSignIn)
        router.get("healthz") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        return Application(
            router: router, server: .http1(configuration: .init(additionalChannelHandlers: [RequestErrorAnswer()])),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil),
            services: [background], onServerRunning: { channel in onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }
}

/// Answers what Hummingbird's HTTP codec refuses in the shape the routes use, as `serve` on
/// Vapor does (ServeHTTPServer): headers over the decoder's limits (80 KiB) get 431
/// `{"detail": "Request Header Fields Too Large"}`, another malformed request 400
/// `{"detail": "Bad Request"}`. The output side is then closed (the client sees the answer and an
/// end of stream); what the client still sends is read and dropped until it closes, so it gets
/// the answer rather than a reset.
final class RequestErrorAnswer: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var answered = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // After the refusal nothing else may be written on this connection.
        guard !answered else {
            promise?.succeed()
            return
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError, !answered else {
            context.fireErrorCaught(error)
            return
        }
        let tooLarge = parserError == .headerOverflow
        let body = ByteBuffer(
            string: tooLarge ? #"{"detail":"Request Header Fields Too Large"}"# : #"{"detail":"Bad Request"}"#)
        let head = HTTPResponse(
            status: tooLarge ? .requestHeaderFieldsTooLarge : .badRequest,
            headerFields: [
                .contentType: "application/json", .contentLength: String(body.readableBytes), .connection: "close",
            ])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        answered = true
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            context.close(mode: .output, promise: nil)
        }
    }
}
