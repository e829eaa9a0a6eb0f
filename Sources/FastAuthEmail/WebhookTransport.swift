public import AsyncHTTPClient
public import FastAuth
public import Foundation
import NIOCore
import NIOHTTP1

/// Hands each message to an HTTP endpoint (a mail API, or a service of your own) as a JSON
/// `POST`:
///
/// ```json
/// {"from": "…", "to": "…", "subject": "…", "text": "…", "html": "…" or null}
/// ```
///
/// with `Content-Type: application/json` and, when configured, `Authorization: Bearer <token>`.
/// The URL must be https; http is accepted only for a loopback host. Redirects are not
/// followed.
///
/// A 2xx answer means sent. 429, 5xx, a timeout or a network failure is
/// ``EmailDeliveryError/Kind/transient``; any other status (4xx, 3xx, 1xx) is
/// ``EmailDeliveryError/Kind/permanent``. Errors carry the status line only, never the
/// response body (which could echo the message or a secret).
public struct WebhookTransport: EmailTransport {
    /// The endpoint the messages are posted to.
    public let url: URL
    private let bearerToken: String?
    /// The longest one request may take, the connection included.
    public let timeout: Duration
    private let client: HTTPClient

    /// The process-wide client of transports created without one: AsyncHTTPClient's shared
    /// settings, but following no redirect.
    static let nonRedirectingClient: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Checks the URL (https, or http to a loopback host; no user info) and the token.
    ///
    /// - Parameter client: the HTTP client to use (it stays the caller's to shut down; it
    ///   should not follow redirects). By default a process-wide client that follows none.
    public init(
        url: URL, bearerToken: String? = nil, timeout: Duration = .seconds(30), client: HTTPClient? = nil
    ) throws(EmailTransportConfigurationError) {
        guard let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            throw EmailTransportConfigurationError("webhook: \(Self.redacted(url)) is not an absolute http(s) URL")
        }
        guard scheme == "https" || (scheme == "http" && isLoopbackHost(host)) else {
            throw EmailTransportConfigurationError(
                scheme == "http"
                    ? "webhook: http is only allowed to a loopback host (localhost, 127.0.0.1, ::1), not \(host); use https"
                    : "webhook: the URL must be https (or http to a loopback host)")
        }
        guard url.user == nil, url.password == nil else {
            throw EmailTransportConfigurationError(
                "webhook: the URL must not contain user info; pass the bearer token separately")
        }
        if let bearerToken {
            guard !bearerToken.isEmpty, bearerToken.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
            else {
                throw EmailTransportConfigurationError(
                    "webhook: the bearer token must be printable ASCII without spaces")
            }
        }
        guard timeout > .zero else { throw EmailTransportConfigurationError("webhook: the timeout must be positive") }
        self.url = url
        self.bearerToken = bearerToken
        self.timeout = timeout
        self.client = client ?? Self.nonRedirectingClient
    }

    /// `webhook+https://host/path`: no query (it may hold secrets), no token.
    public var name: String { "webhook+\(Self.redacted(url))" }

    /// The URL without user info, query or fragment.
    static func redacted(_ url: URL) -> String {
        guard let scheme = url.scheme, let host = url.host else { return "<invalid URL>" }
        let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let port = url.port.map { ":\($0)" } ?? ""
        return "\(scheme)://\(shownHost)\(port)\(url.path)"
    }

    /// The JSON body posted for `message`.
    package static func body(_ message: EmailMessage) -> [UInt8] {
        let html: JSONValue = message.html.map { .string($0) } ?? .null
        let object: JSONValue = [
            "from": .string(message.from), "to": .string(message.to), "subject": .string(message.subject),
            "text": .string(message.text), "html": html,
        ]
        return object.jsonBytes
    }

    public func send(_ message: EmailMessage) async throws {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "FastAuthEmail")
        if let bearerToken { request.headers.add(name: "Authorization", value: "Bearer \(bearerToken)") }
        let body = Self.body(message)
        request.body = .bytes(ByteBuffer(bytes: body))

        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: TimeAmount(timeout))
        } catch let error as HTTPClientError
            where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout
        {
            throw EmailDeliveryError(.transient, "webhook: \(name) timed out")
        } catch {
            throw EmailDeliveryError(.transient, "webhook: \(name) could not be reached: \(Self.short(error))")
        }
        // The body is not used; read a little of it so that the connection can be reused.
        _ = try? await response.body.collect(upTo: 16 * 1024)
        let code = Int(response.status.code)
        switch code {
        case 200..<300:
            return
        case 429, 500..<600:
            throw EmailDeliveryError(.transient, "webhook: \(name) answered \(Self.statusLine(response.status))")
        default:
            throw EmailDeliveryError(.permanent, "webhook: \(name) answered \(Self.statusLine(response.status))")
        }
    }

    /// `503 Service Unavailable`: the code and the reason phrase, printable ASCII only and cut
    /// short (the phrase comes from the server).
    static func statusLine(_ status: HTTPResponseStatus) -> String {
        var phrase = String(
            String.UnicodeScalarView(status.reasonPhrase.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F }))
        if phrase.count > 40 { phrase = String(phrase.prefix(40)) + "…" }
        return phrase.isEmpty ? "\(status.code)" : "\(status.code) \(phrase)"
    }

    /// A client error's description, cut short (it never holds the request body).
    private static func short(_ error: any Error) -> String {
        let text = String(describing: error)
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}
