import FastAuth
import FastAuthOAuth

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The session routes: sign-up, sign-in, refresh, sign-out, the caller, sessions, RFC 7662/7009
/// token introspection and revocation, and this API's OpenAPI document. One case per route: its
/// spec (registration and OpenAPI) and its handler follow from it.
enum SessionRoute: CaseIterable {
    case register, login, refresh, logout, me, sessions, revokeAllSessions, revokeSession, introspect, revoke
    case openAPI

    var spec: RouteSpec {
        switch self {
        case .register:
            RouteSpec(method: .POST, path: ["register"], summary: "Create an account and sign in", requiresAuth: false)
        case .login:
            RouteSpec(method: .POST, path: ["login"], summary: "Sign in with email and password", requiresAuth: false)
        case .refresh:
            RouteSpec(
                method: .POST, path: ["refresh"], summary: "Exchange a refresh token for a new pair",
                requiresAuth: false)
        case .logout:
            RouteSpec(
                method: .POST, path: ["logout"], summary: "End this session (all sessions with ?all=true)",
                requiresAuth: true)
        case .me: RouteSpec(method: .GET, path: ["me"], summary: "The current user", requiresAuth: true)
        case .sessions:
            RouteSpec(
                method: .GET, path: ["sessions"], summary: "The current user's active sessions", requiresAuth: true)
        case .revokeAllSessions:
            RouteSpec(method: .DELETE, path: ["sessions", "all"], summary: "Revoke every session", requiresAuth: true)
        case .revokeSession:
            RouteSpec(method: .DELETE, path: ["sessions", ":id"], summary: "Revoke one session", requiresAuth: true)
        case .introspect:
            RouteSpec(
                method: .POST, path: ["token", "introspect"], summary: "RFC 7662 token introspection",
                requiresAuth: true)
        case .revoke:
            RouteSpec(
                method: .POST, path: ["token", "revoke"], summary: "RFC 7009 token revocation", requiresAuth: true)
        case .openAPI:
            RouteSpec(
                method: .GET, path: ["openapi.json"], summary: "This API's OpenAPI 3.1 document", requiresAuth: false)
        }
    }
}

/// The handlers of the auth API, shared by every group of routes.
struct AuthRoutes: Sendable {
    let auth: AuthService
    let authentication: BearerAuthentication
    let cookies: CookieDelivery
    let socialSignIn: SocialSignIn?
    /// The OpenAPI document, generated from the route declarations.
    let openAPIDocument: [UInt8]

    init(auth: AuthService, socialSignIn: SocialSignIn? = nil) {
        self.auth = auth
        self.socialSignIn = socialSignIn
        self.authentication = BearerAuthentication(auth: auth)
        self.cookies = CookieDelivery(config: auth.config, csrf: authentication.csrf)
        let specs =
            SessionRoute.allCases.map(\.spec) + AccountRoute.allCases.map(\.spec) + RoleRoute.allCases.map(\.spec)
            + SocialRoute.allCases.map(\.spec)
        self.openAPIDocument = OpenAPIDocument.make(
            prefix: auth.config.routePrefix, specs: specs, delivery: auth.config.tokenDelivery)
    }

    func route(_ route: SessionRoute, base: [String]) -> AuthRoute {
        AuthRoute(route.spec, base: base) { request in
            switch route {
            case .register: try await self.register(request)
            case .login: try await self.login(request)
            case .refresh: try await self.refresh(request)
            case .logout: try await self.logout(request)
            case .me: try await self.me(request)
            case .sessions: try await self.sessions(request)
            case .revokeAllSessions: try await self.revokeAllSessions(request)
            case .revokeSession: try await self.revokeSession(request)
            case .introspect: try await self.introspect(request)
            case .revoke: try await self.revoke(request)
            case .openAPI: JSONResponse.make(200, bytes: self.openAPIDocument)
            }
        }
    }

    func context(_ request: some AuthHTTPRequest) -> RequestOrigin {
        RequestOrigin(
            clientAddress: auth.clientAddress(
                peer: request.peerAddress, forwardedFor: request.headers("X-Forwarded-For"),
                forwarded: request.headers("Forwarded")),
            userAgent: request.header("User-Agent"), requestID: request.requestID)
    }

    // MARK: Handlers

    private func register(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let body = try RequestBody.parse(request)
        if body.isEmpty { throw ValidationProblem.missing("body") }
        let email = try body.string("email")
        let password = try body.string("password")
        let name = try body.optionalString("name")
        let signIn = try await auth.register(email: email, password: password, name: name, context: context(request))
        return cookies.tokenResponse(signIn.tokens, status: 201)
    }

    private func login(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let body = try RequestBody.parse(request)
        if body.isEmpty { throw ValidationProblem.missing("body") }
        let email = try body.string("email")
        let password = try body.string("password")
        let remember = try body.bool("remember", default: false)
        let signIn = try await auth.login(
            email: email, password: password, remember: remember, context: context(request))
        return cookies.tokenResponse(signIn.tokens, status: 200)
    }

    private func refresh(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let body = try RequestBody.parse(request)
        let token: String
        if !body.isEmpty, body.fields["refresh_token"] != nil {
            token = try body.string("refresh_token")
        } else if let bearer = BearerAuthentication.bearerToken(request) {
            token = bearer
        } else if auth.config.tokenDelivery == .cookie, let cookie = request.cookie(auth.config.cookie.refreshTokenName)
        {
            token = cookie
        } else if !body.isEmpty {
            throw ValidationProblem.missing("refresh_token")
        } else {
            throw AuthError(.refreshTokenRequired, "Refresh token required")
        }
        let pair = try await auth.refresh(token, context: context(request))
        return cookies.tokenResponse(pair, status: 200)
    }

    private func logout(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let principal = try await authentication.authenticate(request)
        let everywhere =
            request.query("all").map { ["true", "1", "yes"].contains($0.lowercased()) } ?? false
        try await auth.logout(principal, everywhere: everywhere, context: context(request))
        return cookies.clearing(JSONResponse.make(200, ["message": "Logged out"]))
    }

    private func me(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
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
        return JSONResponse.make(200, bytes: json.bytes)
    }

    private func sessions(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
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
        return JSONResponse.make(200, .array(items))
    }

    private func revokeAllSessions(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let principal = try await authentication.authenticate(request)
        try await auth.revokeAllSessions(of: principal)
        return JSONResponse.make(200, ["message": "All sessions revoked"])
    }

    private func revokeSession(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let principal = try await authentication.authenticate(request)
        let id = request.parameter("id") ?? ""
        try await auth.revokeSession(SessionID(id), of: principal)
        return JSONResponse.make(200, ["message": "Session revoked"])
    }

    private func introspect(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let principal = try await authentication.authenticate(request)
        let body = try RequestBody.parse(request, allowForm: true)
        let result = try await auth.introspect(try body.string("token"), by: principal)
        guard result.active, let claims = result.claims else {
            return JSONResponse.make(
                200, ["active": false, "sub": nil, "exp": nil, "jti": nil, "token_type": nil, "email": nil])
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
        return JSONResponse.make(200, .object(object))
    }

    private func revoke(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let principal = try await authentication.authenticate(request)
        let body = try RequestBody.parse(request, allowForm: true)
        try await auth.revoke(try body.string("token"), by: principal, context: context(request))
        return JSONResponse.make(200, ["message": "Token revoked"])
    }
}
