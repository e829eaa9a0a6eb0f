public import FastAuth
import FastAuthHTTP
public import FastAuthVerifier
public import Vapor

/// A caller whose access token a ``FastAuthVerifier/RemoteTokenVerifier`` accepted: what a
/// resource service knows without asking the auth server.
public struct RemotePrincipal: Authenticatable, Sendable {
    /// The token's verified claims.
    public let claims: TokenClaims
    /// The key that verified the token.
    public let keyID: KeyID

    /// The user id (`sub`).
    public var subject: String { claims.subject }

    /// Creates a principal from a verified token.
    public init(_ token: VerifiedToken) {
        self.claims = token.claims
        self.keyID = token.keyID
    }
}

extension Request {
    /// The caller authenticated by ``RemoteTokenMiddleware``; throws 401 when there is none.
    public var remotePrincipal: RemotePrincipal {
        get throws {
            guard let principal = auth.get(RemotePrincipal.self) else {
                throw Abort(.unauthorized, reason: "Not authenticated")
            }
            return principal
        }
    }
}

/// Lets through only requests with a valid access token in `Authorization: Bearer`, checked
/// by a ``FastAuthVerifier/RemoteTokenVerifier`` against the issuer's JWKS; the
/// ``RemotePrincipal`` is then in `req.auth`.
///
/// Any missing or refused token answers 401 `{"detail": "Not authenticated"}` with
/// `WWW-Authenticate: Bearer` (never a 500, whatever the input); 503 only while the issuer's
/// keys have never been loaded.
///
/// ```swift
/// let verifier = RemoteTokenVerifier(configuration: .init(jwksURL: jwks, issuer: issuer, audience: ["orders"]))
/// app.grouped(RemoteTokenMiddleware(verifier: verifier)).get("orders") { req in
///     try await orders(for: req.remotePrincipal.subject)
/// }
/// ```
public struct RemoteTokenMiddleware: AsyncMiddleware {
    /// The verifier the tokens are checked with.
    public let verifier: RemoteTokenVerifier

    /// Creates the middleware.
    public init(verifier: RemoteTokenVerifier) {
        self.verifier = verifier
    }

    public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let token = request.headers.first(name: .authorization).flatMap(AuthorizationHeader.bearerToken) else {
            return JSONResponse.error(AuthError(.notAuthenticated, "Not authenticated")).vapor
        }
        let verified: VerifiedToken
        do {
            verified = try await verifier.verify(token)
        } catch  where error.code == .keysUnavailable {
            request.logger.warning("cannot verify bearer tokens: \(error)")
            let retry = max(1, verifier.configuration.retryInterval.components.seconds)
            return JSONResponse.detail(
                503, "Signing keys are not available", code: error.code.name,
                headers: [("Retry-After", String(retry))]
            ).vapor
        } catch {
            request.logger.debug("bearer token refused: \(error)")
            return JSONResponse.error(AuthError(.notAuthenticated, "Not authenticated")).vapor
        }
        request.auth.login(RemotePrincipal(verified))
        return try await next.respond(to: request)
    }
}
