public import FastAuth
public import Logging
public import NIOCore
import NIOPosix
import NIOSSL

/// Delivers email to an SMTP server (RFC 5321) over SwiftNIO, with TLS from NIOSSL.
///
/// Each ``send(_:)`` opens one connection and closes it after the message (`EHLO`, `STARTTLS`
/// or implicit TLS, `AUTH`, `MAIL FROM`, `RCPT TO`, `DATA`, `QUIT`): no pooling, no pipelining.
/// FastAuth's mail (password resets, verification links) is a trickle, and a fresh connection
/// per message leaves nothing to go stale between messages.
///
/// TLS rules:
/// - ``Security/startTLS`` (`smtp://`, port 587 by default): the session is upgraded with
///   `STARTTLS` before anything but `EHLO` is sent; a server that does not offer it, or refuses
///   it, gets no `AUTH` and no message.
/// - ``Security/implicitTLS`` (`smtps://`, port 465 by default): TLS from the first byte.
/// - ``Security/plaintextLoopbackOnly``: no TLS, accepted only for a loopback host and never
///   with credentials (a local development catcher such as Mailpit).
///
/// The server's certificate must chain to the system's roots, or to the extra CA certificates
/// of ``Configuration/extraCACertificatePath``, and name the host (or its IP address).
///
/// Credentials are sent only inside TLS, with `AUTH PLAIN` when the server offers it, else
/// `AUTH LOGIN`. A server that offers neither gets no message (the transport does not fall back
/// to sending unauthenticated).
///
/// Errors (``EmailDeliveryError``): a 4xx reply, a refused or timed-out connection, a TLS
/// failure or a protocol violation is `.transient`; a 5xx reply, a malformed address, a header
/// with a line break, or a server without STARTTLS/AUTH support is `.permanent`.
public struct SMTPTransport: EmailTransport {
    /// How the connection is protected.
    public enum Security: Sendable, Hashable {
        /// A plain connection upgraded with `STARTTLS` first (required: no fallback).
        case startTLS
        /// TLS from the first byte (SMTPS, RFC 8314).
        case implicitTLS
        /// No TLS: only for a loopback host, never with credentials.
        case plaintextLoopbackOnly
    }

    /// A user name and password for `AUTH`. Its descriptions never show the password.
    public struct Credentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
        CustomReflectable
    {
        public var username: String
        public var password: String

        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }

