import FastAuth
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import Vapor

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `serve`'s HTTP/1.1 server: NIO's HTTP codec in front of the Vapor application's responder.
///
/// Vapor's own server closes the connection without a word when the codec refuses a request
/// (a 1 MB `Authorization` header resets the connection), and offers no way into its pipeline.
/// This one answers such requests: headers over the codec's limit (80 KiB) get 431
/// `{"detail": "Request Header Fields Too Large"}`, other malformed requests 400, a body over
/// ``maxBodyBytes`` 413 — then the connection is closed after the client's remaining bytes are
/// read, so the client sees the answer instead of a reset. Everything else is handed to the
/// application's responder (routes and middleware) exactly as Vapor's server would.
final class ServeHTTPServer: Server {
    /// The largest request body read into memory (the routes' own limits are smaller).
    static let maxBodyBytes = 1 << 20

    private struct State {
        var channel: (any Channel)?
        var shutdown: EventLoopPromise<Void>?
        var isShutDown = false
    }

    private let application: Application
    private let state = NIOLockedValueBox(State())

    init(application: Application) {
        self.application = application
    }

    /// Completes when the server has stopped (at once for a server never started).
    var onShutdown: EventLoopFuture<Void> {
        state.withLockedValue { state in
            state.shutdown?.futureResult ?? application.eventLoopGroup.any().makeSucceededVoidFuture()
        }
    }

    /// The bound address (port 0 picks one).
    var localAddress: SocketAddress? { state.withLockedValue { $0.channel?.localAddress } }

    func start(address: BindAddress?) throws {
        didBind(try bind(address).wait())
    }

    func start(address: BindAddress?) async throws {
        didBind(try await bind(address).get())
    }

    func shutdown() {
        guard let pending = beginShutdown() else { return }
        try? pending.channel?.close().wait()
        pending.done?.succeed(())
    }

    func shutdown() async {
        guard let pending = beginShutdown() else { return }
        try? await pending.channel?.close()
        pending.done?.succeed(())
    }

    /// What a shutdown must close and complete; `nil` when one already ran.
    private func beginShutdown() -> (channel: (any Channel)?, done: EventLoopPromise<Void>?)? {
        state.withLockedValue { state in
            guard !state.isShutDown else { return nil }
            state.isShutDown = true
            return (state.channel, state.shutdown)
        }
    }

    private func bind(_ address: BindAddress?) -> EventLoopFuture<any Channel> {
        let configuration = application.http.server.configuration
        let bootstrap = makeBootstrap(configuration)
        switch address ?? configuration.address {
        case .hostname(let host, let port):
            return bootstrap.bind(host: host ?? configuration.hostname, port: port ?? configuration.port)
        case .unixDomainSocket(let path):
            return bootstrap.bind(unixDomainSocketPath: path)
        }
    }

    private func didBind(_ bound: any Channel) {
        state.withLockedValue { state in
            state.channel = bound
            state.shutdown = bound.eventLoop.makePromise(of: Void.self)
        }
        if let local = bound.localAddress, let host = local.ipAddress, let port = local.port {
            application.http.server.configuration.logger.notice("Server started on http://\(host):\(port)")
        }
    }

    private func makeBootstrap(_ configuration: HTTPServer.Configuration) -> ServerBootstrap {
        let application = self.application
        let responder = application.responder.current
        return ServerBootstrap(group: application.eventLoopGroup)
            .serverChannelOption(ChannelOptions.backlog, value: Int32(configuration.backlog))
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: configuration.reuseAddress ? 1 : 0)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: configuration.tcpNoDelay ? 1 : 0)
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withPipeliningAssistance: true, withErrorHandling: false)
                    try channel.pipeline.syncOperations.addHandler(
                        ServeRequestHandler(application: application, responder: responder))
                }
            }
    }
}

