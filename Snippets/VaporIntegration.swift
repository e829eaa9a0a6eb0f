// FastAuth in a Vapor application: the auth routes, the JWKS, and a protected route of the app's own.
// snippet.hide
import FastAuth
import FastAuthDatabase
import FastAuthSQL
import FastAuthVapor
import Vapor

// snippet.show

// snippet.configure
func configure(_ app: Application, connection: DatabaseConnection) async throws {
    let store = SQLAuthStore(connection)
    try await store.createTables()  // 1. tables first
    let config = try FastAuthConfig(secret: Environment.get("FASTAUTH_SECRET") ?? "")
    let auth = try await AuthService(config: config, store: store)
    try await auth.keys.tick()  // 2. then keys (managed mode loads or creates them)
    auth.mount(app)  // 3. routes, JWKS, and the rotation loop
    app.grouped(auth.requireAuth()).get("api", "me") { req in
        try req.principal.user.email
    }
}
// snippet.end

// snippet.main
var environment = try Environment.detect()
try LoggingSystem.bootstrap(from: &environment)
let connection = try DatabaseConnection.open(Environment.get("FASTAUTH_DATABASE_URL") ?? "sqlite://fastauth.db")
let app = try await Application.make(environment)
app.middleware = Middlewares()
app.middleware.use(DetailErrorMiddleware())  // {"detail": …} for 404 and 405 too
do {
    try await configure(app, connection: connection)
    try await app.execute()
} catch {
    app.logger.report(error: error)
}
try await app.asyncShutdown()
await connection.shutdown()
// snippet.end
