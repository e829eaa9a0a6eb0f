import Crypto
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

    /// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive,
    /// surrounding spaces and tabs ignored). Works on the UTF-8 bytes: Foundation's
    /// `trimmingCharacters` went through UTF-16 and cost more than verifying the token.
    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers.first(name: .authorization) else { return nil }
        let bytes = Array(header.utf8)
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isBlank(bytes[start]) { start += 1 }
        while end > start, isBlank(bytes[end - 1]) { end -= 1 }
        let scheme = Array("bearer".utf8)
        guard end - start > scheme.count, isBlank(bytes[start + scheme.count]) else { return nil }
        for (offset, expected) in scheme.enumerated() where bytes[start + offset] | 0x20 != expected { return nil }
        var tokenStart = start + scheme.count
        while tokenStart < end, isBlank(bytes[tokenStart]) { tokenStart += 1 }
        guard tokenStart < end else { return nil }
        return String(decoding: bytes[tokenStart..<end], as: UTF8.self)
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

/// Signed double-submit CSRF tokens: `nonce.mac`, where mac = HMAC-SHA256(key derived from
/// the secret, nonce), truncated to 16 bytes.
struct CSRFTokens: Sendable {
    private let key: SymmetricKey

    init(secret: String) {
        key = SecretDerivation.csrfKey(secret: Array(secret.utf8))
    }

    func make() -> String {
        var random = SystemRandomNumberGenerator()
        let nonce = (0..<18).map { _ in UInt8.random(in: 0...255, using: &random) }
        return Base64URL.encode(nonce) + "." + Base64URL.encode(mac(nonce))
    }

    func isValid(header: String, cookie: String) -> Bool {
        guard !cookie.isEmpty, constantTimeEqual(Array(header.utf8), Array(cookie.utf8)) else { return false }
        let parts = cookie.split(separator: ".")
        guard parts.count == 2, let nonce = Base64URL.decode(String(parts[0])),
            let given = Base64URL.decode(String(parts[1]))
        else { return false }
        return constantTimeEqual(given, mac(nonce))
    }

    private func mac(_ nonce: [UInt8]) -> [UInt8] {
        Array(Array(HMAC<SHA256>.authenticationCode(for: nonce, using: key)).prefix(16))
    }

    private func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
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
