import FastAuth
import FastAuthHummingbird
import FastAuthOAuth
import Hummingbird
import Logging

/// `serve --adapter hummingbird`: the same route table, background work and `/healthz` on
/// Hummingbird 2, whose `runService()` stops gracefully on SIGINT/SIGTERM.
enum HummingbirdServer {
    /// Serves until SIGINT or SIGTERM, then lets in-flight requests and the background work end.
    static func run(
        settings: ServeSettings, auth: AuthService, socialSignIn: SocialSignIn?, logger: Logger
    ) async throws {
        try await makeApplication(settings: settings, auth: auth, socialSignIn: socialSignIn, logger: logger)
            .runService()
    }

    static func makeApplication(
        settings: ServeSettings, auth: AuthService, socialSignIn: SocialSignIn?, logger: Logger
    ) -> some ApplicationProtocol {
        let router = Router(context: BasicFastAuthRequestContext.self)
        let background = auth.mount(router, socialSignIn: socialSignIn)
        router.get("healthz") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
        }
        return Application(
            router: router,
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil),
            services: [background], logger: logger)
    }
}
