public import FastAuth
public import Vapor

extension Principal: Authenticatable {}

extension Request {
    /// The authenticated caller; throws 401 when the request was not authenticated by
    /// ``FastAuth/AuthService/requireAuth()``.
    public var principal: Principal {
        get throws {
            guard let principal = auth.get(Principal.self) else {
                throw Abort(.unauthorized, reason: "Not authenticated")
            }
            return principal
        }
    }
}

/// Finds and checks the caller's access token: `Authorization: Bearer`, or in cookie mode the
/// access cookie — then unsafe methods also need the CSRF header (double submit, signed).
struct BearerAuthentication: Sendable {
    let auth: AuthService
    let csrf: CSRFTokens

    init(auth: AuthService) {
        self.auth = auth
        self.csrf = CSRFTokens(secret: auth.config.secret)
    }

    /// The token of the request's `Authorization: Bearer <token>` header
    /// (see ``FastAuth/AuthorizationHeader/bearerToken(_:)``).
    static func bearerToken(_ request: Request) -> String? {
        request.headers.first(name: .authorization).flatMap(AuthorizationHeader.bearerToken)
    }

    func authenticate(_ request: Request) async throws(AuthError) -> Principal {
        if let cached = request.auth.get(Principal.self) { return cached }
        let viaCookie: Bool
        let token: String
        if let bearer = Self.bearerToken(request) {
            token = bearer
            viaCookie = false
        } else if auth.config.tokenDelivery == .cookie,
            let cookie = request.cookies[auth.config.cookie.accessTokenName]?.string
        {
            token = cookie
            viaCookie = true
        } else {
            throw AuthError(.notAuthenticated, "Not authenticated")
        }
        let principal = try await auth.authenticate(accessToken: token)
        if viaCookie, ![.GET, .HEAD, .OPTIONS].contains(request.method) {
            let header = request.headers.first(name: auth.config.cookie.csrfHeaderName)
            let cookie = request.cookies[auth.config.cookie.csrfTokenName]?.string
            guard let header, let cookie, csrf.isValid(header: header, cookie: cookie) else {
                throw AuthError(.csrfFailed, "CSRF token missing or invalid")
            }
        }
        request.auth.login(principal)
        return principal
    }
}

/// Answers 401 `{"detail": "Not authenticated"}` (with `WWW-Authenticate: Bearer`) unless the
/// request carries a valid access token; the ``Principal`` is then in `req.auth`.
public struct RequireAuthMiddleware: AsyncMiddleware {
    let authentication: BearerAuthentication

    public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            _ = try await authentication.authenticate(request)
        } catch {
            return JSONResponse.error(error)
        }
        return try await next.respond(to: request)
    }
}

extension AuthService {
    /// Middleware that lets only authenticated requests through (bearer, or cookie + CSRF).
    ///
    /// ```swift
    /// app.grouped(auth.requireAuth()).get("api", "me") { req in try req.principal.user.email }
    /// ```
    public func requireAuth() -> RequireAuthMiddleware {
        RequireAuthMiddleware(authentication: BearerAuthentication(auth: self))
    }
}

/// Answers 401 for an unauthenticated request and 403 for a caller without a role or a
/// permission; lets the others through with the ``Principal`` in `req.auth`. Roles come from the
/// store behind the per-instance role cache, or from the access token's claims when
/// ``RolesConfig/rolesClaim`` is on.
public struct RequireGrantMiddleware: AsyncMiddleware {
    enum Requirement {
        case role(String)
        case permission(String)
    }

    let authentication: BearerAuthentication
    let requirement: Requirement

    public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            let principal = try await authentication.authenticate(request)
            switch requirement {
            case .role(let role): try await authentication.auth.roles.require(role: role, of: principal)
            case .permission(let permission):
                try await authentication.auth.roles.require(permission: permission, of: principal)
            }
        } catch {
            return JSONResponse.error(error)
        }
        return try await next.respond(to: request)
    }
}

extension AuthService {
    /// Middleware that lets through only callers holding `role` (403 `Insufficient role` otherwise).
    ///
    /// ```swift
    /// app.grouped(auth.requireRole("editor")).post("posts") { req in … }
    /// ```
    public func requireRole(_ role: String) -> RequireGrantMiddleware {
        RequireGrantMiddleware(authentication: BearerAuthentication(auth: self), requirement: .role(role))
    }

    /// Middleware that lets through only callers whose roles carry `permission`
    /// (403 `Insufficient permissions` otherwise).
    ///
    /// ```swift
    /// app.grouped(auth.requirePermission("reports:read")).get("reports") { req in … }
    /// ```
    public func requirePermission(_ permission: String) -> RequireGrantMiddleware {
        RequireGrantMiddleware(authentication: BearerAuthentication(auth: self), requirement: .permission(permission))
    }
}
