public import FastAuth
public import FastAuthOAuth
import Synchronization
public import Vapor

/// `GET /.well-known/jwks.json` and `GET /.well-known/oauth-authorization-server`.
struct KeyRoutes: Sendable {
    let auth: AuthService
    private let jwksResponses = JWKSResponses()

    init(auth: AuthService) {
        self.auth = auth
    }

    func register(on routes: any RoutesBuilder) {
        let wellKnown = routes.grouped(".well-known")
        if !auth.config.jwt.algorithm.isSymmetric {
            wellKnown.get("jwks.json") { request in self.jwks(request) }
        }
        wellKnown.get("oauth-authorization-server") { request in self.metadata(request) }
    }

    /// The public keys, serialised once per key-set change; strong ETag, 304 on a match, 503
    /// until keys are loaded. Headers and body are built once per key set too.
    func jwks(_ request: Request) -> Response {
        guard let published = auth.keys.published else {
            return JSONResponse.detail(
                .serviceUnavailable, "Signing keys are not loaded yet", code: "keys_unavailable",
                headers: ["Retry-After": "1"])
        }
        let prepared = jwksResponses.prepared(for: published, maxAge: auth.config.jwt.jwksMaxAge.components.seconds)
        if let candidates = request.headers.first(name: .ifNoneMatch), Self.matches(candidates, etag: published.etag) {
            return Response(status: .notModified, headers: prepared.notModifiedHeaders)
        }
        return Response(status: .ok, headers: prepared.headers, body: .init(buffer: prepared.body))
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
    func metadata(_ request: Request) -> Response {
        guard let base = auth.config.metadataBaseURL else { return JSONResponse.detail(.notFound, "Not Found") }
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
        return JSONResponse.make(.ok, .object(document), headers: ["Cache-Control": "public, max-age=300"])
    }
}

extension AuthService {
    /// Mounts all of FastAuth on `app`: every auth route of docs/HTTP-API.md under
    /// ``FastAuthConfig/routePrefix`` (register, login, refresh, logout, me, sessions, token
    /// introspection and revocation, the account, role and social sign-in routes — the latter
    /// answering 404 for every provider unless `socialSignIn` configures some — and
    /// `openapi.json`), the `.well-known` JWKS and metadata routes at the root, and, for the
    /// application's lifetime, managed-key rotation (loading, reloading, rotating), the
    /// housekeeping task (purging expired counters, login attempts, long-ended sessions, used
    /// links, sent mail and deleted accounts) and the email delivery task.
    ///
    /// `routes` puts the auth routes behind your own middleware (`app.grouped(CORSMiddleware())`);
    /// the `.well-known` routes and the background tasks stay on `app`, so no way of mounting
    /// leaves out the key lifecycle or mail delivery.
    ///
    /// Call it after `createTables()`; in managed mode, `try await auth.keys.tick()` first
    /// makes keys available before the server starts instead of shortly after.
    public func mount(_ app: Application, routes: (any RoutesBuilder)? = nil, socialSignIn: SocialSignIn? = nil) {
        AuthRoutes(auth: self, socialSignIn: socialSignIn).register(on: routes ?? app)
        KeyRoutes(auth: self).register(on: app)
        if keys.isManaged {
            let rotation = KeyRotationService(keys: keys)
            app.lifecycle.use(BackgroundTaskLifecycle { await rotation.run() })
        }
        let housekeeping = self.housekeeping
        app.lifecycle.use(BackgroundTaskLifecycle { await housekeeping.run() })
        let outbox = self.outbox
        app.lifecycle.use(BackgroundTaskLifecycle { await outbox.run() })
    }
}

/// Runs a background task for the application's lifetime: started after boot, cancelled (and
/// awaited) on shutdown.
final class BackgroundTaskLifecycle: LifecycleHandler {
    private let body: @Sendable () async -> Void
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(_ body: @escaping @Sendable () async -> Void) {
        self.body = body
    }

    func didBootAsync(_ application: Application) async throws {
        let body = self.body
        task.withLock { $0 = Task { await body() } }
    }

    func shutdownAsync(_ application: Application) async {
        let running = task.withLock { task in
            defer { task = nil }
            return task
        }
        running?.cancel()
        await running?.value
    }
}

/// The JWKS response parts for the current key set, built on its first request.
private final class JWKSResponses: Sendable {
    struct Prepared: Sendable {
        let etag: String
        let headers: HTTPHeaders
        let notModifiedHeaders: HTTPHeaders
        let body: ByteBuffer
    }

    private let current = Mutex<Prepared?>(nil)

    func prepared(for published: PublishedKeySet, maxAge: Int64) -> Prepared {
        current.withLock { current in
            if let current, current.etag == published.etag { return current }
            let cacheHeaders: HTTPHeaders = ["Cache-Control": "public, max-age=\(maxAge)", "ETag": published.etag]
            var headers = cacheHeaders
            headers.contentType = .json
            let prepared = Prepared(
                etag: published.etag, headers: headers, notModifiedHeaders: cacheHeaders,
                body: ByteBuffer(bytes: published.json))
            current = prepared
            return prepared
        }
    }
}
