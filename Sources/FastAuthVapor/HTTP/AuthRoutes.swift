import FastAuth
import FastAuthOAuth
import Vapor

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One route of the auth API: what is registered, and what the OpenAPI document lists.
struct RouteSpec: Sendable {
    let method: HTTPMethod
    /// Path below the prefix, e.g. `["sessions", ":id"]`.
    let path: [String]
    let summary: String
    let requiresAuth: Bool
}

/// The handlers of the auth API.
struct AuthRoutes: Sendable {
    let auth: AuthService
    let authentication: BearerAuthentication
    let cookies: CookieDelivery
    let socialSignIn: SocialSignIn?

    init(auth: AuthService, socialSignIn: SocialSignIn? = nil) {
        self.auth = auth
        self.socialSignIn = socialSignIn
        self.authentication = BearerAuthentication(auth: auth)
        self.cookies = CookieDelivery(config: auth.config, csrf: authentication.csrf)
    }

    static let specs: [RouteSpec] = [
        RouteSpec(method: .POST, path: ["register"], summary: "Create an account and sign in", requiresAuth: false),
        RouteSpec(method: .POST, path: ["login"], summary: "Sign in with email and password", requiresAuth: false),
        RouteSpec(
            method: .POST, path: ["refresh"], summary: "Exchange a refresh token for a new pair", requiresAuth: false),
        RouteSpec(
            method: .POST, path: ["logout"], summary: "End this session (all sessions with ?all=true)",
            requiresAuth: true),
        RouteSpec(method: .GET, path: ["me"], summary: "The current user", requiresAuth: true),
        RouteSpec(method: .GET, path: ["sessions"], summary: "The current user's active sessions", requiresAuth: true),
        RouteSpec(method: .DELETE, path: ["sessions", "all"], summary: "Revoke every session", requiresAuth: true),
        RouteSpec(method: .DELETE, path: ["sessions", ":id"], summary: "Revoke one session", requiresAuth: true),
        RouteSpec(
            method: .POST, path: ["token", "introspect"], summary: "RFC 7662 token introspection", requiresAuth: true),
        RouteSpec(method: .POST, path: ["token", "revoke"], summary: "RFC 7009 token revocation", requiresAuth: true),
        RouteSpec(
            method: .GET, path: ["openapi.json"], summary: "This API's OpenAPI 3.1 document", requiresAuth: false),
    ]

    static func prefixComponents(_ prefix: String) -> [PathComponent] {
        prefix.split(separator: "/").map { PathComponent(stringLiteral: String($0)) }
    }

    func register(on routes: any RoutesBuilder) {
        let group = routes.grouped(Self.prefixComponents(auth.config.routePrefix))
        let openAPI = OpenAPIDocument.make(
            prefix: auth.config.routePrefix,
            specs: Self.specs + AccountRoute.specs + RoleRoute.specs + SocialRoute.specs,
            delivery: auth.config.tokenDelivery)
        for spec in Self.specs {
            let path = spec.path.map { PathComponent(stringLiteral: $0) }
            let handler: @Sendable (Request) async throws -> Response
            switch (spec.method, spec.path) {
            case (.POST, ["register"]): handler = { try await self.guarded($0, self.register) }
            case (.POST, ["login"]): handler = { try await self.guarded($0, self.login) }
            case (.POST, ["refresh"]): handler = { try await self.guarded($0, self.refresh) }
            case (.POST, ["logout"]): handler = { try await self.guarded($0, self.logout) }
            case (.GET, ["me"]): handler = { try await self.guarded($0, self.me) }
            case (.GET, ["sessions"]): handler = { try await self.guarded($0, self.sessions) }
            case (.DELETE, ["sessions", "all"]): handler = { try await self.guarded($0, self.revokeAllSessions) }
            case (.DELETE, ["sessions", ":id"]): handler = { try await self.guarded($0, self.revokeSession) }
            case (.POST, ["token", "introspect"]): handler = { try await self.guarded($0, self.introspect) }
            case (.POST, ["token", "revoke"]): handler = { try await self.guarded($0, self.revoke) }
            default: handler = { _ in JSONResponse.make(.ok, bytes: openAPI) }
            }
            group.on(spec.method, path, body: .collect(maxSize: "64kb"), use: handler)
        }
        registerAccountRoutes(on: group)
        registerRoleRoutes(on: group)
        registerSocialRoutes(on: group)
    }

    /// Registers each route of a group (accounts, roles, social sign-in) with its handler, the
    /// body collected up to 64 KB and every refusal answered as JSON.
    func register<Route>(
        _ routes: some Sequence<Route>, on group: any RoutesBuilder, spec: (Route) -> RouteSpec,
        handler: (Route) -> @Sendable (Request) async throws -> Response
    ) {
        for route in routes {
            let spec = spec(route)
            let handler = handler(route)
            group.on(spec.method, spec.path.map { PathComponent(stringLiteral: $0) }, body: .collect(maxSize: "64kb")) {
                try await self.guarded($0, handler)
            }
        }
    }

    /// Runs a handler, turning every refusal into its JSON response.
    func guarded(_ request: Request, _ body: (Request) async throws -> Response) async throws -> Response {
        do {
            return try await body(request)
        } catch let error as AuthError {
            return JSONResponse.error(error)
        } catch let problem as ValidationProblem {
            return problem.response
        } catch let unsupported as UnsupportedMediaType {
            return unsupported.response
        }
    }

    func context(_ request: Request) -> RequestOrigin {
        RequestOrigin(
            clientAddress: auth.clientAddress(
                peer: request.remoteAddress?.ipAddress, forwardedFor: request.headers[.xForwardedFor],
                forwarded: request.headers[.forwarded]),
            userAgent: request.headers.first(name: .userAgent), requestID: request.id)
    }

