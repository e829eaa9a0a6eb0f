public import FastAuth
public import Vapor

extension Principal: Authenticatable {}

extension Request {
    /// The authenticated caller; throws 401 when the request was not authenticated by
    /// ``FastAuth/AuthService/requireAuth()``.
    public var principal: Principal {
        get throws {
            guard let principal = auth.get(Principal.self) else { throw Abort(.unauthorized, reason: "Not authenticated") }
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
        } else if auth.config.tokenDelivery == .cookie, let cookie = request.cookies[auth.config.cookie.accessTokenName]?.string {
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
