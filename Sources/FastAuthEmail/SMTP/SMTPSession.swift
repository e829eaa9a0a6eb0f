import FastAuth
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// What the pipeline hands the session: replies, and the end of each TLS handshake.
enum SMTPInbound: Sendable {
    case reply(SMTPReply)
    /// The TLS handshake finished. `cleanBoundary` is false when plaintext bytes received
    /// before it were still waiting to be parsed (a STARTTLS response-injection attempt).
    case tlsEstablished(cleanBoundary: Bool)
}

/// The parser as a channel handler: bytes in, ``SMTPInbound`` out. A parse failure closes the
/// connection with ``SMTPProtocolError``.
final class SMTPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = SMTPInbound

    private var parser = SMTPReplyParser()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        parser.append(buffer.readableBytesView)
        do {
            while let reply = try parser.next() {
                context.fireChannelRead(wrapInboundOut(.reply(reply)))
            }
        } catch {
            context.fireErrorCaught(SMTPProtocolError(failure: error))
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            context.fireChannelRead(wrapInboundOut(.tlsEstablished(cleanBoundary: !parser.hasBufferedInput)))
            // NIOAsyncChannel hands reads on at the read-complete, which a user event lacks.
            context.fireChannelReadComplete()
        }
        context.fireUserInboundEventTriggered(event)
    }
}

struct SMTPProtocolError: Error {
    var failure: SMTPReplyParser.Failure
}

/// Set once by a scheduled timeout, read by the session after its wait ended.
private final class TimeoutFlag: Sendable {
    private let fired = Atomic<Bool>(false)
    func fire() { fired.store(true, ordering: .relaxed) }
    var hasFired: Bool { fired.load(ordering: .relaxed) }
}

/// One connection, one message.
struct SMTPSession {
    let configuration: SMTPTransport.Configuration
    let sslContext: NIOSSLContext?
    let eventLoopGroup: any EventLoopGroup
    let logger: Logger

    /// `serverHostname` for TLS: the host name (SNI and certificate check), or `nil` for an IP
    /// address (NIOSSL then checks the certificate against the peer's address).
    private var tlsServerName: String? {
        IPAddress(configuration.host) == nil ? configuration.host : nil
    }

    private var endpoint: String {
        configuration.host.contains(":")
            ? "[\(configuration.host)]:\(configuration.port)" : "\(configuration.host):\(configuration.port)"
    }

    func deliver(from: String, to: String, payload: [UInt8]) async throws {
        let implicitTLS = configuration.security == .implicitTLS
        if configuration.security != .plaintextLoopbackOnly, sslContext == nil {
            throw EmailDeliveryError(.permanent, "SMTP: no TLS context")
        }
        let sslContext = self.sslContext
        let serverName = tlsServerName
        let channel: NIOAsyncChannel<SMTPInbound, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(TimeAmount(configuration.connectTimeout))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if implicitTLS, let sslContext {
                            try channel.pipeline.syncOperations.addHandler(
                                NIOSSLClientHandler(context: sslContext, serverHostname: serverName))
                        }
                        try channel.pipeline.syncOperations.addHandler(SMTPReplyHandler())
                        return try NIOAsyncChannel<SMTPInbound, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            if case ChannelError.connectTimeout = error {
                throw EmailDeliveryError(
                    .transient,
                    "SMTP: connecting to \(endpoint) timed out after \(Self.milliseconds(configuration.connectTimeout)) ms"
                )
            }
            throw EmailDeliveryError(.transient, "SMTP: could not connect to \(endpoint): \(error)")
        }
        try await channel.executeThenClose { inbound, outbound in
            var dialogue = SMTPDialogue(
                configuration: configuration, channel: channel.channel, inbound: inbound.makeAsyncIterator(),
                outbound: outbound, sslContext: sslContext, tlsServerName: serverName, logger: logger,
                tlsActive: false)
            try await dialogue.run(from: from, to: to, payload: payload)
        }
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

/// The conversation on an open connection.
private struct SMTPDialogue {
    let configuration: SMTPTransport.Configuration
    let channel: any Channel
    var inbound: NIOAsyncChannelInboundStream<SMTPInbound>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    let sslContext: NIOSSLContext?
    let tlsServerName: String?
    let logger: Logger
    var tlsActive: Bool

    /// Whether a refusal left the connection in step, so that a polite `QUIT` can follow.
    private var inStep = true

    init(
        configuration: SMTPTransport.Configuration, channel: any Channel,
        inbound: NIOAsyncChannelInboundStream<SMTPInbound>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        sslContext: NIOSSLContext?, tlsServerName: String?, logger: Logger, tlsActive: Bool
    ) {
        self.configuration = configuration
        self.channel = channel
        self.inbound = inbound
        self.outbound = outbound
        self.sslContext = sslContext
        self.tlsServerName = tlsServerName
        self.logger = logger
        self.tlsActive = tlsActive
    }

