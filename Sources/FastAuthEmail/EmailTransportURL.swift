public import AsyncHTTPClient
public import FastAuth
public import Foundation
public import Logging
public import NIOCore

/// The value of `FASTAUTH_EMAIL_TRANSPORT`, parsed: which transport delivers FastAuth's mail.
///
/// | Value | Transport |
/// |---|---|
/// | `log` | ``LogEmailTransport`` (development: links in the log, nothing delivered) |
/// | `smtp://user:pass@host:port` | ``SMTPTransport``, STARTTLS required (port 587 by default) |
/// | `smtp://host:port?starttls=off` | ``SMTPTransport`` without TLS: loopback hosts only, no credentials |
/// | `smtps://user:pass@host:port` | ``SMTPTransport``, implicit TLS (port 465 by default) |
/// | `webhook+https://host/path?token=…` | ``WebhookTransport`` posting JSON to `https://host/path` |
///
/// User name and password are percent-decoded (`%40` for `@`, `%3A` for `:`, `%2F` for `/`).
/// The webhook's bearer token is the `token` query item (percent-decoded); it is removed from
/// the URL posted to, and other query items are kept. http webhooks are accepted only for a
/// loopback host. Every malformed value is a readable ``EmailTransportConfigurationError``
/// that never repeats a password or token.
public enum EmailTransportURL: Sendable, Hashable, CustomStringConvertible, CustomReflectable {
    case log
    case smtp(SMTPTransport.Configuration)
    case webhook(url: URL, bearerToken: String?)

    /// `FASTAUTH_EMAIL_TRANSPORT`.
    public static let environmentVariable = "FASTAUTH_EMAIL_TRANSPORT"

    /// Parses one of the forms above.
    public init(parsing text: String) throws(EmailTransportConfigurationError) {
        self = try TransportURLParser.parse(text)
    }

    /// The parsed `FASTAUTH_EMAIL_TRANSPORT` of `environment`, or `nil` when it is unset.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(EmailTransportConfigurationError) -> EmailTransportURL? {
        guard let value = environment[environmentVariable] else { return nil }
        do {
            return try EmailTransportURL(parsing: value)
        } catch {
            throw EmailTransportConfigurationError("\(environmentVariable): \(error.message)")
        }
    }

    /// The transport this value names.
    ///
    /// - Parameters:
    ///   - extraCACertificatePath: a PEM file of CA certificates SMTP trusts besides the
    ///     system's roots (replaces the configuration's own; ignored by the other transports).
    ///   - eventLoopGroup: where SMTP connections run (default: NIO's process-wide group).
    ///   - httpClient: the webhook's client (default: a process-wide one that follows no redirect).
    public func makeTransport(
        extraCACertificatePath: String? = nil, logger: Logger = Logger(label: "fastauth.email"),
        eventLoopGroup: (any EventLoopGroup)? = nil, httpClient: HTTPClient? = nil
    ) throws(EmailTransportConfigurationError) -> any EmailTransport {
        switch self {
        case .log:
            return LogEmailTransport(logger: logger)
        case .smtp(var configuration):
            if let extraCACertificatePath { configuration.extraCACertificatePath = extraCACertificatePath }
            return try SMTPTransport(configuration, eventLoopGroup: eventLoopGroup, logger: logger)
        case .webhook(let url, let bearerToken):
            return try WebhookTransport(url: url, bearerToken: bearerToken, client: httpClient)
        }
    }

    /// The value without its secrets: `smtp://user:<redacted>@host:587`, `webhook+https://host/path`.
    public var description: String {
        switch self {
        case .log: return "log"
        case .smtp(let configuration):
            let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
            let user = configuration.credentials.map { "\($0.username):<redacted>@" } ?? ""
            switch configuration.security {
            case .startTLS: return "smtp://\(user)\(host):\(configuration.port)"
            case .implicitTLS: return "smtps://\(user)\(host):\(configuration.port)"
            case .plaintextLoopbackOnly: return "smtp://\(user)\(host):\(configuration.port)?starttls=off"
            }
        case .webhook(let url, let bearerToken):
            return "webhook+\(WebhookTransport.redacted(url))"
                + (bearerToken == nil ? "" : " (bearer token <redacted>)")
        }
    }

    public var customMirror: Mirror { Mirror(self, children: ["value": description]) }
}

