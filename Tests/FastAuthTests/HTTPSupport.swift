import FastAuth
import FastAuthSQL
import FastAuthTesting
import FastAuthVapor
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import FastAuthDatabase
@testable import fastauth

/// Runs `body` with an app that has FastAuth mounted on a real store: a fresh SQLite file by
/// default, or PostgreSQL (`FASTAUTH_TEST_POSTGRES_URL`) when `postgres` is set.
func withHarness(
    delivery: TokenDelivery = .json,
    security: SecurityConfig = SecurityConfig(
        rateLimitPerMinute: 0, passwordHashing: .insecureTesting, hashQueueLimit: 10_000),
    hooks: any EventHooks = NoHooks(), roles: RolesConfig = RolesConfig(),
    accounts: AccountsConfig = AccountsConfig(emailTransport: RecordingEmailTransport()),
    social: SocialConfig = SocialConfig(),
    postgres: Bool = false, _ body: (HTTPHarness, Application) async throws -> Void
) async throws {
    try await withTestDatabase(postgres: postgres) { store in
        try await withApp { app in
            let harness = try await HTTPHarness.make(
                app, delivery: delivery, security: security, store: store, hooks: hooks, roles: roles,
                accounts: accounts,
                social: social, adapter: HTTPAdapter.current ?? .vapor)
            try await harness.run { try await body(harness, app) }
        }
    }
}

/// A migrated ``SQLAuthStore`` on a fresh SQLite file (or a fresh PostgreSQL schema), shut
/// down afterwards.
func withTestDatabase<T>(postgres: Bool = false, _ body: (SQLAuthStore) async throws -> T) async throws -> T {
    let connection: DatabaseConnection
    var schema: String?
    if postgres, let url = ProcessInfo.processInfo.environment["FASTAUTH_TEST_POSTGRES_URL"] {
        let name = "fastauth_http_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let setup = try DatabaseConnection.open(url)
        try await setup.database.raw("CREATE SCHEMA \(unsafeRaw: name)").run()
        await setup.shutdown()
        connection = try DatabaseConnection.open(DatabaseURL(url), postgresSearchPath: [name])
        schema = name
    } else {
        let path = NSTemporaryDirectory() + "fastauth-http-\(UUID().uuidString).db"
        connection = try DatabaseConnection.open("sqlite://" + path)
    }
    let store = SQLAuthStore(connection)
    let result: T
    do {
        try await store.createTables()
        result = try await body(store)
    } catch {
        await connection.shutdown()
        throw error
    }
    await connection.shutdown()
    if let schema, let url = ProcessInfo.processInfo.environment["FASTAUTH_TEST_POSTGRES_URL"] {
        let cleanup = try DatabaseConnection.open(url)
        try? await cleanup.database.raw("DROP SCHEMA \(unsafeRaw: schema) CASCADE").run()
        await cleanup.shutdown()
    }
    return result
}

/// An app with FastAuth mounted, as `fastauth serve` builds it, and a small JSON client that
/// sends through `adapter`: the Vapor app, or the same ``AuthService`` mounted on Hummingbird.
struct HTTPHarness {
    let app: Application
    let auth: AuthService
    let clock: ManualClock
    var adapter: HTTPAdapter = .vapor
    var hummingbird: HummingbirdHarness? = nil

    struct Reply {
        let status: HTTPStatus
        let headers: HTTPHeaders
        let body: String
        var json: JSONValue? { try? JSONValue(parsing: Array(body.utf8)) }
        var detail: String? { json?["detail"]?.stringValue }
        subscript(key: String) -> JSONValue? { json?[key] }
    }

    static func make(
        _ app: Application, delivery: TokenDelivery = .json,
        security: SecurityConfig = SecurityConfig(rateLimitPerMinute: 0, passwordHashing: .insecureTesting),
        store: (any AuthStore)? = nil, hooks: any EventHooks = NoHooks(), roles: RolesConfig = RolesConfig(),
        accounts: AccountsConfig = AccountsConfig(emailTransport: RecordingEmailTransport()),
        social: SocialConfig = SocialConfig(), adapter: HTTPAdapter = .vapor
    ) async throws -> HTTPHarness {
        let config = try FastAuthConfig(
            secret: TestFixtures.secret, jwt: JWTConfig(issuer: "https://auth.example.test", audience: ["api"]),
            hooks: hooks, tokenDelivery: delivery, cookie: CookieConfig(secure: false), security: security,
            roles: roles,
            accounts: accounts, social: social)
        let clock = ManualClock(Date())
        let auth = try await AuthService(config: config, store: store ?? InMemoryStore(), clock: clock)
        auth.mount(app)
        app.grouped(auth.requireAuth()).get("api", "me") { request in
            try ["id": request.principal.user.id.rawValue, "email": request.principal.user.email]
        }
        app.middleware = Middlewares()
        app.middleware.use(DetailErrorMiddleware())
        return HTTPHarness(
            app: app, auth: auth, clock: clock, adapter: adapter,
            hummingbird: adapter == .hummingbird ? HummingbirdHarness(auth: auth) : nil)
    }

    /// Runs `body` with the adapter's server up (the Hummingbird router and its services).
    func run(_ body: () async throws -> Void) async throws {
        guard let hummingbird else { return try await body() }
        try await hummingbird.run(body)
    }

    func send(
        _ method: HTTPMethod, _ path: String, json: JSONValue? = nil, raw: String? = nil, contentType: String? = nil,
        bearer: String? = nil, headers extra: HTTPHeaders = [:]
    ) async throws -> Reply {
        var headers = extra
        if let bearer { headers.add(name: .authorization, value: "Bearer \(bearer)") }
        var body: ByteBuffer? = nil
        if let json {
            body = ByteBuffer(bytes: json.jsonBytes)
            headers.replaceOrAdd(name: .contentType, value: contentType ?? "application/json")
        } else if let raw {
            body = ByteBuffer(string: raw)
            if let contentType { headers.replaceOrAdd(name: .contentType, value: contentType) }
        }
        if let hummingbird {
            let reply = try await hummingbird.send(
                method: method.rawValue, path: path, headers: headers.map { ($0.name, $0.value) },
                body: body.map { Array($0.readableBytesView) })
            var fields = HTTPHeaders()
            for header in reply.headers { fields.add(name: header.name, value: header.value) }
            return Reply(
                status: HTTPStatus(statusCode: reply.status), headers: fields,
                body: String(decoding: reply.body, as: UTF8.self))
        }
        let response = try await app.testing().sendRequest(method, path, headers: headers, body: body)
        return Reply(status: response.status, headers: response.headers, body: String(buffer: response.body))
    }

    /// The recording transport the harness's mail goes to.
    var mail: RecordingEmailTransport {
        get throws { try #require(auth.config.accounts.emailTransport as? RecordingEmailTransport) }
    }

    /// Delivers the outbox now and returns the mails sent by this pass.
    func deliverMail() async throws -> [EmailMessage] {
        let before = try mail.sent.count
        try await auth.outbox.deliverDue(limit: 100)
        return Array(try mail.sent.dropFirst(before))
    }

    /// Registers a user and returns (access, refresh).
    func register(
        _ email: String = "ada@example.com", password: String = "correct horse battery"
    ) async throws -> (String, String) {
        let reply = try await send(
            .POST, "auth/register", json: ["email": .string(email), "password": .string(password), "name": "Ada"])
        #expect(reply.status == .created, "\(reply.body)")
        return (reply["access_token"]?.stringValue ?? "", reply["refresh_token"]?.stringValue ?? "")
    }
}