    mutating func run(from: String, to: String, payload: [UInt8]) async throws {
        do {
            try await converse(from: from, to: to, payload: payload)
        } catch let error as EmailDeliveryError {
            if inStep { await quit() }
            throw error
        }
        await quit()
    }

    private mutating func converse(from: String, to: String, payload: [UInt8]) async throws {
        let greeting = try await exchange(nil, step: "the greeting")
        try expect(greeting, 220, step: "the greeting")

        var capabilities = try await hello()
        if configuration.security == .startTLS {
            guard capabilities.supportsStartTLS else {
                throw EmailDeliveryError(
                    .permanent,
                    "SMTP: the server does not offer STARTTLS, which smtp:// requires (nothing was sent; use smtps:// for implicit TLS)"
                )
            }
            let reply = try await exchange("STARTTLS", step: "STARTTLS")
            try expect(reply, 220, step: "STARTTLS")
            try await startTLS()
            capabilities = try await hello()
        }

        if let credentials = configuration.credentials {
            try await authenticate(credentials, capabilities: capabilities)
        }

        try expect(try await exchange("MAIL FROM:<\(from)>", step: "MAIL FROM"), 250, step: "MAIL FROM")
        let recipient = try await exchange("RCPT TO:<\(to)>", step: "RCPT TO")
        try expect(recipient, [250, 251], step: "RCPT TO")
        try expect(try await exchange("DATA", step: "DATA"), 354, step: "DATA")
        let accepted = try await exchange(bytes: payload, step: "the end of the message data")
        try expect(accepted, 250, step: "the message data")
        logger.debug("SMTP: message accepted", metadata: ["reply": "\(accepted.summary)"])
    }

    /// `EHLO`, or `HELO` when the server does not know `EHLO` (5xx): the extensions offered.
    private mutating func hello() async throws -> SMTPCapabilities {
        let name = configuration.heloName ?? Self.addressLiteral(channel.localAddress)
        let reply = try await exchange("EHLO \(name)", step: "EHLO")
        if reply.isPositiveCompletion { return SMTPCapabilities(ehlo: reply) }
        guard reply.isPermanentNegative else { try expect(reply, 250, step: "EHLO"); return SMTPCapabilities() }
        try expect(try await exchange("HELO \(name)", step: "HELO"), 250, step: "HELO")
        return SMTPCapabilities()
    }

    /// `[192.0.2.1]` or `[IPv6:2001:db8::1]` (RFC 5321 §4.1.3).
    static func addressLiteral(_ address: SocketAddress?) -> String {
        switch address {
        case .v4?: "[\(address?.ipAddress ?? "127.0.0.1")]"
        case .v6?: "[IPv6:\(address?.ipAddress ?? "::1")]"
        default: "[127.0.0.1]"
        }
    }

    /// Puts TLS under the connection after the server's `220` to `STARTTLS`, and waits for the
    /// handshake. A reply that arrives before it, or bytes that were already waiting, were sent
    /// in plaintext after the `220`: injected, and refused.
    private mutating func startTLS() async throws {
        guard let sslContext else { throw EmailDeliveryError(.permanent, "SMTP: no TLS context") }
        let serverName = tlsServerName
        let channel = self.channel
        do {
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(
                    NIOSSLClientHandler(context: sslContext, serverHostname: serverName), position: .first)
            }.get()
        } catch {
            inStep = false
            throw EmailDeliveryError(.transient, "SMTP: could not start TLS: \(error)")
        }
        let event = try await receive(step: "the TLS handshake")
        guard case .tlsEstablished(cleanBoundary: true) = event else {
            inStep = false
            throw EmailDeliveryError(
                .transient,
                "SMTP: the server sent plaintext after agreeing to STARTTLS (refused: possible response injection)")
        }
        tlsActive = true
    }

    /// `AUTH PLAIN` when offered, else `AUTH LOGIN`; only inside TLS.
    private mutating func authenticate(
        _ credentials: SMTPTransport.Credentials, capabilities: SMTPCapabilities
    ) async throws {
        guard tlsActive else {
            throw EmailDeliveryError(.permanent, "SMTP: refusing to send credentials over a connection without TLS")
        }
        let mechanisms = capabilities.authMechanisms
        if mechanisms.contains("PLAIN") {
            let token = Self.base64(Array("\0\(credentials.username)\0\(credentials.password)".utf8))
            var reply = try await exchange("AUTH PLAIN \(token)", step: "AUTH PLAIN", sensitive: true)
            if reply.code == 334 {
                reply = try await exchange(token, step: "AUTH PLAIN", sensitive: true)
            }
            try expect(reply, 235, step: "AUTH PLAIN (authentication)")
        } else if mechanisms.contains("LOGIN") {
            try expect(try await exchange("AUTH LOGIN", step: "AUTH LOGIN"), 334, step: "AUTH LOGIN")
            let user = try await exchange(
                Self.base64(Array(credentials.username.utf8)), step: "AUTH LOGIN", sensitive: true)
            try expect(user, 334, step: "AUTH LOGIN (user name)")
            let password = try await exchange(
                Self.base64(Array(credentials.password.utf8)), step: "AUTH LOGIN", sensitive: true)
            try expect(password, 235, step: "AUTH LOGIN (authentication)")
        } else if capabilities.keywords.contains("AUTH") {
            let offered = mechanisms.sorted().joined(separator: " ")
            throw EmailDeliveryError(
                .permanent,
                "SMTP: the server offers no AUTH mechanism FastAuth supports (PLAIN, LOGIN); it offers: \(offered)")
        } else {
            throw EmailDeliveryError(.permanent, "SMTP: credentials are configured but the server does not offer AUTH")
        }
    }

