public import FastAuth
import FastAuthHTTP
public import FastAuthOAuth
import Synchronization
public import Vapor

extension AuthService {
    /// Mounts all of FastAuth on `app` — the route table of ``FastAuthHTTP/AuthAPI``: every auth
    /// route of docs/HTTP-API.md under ``FastAuthConfig/routePrefix`` (register, login, refresh,
    /// logout, me, sessions, token introspection and revocation, the account, role and social
    /// sign-in routes — the latter answering 404 for every provider unless `socialSignIn`
    /// configures some — and `openapi.json`), the `.well-known` JWKS and metadata routes at the
    /// root, and, for the application's lifetime, its background work: managed-key rotation
    /// (loading, reloading, rotating), the housekeeping task (purging expired counters, login
    /// attempts, long-ended sessions, used links, sent mail and deleted accounts) and the email
    /// delivery task.
    ///
    /// `routes` puts the auth routes behind your own middleware (`app.grouped(CORSMiddleware())`);
    /// the `.well-known` routes and the background tasks stay on `app`, so no way of mounting
    /// leaves out the key lifecycle or mail delivery.
    ///
    /// Call it after `createTables()`; in managed mode, `try await auth.keys.tick()` first
    /// makes keys available before the server starts instead of shortly after.
    public func mount(_ app: Application, routes: (any RoutesBuilder)? = nil, socialSignIn: SocialSignIn? = nil) {
        let api = AuthAPI(auth: self, socialSignIn: socialSignIn)
        for route in api.routes {
            // The `.well-known` routes live at the root, outside the caller's group.
            let builder: any RoutesBuilder = route.isBelowPrefix ? (routes ?? app) : app
            builder.on(
                route.method.vapor, route.path.map { PathComponent(stringLiteral: $0) },
                body: .collect(maxSize: ByteCount(value: route.maxBodyBytes))
            ) { request in
                try await route.respond(to: VaporAuthRequest(request)).vapor
            }
        }
        for work in api.backgroundWork {
            app.lifecycle.use(BackgroundTaskLifecycle(work.run))
        }
    }
}

/// Runs a background task for the application's lifetime: started after boot, cancelled (and
/// awaited) on shutdown.
final class BackgroundTaskLifecycle: LifecycleHandler {
    private let body: @Sendable () async -> Void
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(_ body: @escaping @Sendable () async -> Void) {
        self.body = body
    }

    func didBootAsync(_ application: Application) async throws {
        let body = self.body
        task.withLock { $0 = Task { await body() } }
    }

    func shutdownAsync(_ application: Application) async {
        let running = task.withLock { task in
            defer { task = nil }
            return task
        }
        running?.cancel()
        await running?.value
    }
}
