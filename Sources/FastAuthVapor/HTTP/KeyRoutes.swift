public import FastAuth
import Synchronization
public import Vapor

/// `GET /.well-known/jwks.json` and `GET /.well-known/oauth-authorization-server` (DESIGN §3, §5).
struct KeyRoutes: Sendable {
    let auth: AuthService

    func register(on routes: any RoutesBuilder) {
        let wellKnown = routes.grouped(".well-known")
        if !auth.config.jwt.algorithm.isSymmetric {
            wellKnown.get("jwks.json") { request in self.jwks(request) }
        }
        wellKnown.get("oauth-authorization-server") { request in self.metadata(request) }
    }

    /// The public keys, serialised once per key-set change; strong ETag, 304 on a match, 503
    /// until keys are loaded.
    func jwks(_ request: Request) -> Response {
        guard let published = auth.keys.published else {
            return JSONResponse.detail(
                .serviceUnavailable, "Signing keys are not loaded yet", code: "keys_unavailable", headers: ["Retry-After": "1"])
        }
        var headers: HTTPHeaders = [
            "Cache-Control": "public, max-age=\(auth.config.jwt.jwksMaxAge.components.seconds)",
            "ETag": published.etag,
        ]
        if let candidates = request.headers.first(name: .ifNoneMatch),
            candidates == "*" || candidates.split(separator: ",").contains(where: {
                $0.trimmingCharacters(in: .whitespaces) == published.etag
            })
        {
            return Response(status: .notModified, headers: headers)
        }
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(buffer: ByteBuffer(bytes: published.json)))
    }

    /// RFC 8414 metadata: where the keys and the token endpoints are, and the algorithms.
    func metadata(_ request: Request) -> Response {
        let base: String
        if let issuer = auth.config.jwt.issuer, issuer.hasPrefix("https://") || issuer.hasPrefix("http://") {
            base = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        } else {
            let scheme = request.headers.first(name: "X-Forwarded-Proto") == "https" ? "https" : "http"
            base = "\(scheme)://\(request.headers.first(name: .host) ?? "localhost")"
        }
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

/// Runs the key rotation loop for the application's lifetime: started after boot, cancelled on
/// shutdown.
final class KeyRotationLifecycle: LifecycleHandler {
    private let service: KeyRotationService
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(service: KeyRotationService) {
        self.service = service
    }

    func didBootAsync(_ application: Application) async throws {
        let service = self.service
        task.withLock { $0 = Task { await service.run() } }
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

extension AuthService {
    /// Registers the auth routes and the `.well-known` routes on `app`, and runs managed-key
    /// rotation (loading, reloading, rotating) for the application's lifetime.
    ///
    /// Call it after `createTables()`; in managed mode, `try await auth.keys.tick()` first
    /// makes keys available before the server starts instead of shortly after.
    public func mount(_ app: Application) {
        mount(app as any RoutesBuilder)
        KeyRoutes(auth: self).register(on: app)
        if keys.isManaged {
            app.lifecycle.use(KeyRotationLifecycle(service: KeyRotationService(keys: keys)))
        }
    }
}
