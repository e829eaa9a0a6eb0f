import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One provider request at a time: a deadline for the whole exchange, a response size limit,
/// no redirects followed, and provider bodies never surfaced in errors (logged, clipped).
struct OAuthHTTP: Sendable {
    struct Response: Sendable {
        var status: Int
        var body: [UInt8]
    }

    let client: HTTPClient
    let timeout: Duration
    let maxBytes: Int
    let logger: Logger

    /// The process-wide client of ``OAuthClient``s created without one: AsyncHTTPClient's
    /// shared settings, following no redirect (a token or API request is never re-sent elsewhere).
    static let nonRedirectingClient: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Sends a request; transport failures, timeouts and oversized bodies are
    /// ``OAuthError/Code/providerUnavailable`` with `what` in the message.
    func send(
        _ method: HTTPMethod, _ url: URL, headers: [(String, String)], form: [(String, String)]? = nil,
        what: String
    ) async throws(OAuthError) -> Response {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let form {
            let body = Self.formEncode(form)
            request.headers.replaceOrAdd(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let deadline = NIODeadline.now() + TimeAmount.nanoseconds(Self.nanoseconds(timeout))
        do {
            let response = try await client.execute(request, deadline: deadline)
            if let announced = response.headers.first(name: "Content-Length").flatMap(Int.init), announced > maxBytes {
                throw OAuthError(.providerUnavailable, "the \(what) response is over the size limit")
            }
            let buffer = try await response.body.collect(upTo: maxBytes)
            return Response(status: Int(response.status.code), body: Array(buffer.readableBytesView))
        } catch let error as OAuthError {
            throw error
        } catch is NIOTooManyBytesError {
            throw OAuthError(.providerUnavailable, "the \(what) response is over the size limit")
        } catch {
            logger.warning("OAuth request failed", metadata: ["what": "\(what)", "error": "\(error)"])
            throw OAuthError(.providerUnavailable, "the \(what) request failed or timed out")
        }
    }

    /// Logs a provider's unexpected answer: the status and at most 200 printable characters.
    func logRefusal(_ what: String, _ response: Response) {
        logger.warning(
            "OAuth provider refused a request",
            metadata: ["what": "\(what)", "status": "\(response.status)", "body": "\(Self.clip(response.body))"])
    }

    /// At most 200 printable ASCII characters of a body (for logs only).
    static func clip(_ body: [UInt8]) -> String {
        let printable = body.prefix(200).map { $0 >= 0x20 && $0 < 0x7F ? Character(UnicodeScalar($0)) : "?" }
        return String(printable) + (body.count > 200 ? "…" : "")
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : scaled.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }

    /// `application/x-www-form-urlencoded` (and query strings): everything but the RFC 3986
    /// unreserved characters percent-encoded.
    static func formEncode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    static func percentEncode(_ value: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `true` for an absolute https URL, or http on a loopback host (local development, tests).
    static func isSecureEndpoint(_ url: URL) -> Bool {
        guard let scheme = url.scheme?.lowercased(), var host = url.host?.lowercased(), !host.isEmpty else {
            return false
        }
        if scheme == "https" { return true }
        guard scheme == "http" else { return false }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
