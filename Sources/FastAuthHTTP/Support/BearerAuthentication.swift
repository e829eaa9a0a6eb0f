package import FastAuth

/// Finds and checks the caller's access token: `Authorization: Bearer`, or in cookie mode the
/// access cookie — then unsafe methods also need the CSRF header (double submit, signed).
package struct BearerAuthentication: Sendable {
    package let auth: AuthService
    let csrf: CSRFTokens

    package init(auth: AuthService) {
        self.auth = auth
        self.csrf = CSRFTokens(secret: auth.config.secret)
    }

    /// The token of the request's `Authorization: Bearer <token>` header
    /// (see ``FastAuth/AuthorizationHeader/bearerToken(_:)``).
    static func bearerToken(_ request: some AuthHTTPRequest) -> String? {
        request.header("Authorization").flatMap(AuthorizationHeader.bearerToken)
    }

    /// The caller of `request` (401 `Not authenticated` without a valid token, 403 when a
    /// cookie-authenticated unsafe request lacks its CSRF header); remembered on the request.
    package func authenticate(_ request: some AuthHTTPRequest) async throws(AuthError) -> Principal {
        if let cached = request.authenticatedPrincipal { return cached }
        let viaCookie: Bool
        let token: String
        if let bearer = Self.bearerToken(request) {
            token = bearer
            viaCookie = false
        } else if auth.config.tokenDelivery == .cookie, let cookie = request.cookie(auth.config.cookie.accessTokenName)
        {
            token = cookie
            viaCookie = true
        } else {
            throw AuthError(.notAuthenticated, "Not authenticated")
        }
        let principal = try await auth.authenticate(accessToken: token)
        if viaCookie, !request.method.isSafe {
            let header = request.header(auth.config.cookie.csrfHeaderName)
            let cookie = request.cookie(auth.config.cookie.csrfTokenName)
            guard let header, let cookie, csrf.isValid(header: header, cookie: cookie) else {
                throw AuthError(.csrfFailed, "CSRF token missing or invalid")
            }
        }
        request.rememberPrincipal(principal)
        return principal
    }

    /// What an adapter's "require a role / a permission" middleware checks.
    package enum Requirement: Sendable {
        case role(String)
        case permission(String)
    }

    /// Authenticates the caller of `request` and checks `requirement` (401, 403).
    package func authorize(
        _ request: some AuthHTTPRequest, requiring requirement: Requirement? = nil
    ) async throws(AuthError) -> Principal {
        let principal = try await authenticate(request)
        switch requirement {
        case .role(let role)?: try await auth.roles.require(role: role, of: principal)
        case .permission(let permission)?: try await auth.roles.require(permission: permission, of: principal)
        case nil: break
        }
        return principal
    }

    /// Authenticates the caller and checks `requirement`, returning the refusal's response or
    /// `nil` to let the request through.
    package func refusal(
        of request: some AuthHTTPRequest, requiring requirement: Requirement? = nil
    ) async -> AuthHTTPResponse? {
        do {
            _ = try await authorize(request, requiring: requirement)
            return nil
        } catch {
            return JSONResponse.error(error)
        }
    }
}
