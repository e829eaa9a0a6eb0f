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
/// The fetcher never creates a client of its own, so it never leaks one: it uses
/// `HTTPClient.shared` unless given a client, which then stays the caller's to shut down.
public struct HTTPJWKSFetcher: JWKSFetcher {
    private let client: HTTPClient

    /// Creates a fetcher on `client` (default: the process-wide shared client).
    public init(client: HTTPClient = .shared) {
        self.client = client
    }

    public func fetch(_ request: JWKSFetchRequest) async throws -> JWKSFetchResponse {
        var http = HTTPClientRequest(url: request.url.absoluteString)
        http.method = .GET
        http.headers.add(name: "Accept", value: "application/json")
        http.headers.add(name: "User-Agent", value: "FastAuthVerifier")
        if let etag = request.ifNoneMatch {
            http.headers.add(name: "If-None-Match", value: etag)
        }
        let deadline = NIODeadline.now() + TimeAmount(request.timeout)
        let response = try await client.execute(http, deadline: deadline)
        let cacheControl = response.headers["Cache-Control"]
        var result = JWKSFetchResponse(
            status: Int(response.status.code),
            cacheControl: cacheControl.isEmpty ? nil : cacheControl.joined(separator: ", "),
            etag: response.headers.first(name: "ETag"))
        guard response.status == .ok else { return result }
        if let announced = response.headers.first(name: "Content-Length").flatMap(Int.init),
            announced > request.maxBytes
        {
            throw VerifierError(
                .fetchFailed, "the response announces \(announced) bytes, over the \(request.maxBytes)-byte limit")
        }
        do {
            let buffer = try await response.body.collect(upTo: request.maxBytes)
            result.body = Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw VerifierError(.fetchFailed, "the response is over the \(request.maxBytes)-byte limit")
        }
        return result
    }
}
