// The microservice pattern: an auth service publishing rotating ES256 keys, and a resource
// service that verifies tokens through the JWKS alone.
// snippet.hide
import FastAuth
import FastAuthDatabase
import FastAuthSQL
import FastAuthVapor
import FastAuthVerifier
import Foundation
import Vapor

struct Order: Content { let id: String }
func orders(for subject: String) async throws -> [Order] { [] }
// snippet.show

// snippet.auth
func configureAuthService(_ app: Application, connection: DatabaseConnection, secret: String) async throws {
    let config = try FastAuthConfig(
        secret: secret,
        jwt: JWTConfig(
            algorithm: .es256,
            issuer: "https://auth.example.com",
            audience: ["orders"],
            jwksEnabled: true,
            keyRotationInterval: .seconds(86_400)))
    let store = SQLAuthStore(connection)
    try await store.createTables()
    let auth = try await AuthService(config: config, store: store)
    try await auth.keys.tick()
    auth.mount(app)  // /auth/…, /.well-known/jwks.json, /.well-known/oauth-authorization-server
}
// snippet.end

// snippet.resource
func configureResourceService(_ app: Application) throws {
    guard let jwksURL = URL(string: "https://auth.example.com/.well-known/jwks.json") else { return }
    let verifier = RemoteTokenVerifier(
        configuration: .init(jwksURL: jwksURL, issuer: "https://auth.example.com", audience: ["orders"]))
    app.grouped(RemoteTokenMiddleware(verifier: verifier)).get("orders") { req in
        try await orders(for: req.remotePrincipal.subject)
    }
}
// snippet.end
