// FastAuth in a Hummingbird 2 application: the same auth routes, the JWKS, the background work
// as a Service, and a protected route of the app's own.
// snippet.hide
import FastAuth
import FastAuthDatabase
import FastAuthHummingbird
import FastAuthSQL
import Foundation
import Hummingbird

// snippet.show

// snippet.configure
func makeApp(connection: DatabaseConnection) async throws -> some ApplicationProtocol {
    let store = SQLAuthStore(connection)
    try await store.createTables()  // 1. tables first
    let config = try FastAuthConfig(secret: ProcessInfo.processInfo.environment["FASTAUTH_SECRET"] ?? "")
    let auth = try await AuthService(config: config, store: store)
    try await auth.keys.tick()  // 2. then keys (managed mode loads or creates them)
    let router = Router(context: BasicFastAuthRequestContext.self)
    let background = auth.mount(router)  // 3. routes, JWKS, {"detail": …} errors; the loops as a Service
    router.group("api").add(middleware: auth.requireAuth(context: BasicFastAuthRequestContext.self))
        .get("me") { _, context in try context.requirePrincipal.user.email }
    return Application(router: router, services: [background])
}
// snippet.end

// snippet.main
let connection = try DatabaseConnection.open(
    ProcessInfo.processInfo.environment["FASTAUTH_DATABASE_URL"] ?? "sqlite://fastauth.db")
do {
    try await makeApp(connection: connection).runService()  // until SIGINT/SIGTERM
} catch {
    print("error: \(error)")
}
await connection.shutdown()
// snippet.end