        public var description: String { "\(username):<redacted>" }
        public var debugDescription: String { description }
        public var customMirror: Mirror { Mirror(self, children: ["username": username, "password": "<redacted>"]) }
    }

    /// Where and how to connect.
    public struct Configuration: Sendable, Hashable {
        /// The server's host name or IP address (IPv6 without brackets).
        public var host: String
        /// The server's port.
        public var port: Int
        public var security: Security
        public var credentials: Credentials?
        /// The name sent with `EHLO`; `nil` sends the connection's local address as an address
        /// literal (`[192.0.2.1]`), which every server accepts.
        public var heloName: String?
        /// The longest the TCP connection may take to open.
        public var connectTimeout: Duration
        /// The longest each step may take: writing a command (or the message) and reading the
        /// reply to it, the TLS handshake included.
        public var commandTimeout: Duration
        /// A PEM file of CA certificates trusted in addition to the system's roots.
        public var extraCACertificatePath: String?

        /// The default port: 465 for implicit TLS, 587 (submission) otherwise.
        public static func defaultPort(for security: Security) -> Int {
            security == .implicitTLS ? 465 : 587
        }

        public init(
            host: String, port: Int? = nil, security: Security = .startTLS, credentials: Credentials? = nil,
            heloName: String? = nil, connectTimeout: Duration = .seconds(10), commandTimeout: Duration = .seconds(60),
            extraCACertificatePath: String? = nil
        ) {
            self.host = host
            self.port = port ?? Self.defaultPort(for: security)
            self.security = security
            self.credentials = credentials
            self.heloName = heloName
            self.connectTimeout = connectTimeout
            self.commandTimeout = commandTimeout
            self.extraCACertificatePath = extraCACertificatePath
        }
    }

    public let configuration: Configuration
    private let eventLoopGroup: any EventLoopGroup
    private let sslContext: NIOSSLContext?
    private let logger: Logger

    /// Checks the configuration (a plaintext connection only to a loopback host and without
    /// credentials, a readable CA file) and prepares the TLS context.
    ///
    /// - Parameter eventLoopGroup: where connections run; by default NIO's process-wide group.
    public init(
        _ configuration: Configuration, eventLoopGroup: (any EventLoopGroup)? = nil,
        logger: Logger = Logger(label: "fastauth.email.smtp")
    ) throws(EmailTransportConfigurationError) {
        var configuration = configuration
        if configuration.host.hasPrefix("["), configuration.host.hasSuffix("]") {
            configuration.host = String(configuration.host.dropFirst().dropLast())
        }
        guard !configuration.host.isEmpty,
            configuration.host.unicodeScalars.allSatisfy({
                $0.value > 0x20 && $0.value < 0x7F && $0 != "/" && $0 != "@"
            })
        else {
            throw EmailTransportConfigurationError(
                "SMTP: the host \"\(configuration.host)\" is not a host name or IP address")
        }
        guard (1...65_535).contains(configuration.port) else {
            throw EmailTransportConfigurationError("SMTP: the port \(configuration.port) is not between 1 and 65535")
        }
        guard configuration.connectTimeout > .zero, configuration.commandTimeout > .zero else {
            throw EmailTransportConfigurationError("SMTP: the timeouts must be positive")
        }
        if let helo = configuration.heloName,
            helo.isEmpty || !helo.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
        {
            throw EmailTransportConfigurationError("SMTP: the EHLO name must be printable ASCII without spaces")
        }
        if let credentials = configuration.credentials {
            guard !credentials.username.isEmpty else {
                throw EmailTransportConfigurationError("SMTP: the user name is empty")
            }
            // AUTH PLAIN separates the fields with NUL; no line breaks inside a base64 line either way.
            guard !(credentials.username + credentials.password).unicodeScalars.contains(where: { $0.value == 0 })
            else {
                throw EmailTransportConfigurationError("SMTP: the user name or password contains a NUL character")
            }
        }
        if configuration.security == .plaintextLoopbackOnly {
            guard isLoopbackHost(configuration.host) else {
                throw EmailTransportConfigurationError(
                    "SMTP: a connection without TLS is only allowed to a loopback host (localhost, 127.0.0.1, ::1), "
                        + "not \(configuration.host)")
            }
            guard configuration.credentials == nil else {
                throw EmailTransportConfigurationError(
                    "SMTP: credentials are never sent without TLS; enable STARTTLS or use smtps://")
            }
            sslContext = nil
        } else {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.minimumTLSVersion = .tlsv12
            if let path = configuration.extraCACertificatePath {
                let certificates: [NIOSSLCertificate]
                do {
                    certificates = try NIOSSLCertificate.fromPEMFile(path)
                } catch {
                    throw EmailTransportConfigurationError(
                        "SMTP: the CA certificate file \(path) could not be read as PEM: \(error)")
                }
                guard !certificates.isEmpty else {
                    throw EmailTransportConfigurationError("SMTP: the CA certificate file \(path) holds no certificate")
                }
                tls.additionalTrustRoots = [.certificates(certificates)]
            }
            do {
                sslContext = try NIOSSLContext(configuration: tls)
            } catch {
                throw EmailTransportConfigurationError("SMTP: the TLS context could not be created: \(error)")
            }
        }
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup ?? MultiThreadedEventLoopGroup.singleton
        self.logger = logger
    }

    /// `smtp://host:port`, `smtps://host:port` or `smtp://host:port?starttls=off`: no user
    /// name, no password.
    public var name: String {
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        switch configuration.security {
        case .startTLS: return "smtp://\(host):\(configuration.port)"
        case .implicitTLS: return "smtps://\(host):\(configuration.port)"
        case .plaintextLoopbackOnly: return "smtp://\(host):\(configuration.port)?starttls=off"
        }
    }

    /// Delivers one message over a new connection. Throws ``EmailDeliveryError``.
    public func send(_ message: EmailMessage) async throws {
        let from = try Mailbox(parsing: message.from, field: "From")
        let to = try Mailbox(parsing: message.to, field: "To")
        let payload = MIMEBuilder.dotStuffed(try MIMEBuilder.build(message))
        let session = SMTPSession(
            configuration: configuration, sslContext: sslContext, eventLoopGroup: eventLoopGroup, logger: logger)
        try await session.deliver(from: from.address, to: to.address, payload: payload)
    }
}
