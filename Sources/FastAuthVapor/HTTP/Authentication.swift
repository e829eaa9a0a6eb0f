public import FastAuth
import FastAuthHTTP
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

/// Answers 401 `{"detail": "Not authenticated"}` (with `WWW-Authenticate: Bearer`) unless the
/// request carries a valid access token; the ``Principal`` is then in `req.auth`.
public struct RequireAuthMiddleware: AsyncMiddleware {
    let authentication: BearerAuthentication

    public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let refusal = await authentication.refusal(of: VaporAuthRequest(request)) { return refusal.vapor }
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
    let authentication: BearerAuthentication
    let requirement: BearerAuthentication.Requirement

    public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let refusal = await authentication.refusal(of: VaporAuthRequest(request), requiring: requirement) {
            return refusal.vapor
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
