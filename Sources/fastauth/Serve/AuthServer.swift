import CFastAuthMemory
import FastAuth
import FastAuthDatabase
import FastAuthOAuth
import FastAuthSQL
import FastAuthVapor
import Foundation
import Logging
import Vapor

/// The standalone server: the SQL store, migrations, FastAuth mounted on a Vapor app.
enum AuthServer {
    /// Builds the Vapor application for `settings` on an open store (tests call this too).
    static func makeApplication(
        settings: ServeSettings, store: SQLAuthStore, logger: Logger
    ) async throws -> Application {
        let environment = Environment(
            name: settings.mode == .production ? "production" : "development", arguments: ["fastauth"])
        let app = try await Application.make(environment)
        app.logger = logger
        app.http.server.configuration.hostname = settings.host
        app.http.server.configuration.port = settings.port
        // Vapor's server resets a connection whose headers are too large; this one answers 431.
        let server = ServeHTTPServer(application: app)
        app.servers.use { _ in server }
        app.middleware = Middlewares()
        app.middleware.use(DetailErrorMiddleware())
        let (auth, social) = try await makeAuth(settings: settings, store: store)
        auth.mount(app, socialSignIn: social)
        app.get("healthz") { _ in ["status": "ok"] }
        return app
    }

    /// The auth service of `settings` on `store`, with managed keys loaded, and its social sign-in.
    static func makeAuth(settings: ServeSettings, store: SQLAuthStore) async throws -> (AuthService, SocialSignIn?) {
        let auth = try await AuthService(config: settings.config, store: store, logger: Logger(label: "fastauth.auth"))
        if auth.keys.isManaged {
            // initialize_jwks(): after createTables, before serving, so the first request can sign.
            try await auth.keys.tick()
        }
        let social = settings.providers.isEmpty ? nil : try SocialSignIn(auth: auth, providers: settings.providers)
        return (auth, social)
    }

    /// The start-up line: where FastAuth listens and how it is configured (never a secret).
    static func announce(_ settings: ServeSettings, logger: Logger) {
        logger.info(
            "FastAuth listening",
            metadata: [
                "address": "http://\(settings.host):\(settings.port)", "prefix": "\(settings.config.routePrefix)",
                "algorithm": "\(settings.config.jwt.algorithm)", "mode": "\(settings.mode.rawValue)",
                "adapter": "\(settings.adapter.rawValue)",
                "email": "\(settings.config.accounts.emailTransport?.name ?? "off (set FASTAUTH_EMAIL_TRANSPORT)")",
                "oauth": "\(settings.providers.isEmpty ? "none" : settings.providers.map(\.id).joined(separator: ","))",
            ])
    }

    /// Opens the database, migrates, serves until SIGINT/SIGTERM, and shuts down cleanly.
    static func run(_ settings: ServeSettings) async throws {
        // scrypt's 16 MiB working buffer comes from malloc. Once glibc has seen such a block
        // freed it raises its mmap threshold and keeps later ones in its arenas: an idle server
        // would hold one buffer per hashing thread (+16 MiB of RSS after a single login) for
        // good. A fixed threshold gives every block of 1 MiB or more back on free; two arenas
        // (instead of up to eight per core) keep less free memory spread over threads.
        cfastauth_tune_heap(1 << 20, 2)
        // Read once: Vapor makes a logger per request, and building the environment
        // dictionary in this closure cost a third of the CPU of a request.
        let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in ServeLogHandler(label: label, level: level) }
        let logger = Logger(label: "fastauth")
        let connection = try DatabaseConnection.open(settings.databaseURL, logger: Logger(label: "fastauth.database"))
        do {
            let store = SQLAuthStore(connection)
            let report = try await store.createTables()
            logger.info("database ready", metadata: ["database": "\(connection.location)", "schema": "\(report)"])
            if settings.adapter == .hummingbird {
                let (auth, social) = try await makeAuth(settings: settings, store: store)
                announce(settings, logger: logger)
                try await HummingbirdServer.run(settings: settings, auth: auth, socialSignIn: social, logger: logger)
                await connection.shutdown()
                return
            }
            let app = try await makeApplication(settings: settings, store: store, logger: logger)
            announce(settings, logger: logger)
            do {
                try await app.execute()
            } catch {
                try? await app.asyncShutdown()
                throw error
            }
            try await app.asyncShutdown()
        } catch {
            await connection.shutdown()
            throw error
        }
        await connection.shutdown()
    }
}