    // MARK: Handlers

    private func register(_ request: Request) async throws -> Response {
        let body = try RequestBody.parse(request)
        if body.isEmpty { throw ValidationProblem.missing("body") }
        let email = try body.string("email")
        let password = try body.string("password")
        let name = try body.optionalString("name")
        let signIn = try await auth.register(email: email, password: password, name: name, context: context(request))
        return cookies.tokenResponse(signIn.tokens, status: .created)
    }

    private func login(_ request: Request) async throws -> Response {
        let body = try RequestBody.parse(request)
        if body.isEmpty { throw ValidationProblem.missing("body") }
        let email = try body.string("email")
        let password = try body.string("password")
        let remember = try body.bool("remember", default: false)
        let signIn = try await auth.login(
            email: email, password: password, remember: remember, context: context(request))
        return cookies.tokenResponse(signIn.tokens, status: .ok)
    }

    private func refresh(_ request: Request) async throws -> Response {
        let body = try RequestBody.parse(request)
        let token: String
        if !body.isEmpty, body.fields["refresh_token"] != nil {
            token = try body.string("refresh_token")
        } else if let bearer = BearerAuthentication.bearerToken(request) {
            token = bearer
        } else if auth.config.tokenDelivery == .cookie,
            let cookie = request.cookies[auth.config.cookie.refreshTokenName]?.string
        {
            token = cookie
        } else if !body.isEmpty {
            throw ValidationProblem.missing("refresh_token")
        } else {
            throw AuthError(.refreshTokenRequired, "Refresh token required")
        }
        let pair = try await auth.refresh(token, context: context(request))
        return cookies.tokenResponse(pair, status: .ok)
    }

    private func logout(_ request: Request) async throws -> Response {
        let principal = try await authentication.authenticate(request)
        let everywhere =
            (try? request.query.get(String.self, at: "all")).map { ["true", "1", "yes"].contains($0.lowercased()) }
            ?? false
        try await auth.logout(principal, everywhere: everywhere, context: context(request))
        return cookies.clearing(JSONResponse.make(.ok, ["message": "Logged out"]))
    }

    private func me(_ request: Request) async throws -> Response {
        let user = try await authentication.authenticate(request).user
        var json = JSONWriter(capacity: 192)
        json.raw("{\"id\":")
        json.string(user.id.rawValue)
        json.raw(",\"email\":")
        json.string(user.email)
        json.raw(",\"name\":")
        if let name = user.name { json.string(name) } else { json.raw("null") }
        json.raw(",\"image\":")
        if let image = user.image { json.string(image) } else { json.raw("null") }
        json.raw(user.emailVerified ? ",\"email_verified\":true" : ",\"email_verified\":false")
        json.raw(user.isActive ? ",\"is_active\":true}" : ",\"is_active\":false}")
        return JSONResponse.make(.ok, bytes: json.bytes)
    }

    private func sessions(_ request: Request) async throws -> Response {
        let principal = try await authentication.authenticate(request)
        let sessions = try await auth.sessions(of: principal)
        let items: [JSONValue] = sessions.map { info in
            let session = info.session
            return [
                "id": .string(session.id.rawValue),
                "created_at": .string(session.createdAt.formatted(.iso8601)),
                "last_used_at": .string(session.lastUsedAt.formatted(.iso8601)),
                "expires_at": .string(session.expiresAt.formatted(.iso8601)),
                "user_agent": session.userAgent.map(JSONValue.string) ?? .null,
                "ip": session.ipAddress.map(JSONValue.string) ?? .null,
                "current": .bool(info.isCurrent),
            ]
        }
        return JSONResponse.make(.ok, .array(items))
    }

    private func revokeAllSessions(_ request: Request) async throws -> Response {
        let principal = try await authentication.authenticate(request)
        try await auth.revokeAllSessions(of: principal)
        return JSONResponse.make(.ok, ["message": "All sessions revoked"])
    }

    private func revokeSession(_ request: Request) async throws -> Response {
        let principal = try await authentication.authenticate(request)
        let id = request.parameters.get("id") ?? ""
        try await auth.revokeSession(SessionID(id), of: principal)
        return JSONResponse.make(.ok, ["message": "Session revoked"])
    }

    private func introspect(_ request: Request) async throws -> Response {
        let principal = try await authentication.authenticate(request)
        let body = try RequestBody.parse(request, allowForm: true)
        let result = try await auth.introspect(try body.string("token"), by: principal)
        guard result.active, let claims = result.claims else {
            return JSONResponse.make(
                .ok, ["active": false, "sub": nil, "exp": nil, "jti": nil, "token_type": nil, "email": nil])
        }
        var object: [String: JSONValue] = [
            "active": true, "sub": .string(claims.subject), "exp": .int(claims.expiresAt),
            "jti": claims.tokenID.map(JSONValue.string) ?? .null, "token_type": .string(claims.type.rawValue),
            "email": .string(principal.user.email),
        ]
        if let issuedAt = claims.issuedAt { object["iat"] = .int(issuedAt) }
        if let sid = claims.sessionID { object["sid"] = .string(sid) }
        if let issuer = claims.issuer { object["iss"] = .string(issuer) }
        if let audience = claims.audience { object["aud"] = .array(audience.map(JSONValue.string)) }
        return JSONResponse.make(.ok, .object(object))
    }

    private func revoke(_ request: Request) async throws -> Response {
        let principal = try await authentication.authenticate(request)
        let body = try RequestBody.parse(request, allowForm: true)
        try await auth.revoke(try body.string("token"), by: principal, context: context(request))
        return JSONResponse.make(.ok, ["message": "Token revoked"])
    }
}
