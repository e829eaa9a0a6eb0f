import FastAuth
import FastAuthDatabase
import FastAuthSQL
import FastAuthVapor
import Vapor

/// The auth service of the microservice example: FastAuth mounted on a Vapor app, ES256 keys
/// generated and stored in the database, rotating on a schedule, published as a JWKS.
///
///     FASTAUTH_SECRET=… swift run jwt-auth-service          (http://127.0.0.1:8000)
///
/// Environment: FASTAUTH_SECRET (required), PORT (8000), DATABASE_URL (sqlite://auth-service.db),
/// ROTATION_SECONDS (86400), ACCESS_TOKEN_TTL (900), ISSUER (http://127.0.0.1:PORT),
/// AUDIENCE (resource-service).
@main
enum AuthServiceApp {
    static func main() async throws {
        var environment = try Environment.detect()
        try LoggingSystem.bootstrap(from: &environment)
        let port = Environment.get("PORT").flatMap(Int.init) ?? 8000
        let config = try FastAuthConfig(
            secret: Environment.get("FASTAUTH_SECRET") ?? "",
            jwt: JWTConfig(
                algorithm: .es256,
                accessTokenTTL: .seconds(Environment.get("ACCESS_TOKEN_TTL").flatMap(Int64.init) ?? 900),
                issuer: Environment.get("ISSUER") ?? "http://127.0.0.1:\(port)",
                audience: [Environment.get("AUDIENCE") ?? "resource-service"],
                jwksEnabled: true,
                keyRotationInterval: .seconds(Environment.get("ROTATION_SECONDS").flatMap(Int64.init) ?? 86_400)),
            security: SecurityConfig(
                rateLimitPerMinute: Environment.get("RATE_LIMIT_PER_MINUTE").flatMap(Int.init) ?? 100))

        let database = try DatabaseConnection.open(Environment.get("DATABASE_URL") ?? "sqlite://auth-service.db")
        let app = try await Application.make(environment)
        do {
            app.http.server.configuration.port = port
            app.middleware = Middlewares()
            app.middleware.use(DetailErrorMiddleware())

            let store = SQLAuthStore(database)
            try await store.createTables()  // 1. the tables (the seed's create_tables())
            let auth = try await AuthService(config: config, store: store)
            try await auth.keys.tick()  // 2. the keys (the seed's initialize_jwks())
            auth.mount(app)  // 3. routes, JWKS and the rotation loop
            app.get("healthz") { _ in ["status": "ok"] }

            try await app.execute()
        } catch {
            try? await app.asyncShutdown()
            await database.shutdown()
            throw error
        }
        try await app.asyncShutdown()
        await database.shutdown()
    }
}
