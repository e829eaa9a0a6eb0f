public import AsyncHTTPClient
import NIOCore
import NIOHTTP1

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Fetches with AsyncHTTPClient: `GET` with `Accept: application/json` and `If-None-Match`,
/// one deadline for the whole exchange, and the body read only for a 200 and only up to the
/// limit (an announced or actual larger body is refused without reading it all).
///
/// Redirects are followed only within the requested origin and never from https to http (at
/// most 3): a JWKS or metadata address cannot be moved to another host by whoever controls a
/// redirect on the way. The default client therefore follows none by itself; a client passed in
/// should not either (`redirectConfiguration: .disallow`), or its own redirects go unchecked.
///
/// The fetcher never shuts a client down: the default one lives as long as the process, like
/// `HTTPClient.shared`; a client passed in stays the caller's to shut down.
public struct HTTPJWKSFetcher: JWKSFetcher {
    private let client: HTTPClient

    /// The process-wide client of fetchers created without one: AsyncHTTPClient's shared
    /// settings, but following no redirect itself.
    static let nonRedirectingClient: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Creates a fetcher on `client` (default: a process-wide client that follows no redirect by itself).
    public init(client: HTTPClient? = nil) {
        self.client = client ?? Self.nonRedirectingClient
    }

    public func fetch(_ request: JWKSFetchRequest) async throws -> JWKSFetchResponse {
        let deadline = NIODeadline.now() + TimeAmount(request.timeout)
        var url = request.url
        for _ in 0...Self.maxRedirects {
            var http = HTTPClientRequest(url: url.absoluteString)
            http.method = .GET
            http.headers.add(name: "Accept", value: "application/json")
            http.headers.add(name: "User-Agent", value: "FastAuthVerifier")
            if let etag = request.ifNoneMatch {
                http.headers.add(name: "If-None-Match", value: etag)
            }
            let response = try await client.execute(http, deadline: deadline)
            if [301, 302, 303, 307, 308].contains(response.status.code) {
                url = try Self.redirectTarget(
                    from: url, location: response.headers.first(name: "Location"), original: request.url)
                continue
            }
            return try await Self.read(response, maxBytes: request.maxBytes)
        }
        throw VerifierError(.fetchFailed, "more than \(Self.maxRedirects) redirects")
    }

    static let maxRedirects = 3

    /// Where a redirect from `current` to `location` leads, if it may be followed: the same
    /// origin as the `original` request, never from https to http.
    static func redirectTarget(from current: URL, location: String?, original: URL) throws(VerifierError) -> URL {
        guard let location, let target = URL(string: location, relativeTo: current)?.absoluteURL else {
            throw VerifierError(.fetchFailed, "a redirect without a usable Location")
        }
        guard let from = RemoteTokenVerifier.Origin(original), let to = RemoteTokenVerifier.Origin(target), from == to
        else {
            throw VerifierError(.fetchFailed, "a redirect to another origin was refused")
        }
        return target
    }

    private static func read(_ response: HTTPClientResponse, maxBytes: Int) async throws -> JWKSFetchResponse {
        let cacheControl = response.headers["Cache-Control"]
        var result = JWKSFetchResponse(
            status: Int(response.status.code),
            cacheControl: cacheControl.isEmpty ? nil : cacheControl.joined(separator: ", "),
            etag: response.headers.first(name: "ETag"))
        guard response.status == .ok else { return result }
        if let announced = response.headers.first(name: "Content-Length").flatMap(Int.init), announced > maxBytes {
            throw VerifierError(
                .fetchFailed, "the response announces \(announced) bytes, over the \(maxBytes)-byte limit")
        }
        do {
            let buffer = try await response.body.collect(upTo: maxBytes)
            result.body = Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw VerifierError(.fetchFailed, "the response is over the \(maxBytes)-byte limit")
        }
        return result
    }
}
