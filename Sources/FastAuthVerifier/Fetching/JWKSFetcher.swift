#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Fetches a document (the JWKS, or the RFC 8414 metadata) over HTTP for a
/// ``RemoteTokenVerifier``. ``HTTPJWKSFetcher`` is the AsyncHTTPClient implementation; tests
/// substitute their own.
public protocol JWKSFetcher: Sendable {
    /// Performs one `GET`. Implementations send `If-None-Match` when the request has an ETag,
    /// give up after ``JWKSFetchRequest/timeout``, and refuse (throw) a body larger than
    /// ``JWKSFetchRequest/maxBytes``. Any status is returned, not thrown.
    func fetch(_ request: JWKSFetchRequest) async throws -> JWKSFetchResponse
}

/// One request a ``RemoteTokenVerifier`` makes.
public struct JWKSFetchRequest: Sendable, Hashable {
    /// The document's address.
    public var url: URL
    /// The ETag of the copy the verifier holds; sent as `If-None-Match`.
    public var ifNoneMatch: String?
    /// The longest the whole exchange may take.
    public var timeout: Duration
    /// The largest body accepted.
    public var maxBytes: Int

    /// Creates a request.
    public init(url: URL, ifNoneMatch: String? = nil, timeout: Duration, maxBytes: Int) {
        self.url = url
        self.ifNoneMatch = ifNoneMatch
        self.timeout = timeout
        self.maxBytes = maxBytes
    }
}

/// What came back: the status, the caching headers and the body.
public struct JWKSFetchResponse: Sendable, Hashable {
    /// The HTTP status code.
    public var status: Int
    /// The `Cache-Control` header (several joined with commas), if any.
    public var cacheControl: String?
    /// The `ETag` header, if any.
    public var etag: String?
    /// The body (empty for a 304).
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int, cacheControl: String? = nil, etag: String? = nil, body: [UInt8] = []) {
        self.status = status
        self.cacheControl = cacheControl
        self.etag = etag
        self.body = body
    }
}