/// The parser behind ``EmailTransportURL/init(parsing:)``: by hand rather than with `URL`,
/// so that each mistake gets its own message and percent-decoding is exact.
package enum TransportURLParser {
    typealias Failure = EmailTransportConfigurationError

    static let expected =
        "expected log, smtp://user:password@host:port, smtps://user:password@host:port or webhook+https://host/path"

    package static func parse(_ text: String) throws(EmailTransportConfigurationError) -> EmailTransportURL {
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else { throw Failure("the transport is empty; \(expected)") }
        guard value.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw Failure(
                "the transport contains a space, a control character or a non-ASCII character (percent-encode it); \(expected)"
            )
        }
        let lower = value.lowercased()
        if lower == "log" { return .log }
        if lower.hasPrefix("webhook+") { return try parseWebhook(String(value.dropFirst("webhook+".count))) }
        guard let separator = value.range(of: "://") else { throw Failure("the transport is not a URL; \(expected)") }
        let scheme = lower[..<separator.lowerBound]
        let rest = String(value[separator.upperBound...])
        switch scheme {
        case "smtp": return try parseSMTP(rest, implicitTLS: false)
        case "smtps": return try parseSMTP(rest, implicitTLS: true)
        case "http", "https": throw Failure("a webhook is written webhook+\(scheme)://host/path")
        default:
            let shown = scheme.count <= 16 ? "\"\(scheme)\"" : "\"\(scheme.prefix(16))…\""
            throw Failure("unknown transport scheme \(shown); \(expected)")
        }
    }

    // MARK: SMTP

    private static func parseSMTP(_ rest: String, implicitTLS: Bool) throws(Failure) -> EmailTransportURL {
        let scheme = implicitTLS ? "smtps" : "smtp"
        guard !rest.contains("#") else { throw Failure("\(scheme): a fragment (#…) is not allowed") }
        let (beforeQuery, query) = split(rest, at: "?")
        let (authority, path) = splitKeepingSeparator(beforeQuery, at: "/")
        guard path.isEmpty || path == "/" else {
            throw Failure("\(scheme): the URL must not have a path (\(scheme)://user:password@host:port)")
        }

        var credentials: SMTPTransport.Credentials?
        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            let userInfo = String(authority[..<at])
            hostPort = String(authority[authority.index(after: at)...])
            guard let colon = userInfo.firstIndex(of: ":") else {
                throw Failure("\(scheme): a user name needs a password (\(scheme)://user:password@host)")
            }
            let user = try percentDecoded(String(userInfo[..<colon]), what: "\(scheme): the user name")
            let password = try percentDecoded(
                String(userInfo[userInfo.index(after: colon)...]), what: "\(scheme): the password")
            guard !user.isEmpty else { throw Failure("\(scheme): the user name is empty") }
            guard !password.isEmpty else { throw Failure("\(scheme): the password is empty") }
            guard !(user + password).unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw Failure("\(scheme): the user name or password decodes to a control character")
            }
            credentials = SMTPTransport.Credentials(username: user, password: password)
        }
        let (host, port) = try parseHostPort(hostPort, scheme: scheme)

        var starttls: Bool?
        for (key, item) in try queryItems(query, scheme: scheme) {
            switch key.lowercased() {
            case "starttls":
                guard !implicitTLS else {
                    throw Failure("smtps: is implicit TLS; starttls= does not apply (use smtp:// for STARTTLS)")
                }
                guard starttls == nil else { throw Failure("smtp: starttls is given twice") }
                switch item.lowercased() {
                case "on", "required": starttls = true
                case "off": starttls = false
                default: throw Failure("smtp: starttls must be on or off")
                }
            default:
                let shown = key.count <= 24 ? key : String(key.prefix(24)) + "…"
                throw Failure(
                    "\(scheme): unknown parameter \"\(shown)\" (only starttls=off, for a loopback host, is known)")
            }
        }

        let security: SMTPTransport.Security =
            implicitTLS ? .implicitTLS : starttls == false ? .plaintextLoopbackOnly : .startTLS
        if security == .plaintextLoopbackOnly {
            guard isLoopbackHost(host) else {
                throw Failure(
                    "smtp: starttls=off is only allowed for a loopback host (localhost, 127.0.0.1, ::1), not \(host): "
                        + "mail to another host must be encrypted")
            }
            guard credentials == nil else {
                throw Failure(
                    "smtp: starttls=off with a user name and password: credentials are never sent without TLS")
            }
        }
        return .smtp(SMTPTransport.Configuration(host: host, port: port, security: security, credentials: credentials))
    }

    // MARK: Webhook

    private static func parseWebhook(_ url: String) throws(Failure) -> EmailTransportURL {
        let lower = url.lowercased()
        let scheme: String
        if lower.hasPrefix("https://") {
            scheme = "https"
        } else if lower.hasPrefix("http://") {
            scheme = "http"
        } else {
            throw Failure("webhook: expected webhook+https://host/path (or webhook+http:// for a loopback host)")
        }
        let rest = String(url.dropFirst(scheme.count + 3))
        guard !rest.contains("#") else { throw Failure("webhook: a fragment (#…) is not allowed") }
        let (beforeQuery, query) = split(rest, at: "?")
        let (authority, path) = splitKeepingSeparator(beforeQuery, at: "/")
        guard !authority.contains("@") else {
            throw Failure("webhook: the URL must not contain user info; give the bearer token as ?token=…")
        }
        let (host, port) = try parseHostPort(authority, scheme: "webhook")
        if scheme == "http", !isLoopbackHost(host) {
            throw Failure(
                "webhook: http is only allowed for a loopback host (localhost, 127.0.0.1, ::1), not \(host); use https")
        }

        var token: String?
        var kept: [String] = []
        if let query {
            for item in query.split(separator: "&", omittingEmptySubsequences: true) {
                let (key, _) = split(String(item), at: "=")
                guard key.lowercased() == "token" else {
                    kept.append(String(item))
                    continue
                }
                guard token == nil else { throw Failure("webhook: token is given twice") }
                let raw = item.firstIndex(of: "=").map { String(item[item.index(after: $0)...]) } ?? ""
                let decoded = try percentDecoded(
                    raw.replacingOccurrences(of: "+", with: "%20"), what: "webhook: the token")
                guard !decoded.isEmpty else { throw Failure("webhook: the token is empty") }
                guard decoded.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
                    throw Failure("webhook: the token must decode to printable ASCII without spaces")
                }
                token = decoded
            }
        }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let rebuilt =
            "\(scheme)://\(shownHost)\(port.map { ":\($0)" } ?? "")\(path.isEmpty ? "/" : path)"
            + (kept.isEmpty ? "" : "?" + kept.joined(separator: "&"))
        guard let parsed = URL(string: rebuilt), parsed.host != nil else {
            throw Failure("webhook: \(scheme)://\(shownHost)\(path) is not a valid URL")
        }
        return .webhook(url: parsed, bearerToken: token)
    }

    // MARK: Pieces

    /// `host`, `host:port`, `[v6]` or `[v6]:port`; the port is `nil` when not given (the
    /// scheme's default).
    private static func parseHostPort(_ text: String, scheme: String) throws(Failure) -> (host: String, port: Int?) {
        var host: String
        var portText: String?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw Failure("\(scheme): an IPv6 address without its closing ]")
            }
            host = String(text[text.index(after: text.startIndex)..<close])
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else {
                    throw Failure("\(scheme): unexpected characters after the IPv6 address")
                }
                portText = String(after.dropFirst())
            }
            guard host.contains(":"), IPAddress(host) != nil else {
                throw Failure("\(scheme): \"\(host.prefix(46))\" is not an IPv6 address")
            }
        } else {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw Failure("\(scheme): an IPv6 address must be in brackets ([::1]:587)") }
            host = String(parts[0])
            if parts.count == 2 { portText = String(parts[1]) }
            guard !host.isEmpty else { throw Failure("\(scheme): the host is missing") }
            let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_".utf8)
            guard host.utf8.count <= 253, host.utf8.allSatisfy({ allowed.contains($0) }) else {
                throw Failure("\(scheme): the host is not a valid host name or IPv4 address")
            }
            host = host.lowercased()
        }
        guard let portText else { return (host, nil) }
        guard !portText.isEmpty, portText.utf8.count <= 5, portText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let port = Int(portText), (1...65_535).contains(port)
        else { throw Failure("\(scheme): the port must be a number between 1 and 65535") }
        return (host, port)
    }

    /// `k=v&k=v`, each part percent-decoded; an item without `=` has an empty value.
    private static func queryItems(_ query: String?, scheme: String) throws(Failure) -> [(String, String)] {
        guard let query else { return [] }
        var items: [(String, String)] = []
        for item in query.split(separator: "&", omittingEmptySubsequences: true) {
            let (key, value) = split(String(item), at: "=")
            items.append(
                (
                    try percentDecoded(key, what: "\(scheme): a parameter name"),
                    try percentDecoded(value ?? "", what: "\(scheme): a parameter value")
                ))
        }
        return items
    }

    /// Before and after the first `separator` (the separator dropped); `nil` after when absent.
    private static func split(_ text: String, at separator: Character) -> (String, String?) {
        guard let index = text.firstIndex(of: separator) else { return (text, nil) }
        return (String(text[..<index]), String(text[text.index(after: index)...]))
    }

    /// Before the first `separator`, and from it on (the separator kept); "" when absent.
    private static func splitKeepingSeparator(_ text: String, at separator: Character) -> (String, String) {
        guard let index = text.firstIndex(of: separator) else { return (text, "") }
        return (String(text[..<index]), String(text[index...]))
    }

    /// Decodes `%XX` escapes; a `%` not followed by two hex digits, or bytes that are not
    /// UTF-8, are errors (naming `what`, never the value).
    package static func percentDecoded(_ text: String, what: String) throws(EmailTransportConfigurationError) -> String
    {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        func hexValue(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 0x30...0x39: byte - 0x30
            case 0x41...0x46: byte - 0x41 + 10
            case 0x61...0x66: byte - 0x61 + 10
            default: nil
            }
        }
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw Failure("\(what) has a % that is not followed by two hex digits (write %25 for %)")
            }
            bytes.append(high << 4 | low)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw Failure("\(what) does not decode to UTF-8")
        }
        return decoded
    }
}
