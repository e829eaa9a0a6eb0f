import FastAuth
import FastAuthVapor
import FastAuthVerifier
import Foundation
import Vapor

/// The resource service of the microservice example: it holds no key and no secret, only the
/// auth service's address. It verifies access tokens against the published JWKS (cached,
/// refetched on an unknown `kid`) and answers `GET /api/data` with the caller's `sub`.
///
///     swift run jwt-resource-service                          (http://127.0.0.1:8001)
///
/// Environment: PORT (8001), AUTH_URL (http://127.0.0.1:8000), ISSUER (AUTH_URL),
/// AUDIENCE (resource-service).
@main
enum ResourceServiceApp {
    struct ConfigurationProblem: Error, CustomStringConvertible {
        let description: String
    }

    static func main() async throws {
        var environment = try Environment.detect()
        try LoggingSystem.bootstrap(from: &environment)
        let authURL = Environment.get("AUTH_URL") ?? "http://127.0.0.1:8000"
        guard let jwksURL = URL(string: authURL + "/.well-known/jwks.json"), jwksURL.host != nil else {
            throw ConfigurationProblem(description: "AUTH_URL is not a URL: \(authURL)")
        }
        let verifier = RemoteTokenVerifier(
            configuration: .init(
                jwksURL: jwksURL, issuer: Environment.get("ISSUER") ?? authURL,
                audience: [Environment.get("AUDIENCE") ?? "resource-service"]))

        let app = try await Application.make(environment)
        do {
            app.http.server.configuration.port = Environment.get("PORT").flatMap(Int.init) ?? 8001
            app.middleware = Middlewares()
            app.middleware.use(DetailErrorMiddleware())
            app.get("healthz") { _ in ["status": "ok"] }
            app.grouped(RemoteTokenMiddleware(verifier: verifier)).get("api", "data") { request in
                let caller = try request.remotePrincipal
                return ["sub": caller.subject, "kid": caller.keyID.rawValue, "data": "only for authenticated callers"]
            }
            try await app.execute()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}
