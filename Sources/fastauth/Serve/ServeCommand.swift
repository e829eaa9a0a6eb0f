import ArgumentParser
import FastAuth
import Foundation

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the standalone auth server (SQLite by default, PostgreSQL via FASTAUTH_DATABASE_URL).",
        discussion: """
            Configured by FASTAUTH_* environment variables; a flag of the same name overrides each \
            (FASTAUTH_PORT → --port). Runs the database migrations on start and shuts down gracefully \
            on SIGINT/SIGTERM. Without FASTAUTH_SECRET, development mode generates one into \
            .fastauth/secret (mode 0600) with a warning; production mode refuses to start. \
            FASTAUTH_SECRET_FILE (--secret-file) reads the secret from a file, keeping it out of the \
            process's arguments and environment.

            Variables: \(ServeSettings.variables.joined(separator: ", ")).
            """)

    @Option(help: "FASTAUTH_SECRET (prefer --secret-file: arguments are visible to every user of the machine)")
    var secret: String?
    @Option(name: .customLong("secret-file"), help: "FASTAUTH_SECRET_FILE: read the secret from this file")
    var secretFile: String?
    @Option(name: .customLong("previous-secrets"), help: "FASTAUTH_PREVIOUS_SECRETS (comma-separated)")
    var previousSecrets: String?
    @Option(help: "FASTAUTH_ENV: development or production") var env: String?
    @Option(
        name: .customLong("database-url"),
        help: "FASTAUTH_DATABASE_URL: sqlite://PATH, sqlite::memory:, postgres://user:pass@host:port/db")
    var databaseURL: String?
    @Option(help: "FASTAUTH_HOST (default 127.0.0.1)") var host: String?
    @Option(help: "FASTAUTH_PORT (default 8000)") var port: String?
    @Option(help: "FASTAUTH_ALGORITHM: HS256 … EdDSA") var algorithm: String?
    @Option(help: "FASTAUTH_ISSUER") var issuer: String?
    @Option(help: "FASTAUTH_AUDIENCE (comma-separated)") var audience: String?
    @Option(name: .customLong("access-token-ttl"), help: "FASTAUTH_ACCESS_TOKEN_TTL seconds") var accessTokenTTL:
        String?
    @Option(name: .customLong("refresh-token-ttl"), help: "FASTAUTH_REFRESH_TOKEN_TTL seconds") var refreshTokenTTL:
        String?
    @Option(name: .customLong("remember-me-ttl"), help: "FASTAUTH_REMEMBER_ME_TTL seconds") var rememberMeTTL: String?
    @Option(help: "FASTAUTH_LEEWAY seconds") var leeway: String?
    @Option(name: .customLong("jwks-enabled"), help: "FASTAUTH_JWKS_ENABLED: true or false") var jwksEnabled: String?
    @Option(name: .customLong("jwks-max-age"), help: "FASTAUTH_JWKS_MAX_AGE seconds") var jwksMaxAge: String?
    @Option(name: .customLong("key-rotation-interval"), help: "FASTAUTH_KEY_ROTATION_INTERVAL seconds")
    var keyRotationInterval: String?
    @Option(name: .customLong("private-key-file"), help: "FASTAUTH_PRIVATE_KEY_FILE (PEM)") var privateKeyFile: String?
    @Option(name: .customLong("public-key-file"), help: "FASTAUTH_PUBLIC_KEY_FILE (PEM)") var publicKeyFile: String?
    @Option(name: .customLong("token-delivery"), help: "FASTAUTH_TOKEN_DELIVERY: json or cookie") var tokenDelivery:
        String?
    @Option(name: .customLong("route-prefix"), help: "FASTAUTH_ROUTE_PREFIX (default /auth)") var routePrefix: String?
    @Option(name: .customLong("rate-limit-per-minute"), help: "FASTAUTH_RATE_LIMIT_PER_MINUTE (0 disables)")
    var rateLimitPerMinute: String?
    @Option(name: .customLong("lockout-attempts"), help: "FASTAUTH_LOCKOUT_ATTEMPTS") var lockoutAttempts: String?
    @Option(name: .customLong("lockout-seconds"), help: "FASTAUTH_LOCKOUT_SECONDS") var lockoutSeconds: String?
    @Option(
        name: .customLong("trusted-proxies"),
        help: "FASTAUTH_TRUSTED_PROXIES: comma-separated IPs/CIDRs whose X-Forwarded-For is believed")
    var trustedProxies: String?
    @Option(
        name: .customLong("purge-interval"),
        help: "FASTAUTH_PURGE_INTERVAL seconds between housekeeping runs (default 3600)")
    var purgeInterval: String?
    @Option(
        name: .customLong("max-sessions-per-user"), help: "FASTAUTH_MAX_SESSIONS_PER_USER (default 100; 0: no limit)")
    var maxSessionsPerUser: String?
    @Option(
        name: .customLong("hash-queue-limit"),
        help: "FASTAUTH_HASH_QUEUE_LIMIT: password hashes that may wait; beyond it 503 (default 16 × cores)")
    var hashQueueLimit: String?
    @Option(
        name: .customLong("public-url"),
        help: "FASTAUTH_PUBLIC_URL: the external base URL, e.g. https://auth.example.com")
    var publicURL: String?
    @Option(
        name: .customLong("admin-role"), help: "FASTAUTH_ADMIN_ROLE: the role that may manage roles (default admin)")
    var adminRole: String?
    @Option(
        name: .customLong("roles-claim"), help: "FASTAUTH_ROLES_CLAIM: true puts roles and permissions in access tokens"
    ) var rolesClaim: String?
    @Option(
        name: .customLong("email-transport"),
        help: "FASTAUTH_EMAIL_TRANSPORT: log, smtp://user:pass@host:port, smtps://…, or webhook+https://…")
    var emailTransport: String?
    @Option(
        name: .customLong("email-from"),
        help: "FASTAUTH_EMAIL_FROM: the sender address (default no-reply@ the public host)")
    var emailFrom: String?
    @Option(
        name: .customLong("email-templates-dir"),
        help: "FASTAUTH_EMAIL_TEMPLATES_DIR: Mustache templates overriding the built-in mails")
    var emailTemplatesDir: String?
    @Option(
        name: .customLong("require-verified-email"),
        help: "FASTAUTH_REQUIRE_VERIFIED_EMAIL: true refuses logins until the email is verified")
    var requireVerifiedEmail: String?
    @Option(
        name: .customLong("oauth-redirect-uris"),
        help:
            "FASTAUTH_OAUTH_REDIRECT_URIS: the exact URLs a browser may be sent to after social sign-in (comma-separated)"
    )
    var oauthRedirectURIs: String?
    @Option(help: "FASTAUTH_ADAPTER: the HTTP framework, hummingbird (default) or vapor") var adapter: String?

    /// The environment with every given flag written over its variable.
    func mergedEnvironment(_ environment: [String: String]) -> [String: String] {
        var merged = environment
        let flags: [(String, String?)] = [
            ("FASTAUTH_SECRET", secret), ("FASTAUTH_SECRET_FILE", secretFile),
            ("FASTAUTH_PREVIOUS_SECRETS", previousSecrets), ("FASTAUTH_ENV", env),
            ("FASTAUTH_DATABASE_URL", databaseURL), ("FASTAUTH_HOST", host), ("FASTAUTH_PORT", port),
            ("FASTAUTH_ALGORITHM", algorithm), ("FASTAUTH_ISSUER", issuer), ("FASTAUTH_AUDIENCE", audience),
            ("FASTAUTH_ACCESS_TOKEN_TTL", accessTokenTTL), ("FASTAUTH_REFRESH_TOKEN_TTL", refreshTokenTTL),
            ("FASTAUTH_REMEMBER_ME_TTL", rememberMeTTL), ("FASTAUTH_LEEWAY", leeway),
            ("FASTAUTH_JWKS_ENABLED", jwksEnabled), ("FASTAUTH_JWKS_MAX_AGE", jwksMaxAge),
            ("FASTAUTH_KEY_ROTATION_INTERVAL", keyRotationInterval), ("FASTAUTH_PRIVATE_KEY_FILE", privateKeyFile),
            ("FASTAUTH_PUBLIC_KEY_FILE", publicKeyFile), ("FASTAUTH_TOKEN_DELIVERY", tokenDelivery),
            ("FASTAUTH_ROUTE_PREFIX", routePrefix), ("FASTAUTH_RATE_LIMIT_PER_MINUTE", rateLimitPerMinute),
            ("FASTAUTH_LOCKOUT_ATTEMPTS", lockoutAttempts), ("FASTAUTH_LOCKOUT_SECONDS", lockoutSeconds),
            ("FASTAUTH_TRUSTED_PROXIES", trustedProxies), ("FASTAUTH_PURGE_INTERVAL", purgeInterval),
            ("FASTAUTH_MAX_SESSIONS_PER_USER", maxSessionsPerUser), ("FASTAUTH_HASH_QUEUE_LIMIT", hashQueueLimit),
            ("FASTAUTH_PUBLIC_URL", publicURL),
            ("FASTAUTH_ADMIN_ROLE", adminRole), ("FASTAUTH_ROLES_CLAIM", rolesClaim),
            ("FASTAUTH_EMAIL_TRANSPORT", emailTransport), ("FASTAUTH_EMAIL_FROM", emailFrom),
            ("FASTAUTH_EMAIL_TEMPLATES_DIR", emailTemplatesDir),
            ("FASTAUTH_REQUIRE_VERIFIED_EMAIL", requireVerifiedEmail),
            ("FASTAUTH_OAUTH_REDIRECT_URIS", oauthRedirectURIs), ("FASTAUTH_ADAPTER", adapter),
        ]
        for (name, value) in flags { if let value { merged[name] = value } }
        return merged
    }

    /// One line when this is a debug build: its unoptimised crypto makes a login take over a
    /// second. `nil` in release builds.
    static var buildWarning: String? {
        #if DEBUG
        "WARNING: this fastauth is a debug build (password hashing and signing are ~10x slower); "
            + "for real use build it with `swift build -c release` and run .build/release/fastauth"
        #else
        nil
        #endif
    }

    func run() async throws {
        let settings: ServeSettings
        do {
            settings = try ServeSettings.load(environment: mergedEnvironment(ProcessInfo.processInfo.environment))
        } catch {
            writeError("fastauth: error: \(error)")
            throw ExitCode(1)
        }
        if let banner = settings.modeBanner { writeError(banner) }
        if let notice = settings.secretNotice { writeError(notice) }
        if let notice = settings.cryptoNotice { writeError(notice) }
        if let warning = Self.buildWarning { writeError(warning) }
        do {
            try await AuthServer.run(settings)
        } catch let error as ExitCode {
            throw error
        } catch {
            writeError("fastauth: error: \(error)")
            throw ExitCode(1)
        }
    }
}