    private static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    /// Sends `QUIT` and waits for its reply; any failure is ignored (the outcome is decided).
    private mutating func quit() async {
        _ = try? await exchange("QUIT", step: "QUIT")
    }

    // MARK: Replies and timeouts

    private func expect(_ reply: SMTPReply, _ code: Int, step: String) throws(EmailDeliveryError) {
        try expect(reply, [code], step: step)
    }

    private func expect(_ reply: SMTPReply, _ codes: Set<Int>, step: String) throws(EmailDeliveryError) {
        guard !codes.contains(reply.code) else { return }
        // 4xx: try later; 5xx: refused; anything else is out of protocol, retried like a failure of the link.
        let kind: EmailDeliveryError.Kind = reply.isPermanentNegative ? .permanent : .transient
        throw EmailDeliveryError(kind, "SMTP: the server refused \(step): \(reply.summary)")
    }

    /// Writes `command` (a line without CRLF; `nil` writes nothing) and reads the reply, both
    /// within ``SMTPTransport/Configuration/commandTimeout``. `sensitive` keeps the line out of
    /// the log.
    private mutating func exchange(_ command: String?, step: String, sensitive: Bool = false) async throws -> SMTPReply
    {
        if let command {
            if !sensitive { logger.trace("SMTP >", metadata: ["command": "\(command.prefix(64))"]) }
            return try await exchange(bytes: Array((command + "\r\n").utf8), step: step)
        }
        return try await exchange(bytes: [], step: step)
    }

    private mutating func exchange(bytes: [UInt8], step: String) async throws -> SMTPReply {
        let flag = TimeoutFlag()
        let channel = self.channel
        let timeout = channel.eventLoop.scheduleTask(in: TimeAmount(configuration.commandTimeout)) {
            flag.fire()
            channel.close(promise: nil)
        }
        defer { timeout.cancel() }
        do {
            if !bytes.isEmpty { try await outbound.write(ByteBuffer(bytes: bytes)) }
            while true {
                switch try await nextInbound() {
                case .reply(let reply):
                    logger.trace("SMTP <", metadata: ["reply": "\(reply.summary)"])
                    return reply
                case .tlsEstablished:
                    // Implicit TLS: the handshake ends before the greeting.
                    tlsActive = true
                }
            }
        } catch {
            throw failure(error, flag: flag, step: step)
        }
    }

    /// The next pipeline event within the command timeout.
    private mutating func receive(step: String) async throws -> SMTPInbound {
        let flag = TimeoutFlag()
        let channel = self.channel
        let timeout = channel.eventLoop.scheduleTask(in: TimeAmount(configuration.commandTimeout)) {
            flag.fire()
            channel.close(promise: nil)
        }
        defer { timeout.cancel() }
        do {
            return try await nextInbound()
        } catch {
            throw failure(error, flag: flag, step: step)
        }
    }

    private struct ConnectionClosed: Error {}

    private mutating func nextInbound() async throws -> SMTPInbound {
        guard let element = try await inbound.next() else { throw ConnectionClosed() }
        return element
    }

    /// What a failed wait means: a timeout, a closed connection, a TLS failure or garbage.
    private mutating func failure(_ error: any Error, flag: TimeoutFlag, step: String) -> EmailDeliveryError {
        inStep = false
        if Task.isCancelled { return EmailDeliveryError(.transient, "SMTP: cancelled during \(step)") }
        if flag.hasFired {
            return EmailDeliveryError(
                .transient,
                "SMTP: timed out after \(SMTPSession.milliseconds(configuration.commandTimeout)) ms waiting for \(step)"
            )
        }
        switch error {
        case let error as EmailDeliveryError: return error
        case is ConnectionClosed:
            return EmailDeliveryError(.transient, "SMTP: the server closed the connection during \(step)")
        case let error as SMTPProtocolError:
            return EmailDeliveryError(.transient, "SMTP: a malformed reply during \(step): \(error.failure)")
        case let error as NIOSSLError:
            return EmailDeliveryError(.transient, "SMTP: TLS failed during \(step): \(error)")
        case let error as NIOSSLExtraError:
            return EmailDeliveryError(.transient, "SMTP: TLS failed during \(step): \(error)")
        default: return EmailDeliveryError(.transient, "SMTP: the connection failed during \(step): \(error)")
        }
    }
}