/// One connection: collects each request, asks the responder, writes the response; answers
/// what the codec refuses (see ``ServeHTTPServer``).
final class ServeRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let application: Application
    private let responder: any Responder
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var bodyTooLarge = false
    /// Set once the connection is answered with an error: later input is read and dropped.
    private var closing = false

    init(application: Application, responder: any Responder) {
        self.application = application
        self.responder = responder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = nil
            bodyTooLarge = false
        case .body(var chunk):
            guard !bodyTooLarge else { return }
            if (body?.readableBytes ?? 0) + chunk.readableBytes > ServeHTTPServer.maxBodyBytes {
                bodyTooLarge = true
                body = nil
            } else if body == nil {
                body = chunk
            } else {
                body?.writeBuffer(&chunk)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            if bodyTooLarge {
                refuse(context, .payloadTooLarge, "Request Entity Too Large")
                return
            }
            respond(to: head, body: body, context: context)
            body = nil
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !closing else { return }
        if let parserError = error as? HTTPParserError {
            if parserError == .headerOverflow {
                refuse(context, .requestHeaderFieldsTooLarge, "Request Header Fields Too Large")
            } else {
                refuse(context, .badRequest, "Bad Request")
            }
            return
        }
        context.close(promise: nil)
    }

    private func respond(to head: HTTPRequestHead, body: ByteBuffer?, context: ChannelHandlerContext) {
        let channel = context.channel
        let request = Request(
            application: application, method: head.method, url: URI(path: head.uri), version: head.version,
            headersNoUpdate: head.headers, collectedBody: body, remoteAddress: channel.remoteAddress,
            logger: application.logger, byteBufferAllocator: channel.allocator, on: channel.eventLoop)
        let keepAlive = head.isKeepAlive
        let isHead = head.method == .HEAD
        let loopBound = NIOLoopBound((context, self), eventLoop: channel.eventLoop)
        responder.respond(to: request)
            .flatMap { response in
                response.body.collect(on: channel.eventLoop).map { (response, $0) }
            }
            .hop(to: channel.eventLoop)
            .whenComplete { result in
                let (context, handler) = loopBound.value
                switch result {
                case .success(let (response, buffer)):
                    handler.write(
                        response.status, headers: response.headers, body: isHead ? nil : buffer, version: head.version,
                        keepAlive: keepAlive, context: context)
                case .failure:
                    handler.write(
                        .internalServerError, headers: [:], body: Self.detailBody("Internal Server Error"),
                        version: head.version, keepAlive: false, context: context)
                }
            }
    }

    private func write(
        _ status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer?, version: HTTPVersion, keepAlive: Bool,
        context: ChannelHandlerContext
    ) {
        var headers = headers
        if status != .noContent, !headers.contains(name: "content-length"), headers["transfer-encoding"].isEmpty {
            headers.replaceOrAdd(name: .contentLength, value: String(body?.readableBytes ?? 0))
        }
        headers.replaceOrAdd(name: .connection, value: keepAlive ? "keep-alive" : "close")
        headers.replaceOrAdd(name: "date", value: Self.httpDate())
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        if let body, body.readableBytes > 0, status != .noContent {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            done.whenComplete { _ in loopBound.value.close(promise: nil) }
        }
    }

    /// Answers `status` with `{"detail": …}` and closes: the write side at once, the read side
    /// after a moment in which the client's remaining bytes are read and dropped (closing with
    /// unread input would reset the connection and lose the answer).
    private func refuse(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ detail: String) {
        closing = true
        var headers = HTTPHeaders()
        headers.add(name: .contentType, value: "application/json")
        let body = Self.detailBody(detail)
        headers.add(name: .contentLength, value: String(body.readableBytes))
        headers.add(name: .connection, value: "close")
        headers.add(name: "date", value: Self.httpDate())
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            let context = loopBound.value
            context.close(mode: .output, promise: nil)
            context.eventLoop.scheduleTask(in: .seconds(2)) { loopBound.value.close(promise: nil) }
        }
    }

    /// Now as an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), for the `Date` header.
    private static func httpDate() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 40)
        let count = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func detailBody(_ detail: String) -> ByteBuffer {
        ByteBuffer(bytes: JSONValue.object(["detail": .string(detail)]).jsonBytes)
    }
}
