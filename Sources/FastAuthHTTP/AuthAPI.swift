public import FastAuth
public import FastAuthOAuth

/// One route of the auth API as the OpenAPI document describes it: method, path below its
/// base (the auth prefix, or the root for `.well-known`), summary, and whether it needs a caller.
struct RouteSpec: Sendable {
    let method: AuthHTTPMethod
    /// Path below the base, e.g. `["sessions", ":id"]`.
    let path: [String]
    let summary: String
    let requiresAuth: Bool
}

/// One route of the auth API: where it is, what it reads, and its handler into the core.
///
/// Adapters register ``method`` on ``path`` (parameters written `:name`), collect the body up to
/// ``maxBodyBytes`` and call ``respond(to:)``. Every route is declared with its handler, and the
/// OpenAPI document is generated from the same declarations.
public struct AuthRoute: Sendable {
    /// The method.
    public let method: AuthHTTPMethod
    /// The full path from the root, one component per element; `:name` is a parameter.
    public let path: [String]
    /// What the route does (the OpenAPI summary).
    public let summary: String
    /// `true` when the route needs an authenticated caller.
    public let requiresAuth: Bool
    /// The largest body the route reads; adapters refuse a larger one with 413.
    public let maxBodyBytes: Int
    /// `true` for the routes under the auth prefix, `false` for the `.well-known` ones at the root
    /// (an adapter may put the former behind the application's own middleware).
    public let isBelowPrefix: Bool

    let spec: RouteSpec
    private let handler: @Sendable (any AuthHTTPRequest) async throws -> AuthHTTPResponse

    init(
        _ spec: RouteSpec, base: [String], isBelowPrefix: Bool = true, maxBodyBytes: Int = 64 * 1024,
        handler: @escaping @Sendable (any AuthHTTPRequest) async throws -> AuthHTTPResponse
    ) {
        self.method = spec.method
        self.path = base + spec.path
        self.summary = spec.summary
        self.requiresAuth = spec.requiresAuth
        self.maxBodyBytes = maxBodyBytes
        self.isBelowPrefix = isBelowPrefix
        self.spec = spec
        self.handler = handler
    }

    /// Answers `request`. Every refusal of the auth API (an ``FastAuth/AuthError``, a validation
    /// problem, an unsupported media type) becomes its JSON response; anything else is thrown to
    /// the adapter, which answers 500 without internals.
    public func respond(to request: some AuthHTTPRequest) async throws -> AuthHTTPResponse {
        do {
            return try await handler(request)
        } catch let error as AuthError {
            return JSONResponse.error(error)
        } catch let problem as ValidationProblem {
            return problem.response
        } catch let unsupported as UnsupportedMediaType {
            return unsupported.response
        }
    }
}

/// The HTTP API of FastAuth, declared once and framework-free: every route under
/// ``FastAuth/FastAuthConfig/routePrefix`` (register, login, refresh, logout, me, sessions,
/// token introspection and revocation, the account, role and social sign-in routes and
/// `openapi.json`), the `.well-known` JWKS and metadata routes at the root, and the background
/// work the routes rely on (managed-key rotation, housekeeping, email delivery). An adapter maps
/// it onto its framework and runs ``backgroundWork`` for the application's lifetime.
public struct AuthAPI: Sendable {
    /// Every route, in registration order.
    public let routes: [AuthRoute]
    /// The loops the routes rely on, to run for the application's lifetime.
    public let backgroundWork: [BackgroundWork]

    /// A loop to run while the application runs; it returns when its task is cancelled.
    public struct BackgroundWork: Sendable {
        /// What it does, for logs.
        public let name: String
        /// Runs until cancelled.
        public let run: @Sendable () async -> Void
    }

    /// The API of `auth`; `socialSignIn` configures the providers of the social sign-in routes
    /// (without it, they answer 404 for every provider).
    public init(auth: AuthService, socialSignIn: SocialSignIn? = nil) {
        let handlers = AuthRoutes(auth: auth, socialSignIn: socialSignIn)
        let base = Self.prefixComponents(auth.config.routePrefix)
        var routes = SessionRoute.allCases.map { handlers.route($0, base: base) }
        routes += AccountRoute.allCases.map { handlers.route($0, base: base) }
        routes += RoleRoute.allCases.map { handlers.route($0, base: base) }
        routes += SocialRoute.allCases.map { handlers.route($0, base: base) }
        routes += KeyRoutes(auth: auth).routes
        self.routes = routes

        var work: [BackgroundWork] = []
        if auth.keys.isManaged {
            let rotation = KeyRotationService(keys: auth.keys)
            work.append(BackgroundWork(name: "key rotation") { await rotation.run() })
        }
        let housekeeping = auth.housekeeping
        work.append(BackgroundWork(name: "housekeeping") { await housekeeping.run() })
        let outbox = auth.outbox
        work.append(BackgroundWork(name: "email delivery") { await outbox.run() })
        self.backgroundWork = work
    }

    static func prefixComponents(_ prefix: String) -> [String] {
        prefix.split(separator: "/").map(String.init)
    }

    /// The methods the API serves on `path` (a request path, no query), for a 405's `Allow`.
    public func allowedMethods(forPath path: String) -> [AuthHTTPMethod] {
        let segments = path.split(separator: "/")
        var methods: [AuthHTTPMethod] = []
        for route in routes where route.path.count == segments.count {
            let matches = zip(route.path, segments).allSatisfy { pattern, segment in
                pattern.hasPrefix(":") || pattern == segment
            }
            if matches, !methods.contains(route.method) { methods.append(route.method) }
        }
        return methods
    }
}
