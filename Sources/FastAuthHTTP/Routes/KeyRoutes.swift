import FastAuth
import Synchronization

/// `GET /.well-known/jwks.json` (asymmetric algorithms only) and
/// `GET /.well-known/oauth-authorization-server`, at the root whatever the auth prefix.
struct KeyRoutes: Sendable {
    let auth: AuthService
    private let jwksResponses = JWKSResponses()

    init(auth: AuthService) {
        self.auth = auth
    }

    var routes: [AuthRoute] {
        var routes: [AuthRoute] = []
        if !auth.config.jwt.algorithm.isSymmetric {
            let spec = RouteSpec(
                method: .GET, path: [".well-known", "jwks.json"], summary: "The public signing keys (RFC 7517)",
                requiresAuth: false)
            routes.append(AuthRoute(spec, base: [], isBelowPrefix: false) { request in self.jwks(request) })
        }
        let metadata = RouteSpec(
            method: .GET, path: [".well-known", "oauth-authorization-server"],
            summary: "Authorization server metadata (RFC 8414)", requiresAuth: false)
        routes.append(AuthRoute(metadata, base: [], isBelowPrefix: false) { _ in self.metadata() })
        return routes
    }

    /// The public keys, serialised once per key-set change; strong ETag, 304 on a match, 503
    /// until keys are loaded. Headers and body are built once per key set too.
    func jwks(_ request: some AuthHTTPRequest) -> AuthHTTPResponse {
        guard let published = auth.keys.published else {
            return JSONResponse.detail(
                503, "Signing keys are not loaded yet", code: "keys_unavailable", headers: [("Retry-After", "1")])
        }
        let prepared = jwksResponses.prepared(for: published, maxAge: auth.config.jwt.jwksMaxAge.components.seconds)
        if let candidates = request.header("If-None-Match"), Self.matches(candidates, etag: published.etag) {
            return AuthHTTPResponse(status: 304, headers: prepared.notModifiedHeaders)
        }
        return AuthHTTPResponse(status: 200, headers: prepared.headers, body: prepared.body)
    }

    /// RFC 9110 §13.1.2: `*`, or any listed entity tag equal to `etag` by weak comparison.
    static func matches(_ ifNoneMatch: String, etag: String) -> Bool {
        if ifNoneMatch == etag || ifNoneMatch == "*" { return true }
        return ifNoneMatch.utf8.split(separator: UInt8(ascii: ",")).contains { candidate in
            var tag = candidate.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
            while let last = tag.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { tag = tag.dropLast() }
            if tag.starts(with: "W/".utf8) { tag = tag.dropFirst(2) }
            return tag.elementsEqual(etag.utf8)
        }
    }

    /// RFC 8414 metadata: where the keys and the token endpoints are, and the algorithms.
    ///
    /// Every URL is built from the configuration (``FastAuthConfig/metadataBaseURL``), never
    /// from the request's `Host` or forwarding headers (the response is publicly cacheable: one
    /// forged `Host` would point every verifier at another key set). Without a configured base,
    /// 404.
    func metadata() -> AuthHTTPResponse {
        guard let base = auth.config.metadataBaseURL else { return JSONResponse.detail(404, "Not Found") }
        let prefix = auth.config.routePrefix == "/" ? "" : auth.config.routePrefix
        var document: [String: JSONValue] = [
            "issuer": .string(auth.config.jwt.issuer ?? base),
            "introspection_endpoint": .string(base + prefix + "/token/introspect"),
            "revocation_endpoint": .string(base + prefix + "/token/revoke"),
            "introspection_endpoint_auth_methods_supported": ["bearer"],
            "revocation_endpoint_auth_methods_supported": ["bearer"],
            "response_types_supported": [],
            "grant_types_supported": ["password", "refresh_token"],
            "access_token_signing_alg_values_supported": [.string(auth.config.jwt.algorithm.rawValue)],
        ]
        if !auth.config.jwt.algorithm.isSymmetric {
            document["jwks_uri"] = .string(base + "/.well-known/jwks.json")
        }
        return JSONResponse.make(200, .object(document), headers: [("Cache-Control", "public, max-age=300")])
    }
}

/// The JWKS response parts for the current key set, built on its first request.
private final class JWKSResponses: Sendable {
    struct Prepared: Sendable {
        let etag: String
        let headers: [(name: String, value: String)]
        let notModifiedHeaders: [(name: String, value: String)]
        let body: [UInt8]
    }

    private let current = Mutex<Prepared?>(nil)

    func prepared(for published: PublishedKeySet, maxAge: Int64) -> Prepared {
        current.withLock { current in
            if let current, current.etag == published.etag { return current }
            let cacheHeaders = [("Cache-Control", "public, max-age=\(maxAge)"), ("ETag", published.etag)]
            let prepared = Prepared(
                etag: published.etag, headers: cacheHeaders + [("Content-Type", "application/json")],
                notModifiedHeaders: cacheHeaders, body: published.json)
            current = prepared
            return prepared
        }
    }
}
