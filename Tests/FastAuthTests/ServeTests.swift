import ArgumentParser
import FastAuth
import FastAuthSQL
import FastAuthTesting
import Foundation
import Synchronization
import Testing
import Vapor
import VaporTesting

@testable import fastauth

@Suite("fastauth serve settings")
struct ServeSettingsTests {
    private func directory() -> String {
        NSTemporaryDirectory() + "fastauth-serve-" + UUID().uuidString
    }

    @Test("the defaults: development, SQLite fastauth.db, 127.0.0.1:8000, HS256, /auth, json")
    func defaults() throws {
        let dir = directory()
        let settings = try ServeSettings.load(environment: [:], secretDirectory: dir)
        #expect(settings.mode == .development)
        #expect(settings.databaseURL == "sqlite://fastauth.db")
        #expect(settings.host == "127.0.0.1" && settings.port == 8000)
        #expect(settings.config.jwt.algorithm == .hs256)
        #expect(settings.config.routePrefix == "/auth")
        #expect(settings.config.tokenDelivery == .json)
        #expect(settings.config.security.rateLimitPerMinute == 100)
        #expect(settings.config.security.lockoutAttempts == 5)
        #expect(settings.config.cookie.secure == false)
        #expect(settings.secretNotice?.contains("generated") == true)
    }

    @Test("development generates .fastauth/secret once (mode 0600) and reuses it")
    func developmentSecret() throws {
        let dir = directory()
        let first = try ServeSettings.load(environment: [:], secretDirectory: dir)
        let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/secret")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let second = try ServeSettings.load(environment: [:], secretDirectory: dir)
        #expect(first.config.secret == second.config.secret)
        #expect(first.config.secret.utf8.count >= 64)
    }

    @Test("a new development secret file is 0600 even under a permissive umask")
    func developmentSecretIgnoresUmask() throws {
        let dir = directory()
        let previous = umask(0)
        defer { umask(previous) }
        _ = try ServeSettings.load(environment: [:], secretDirectory: dir)
        let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/secret")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test(
        "a reused development secret that group or others can read is refused with a readable error",
        arguments: [0o640, 0o604, 0o660, 0o644])
    func developmentSecretTooOpen(mode: Int) throws {
        let dir = directory()
        _ = try ServeSettings.load(environment: [:], secretDirectory: dir)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: dir + "/secret")
        do {
            _ = try ServeSettings.load(environment: [:], secretDirectory: dir)
            Issue.record("a secret file with mode \(String(mode, radix: 8)) was used")
        } catch {
            #expect(
                error.problems.contains { $0.contains("chmod 600") && $0.contains(String(mode, radix: 8)) },
                "\(error.problems)")
        }
    }

    @Test("a development secret that is a symlink is refused (not followed)")
    func developmentSecretSymlink() throws {
        let dir = directory()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let target = dir + "/elsewhere"
        _ = FileManager.default.createFile(
            atPath: target, contents: Data(String(repeating: "s", count: 64).utf8),
            attributes: [.posixPermissions: 0o600])
        try FileManager.default.createSymbolicLink(atPath: dir + "/secret", withDestinationPath: target)
        #expect(throws: ConfigurationError.self) { try ServeSettings.load(environment: [:], secretDirectory: dir) }
    }

    @Test("FASTAUTH_SECRET_FILE and --secret-file read the secret from a file")
    func secretFile() throws {
        let dir = directory()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/deploy-secret"
        _ = FileManager.default.createFile(atPath: path, contents: Data((TestFixtures.secret + "\n").utf8))
        let settings = try ServeSettings.load(
            environment: ["FASTAUTH_ENV": "production", "FASTAUTH_SECRET_FILE": path], secretDirectory: dir + "/dev")
        #expect(settings.config.secret == TestFixtures.secret)
        #expect(settings.secretNotice == nil)
        #expect(!FileManager.default.fileExists(atPath: dir + "/dev/secret"))
        let command = try ServeCommand.parse(["--secret-file", path])
        #expect(command.mergedEnvironment([:])["FASTAUTH_SECRET_FILE"] == path)
        #expect(ServeSettings.variables.contains("FASTAUTH_SECRET_FILE"))
    }

    @Test(
        "an unreadable, missing or empty secret file, or one given beside FASTAUTH_SECRET, is a clear error (no development secret instead)"
    )
    func secretFileProblems() throws {
        let dir = directory()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let empty = dir + "/empty"
        _ = FileManager.default.createFile(atPath: empty, contents: Data("\n".utf8))
        let cases: [([String: String], String)] = [
            (["FASTAUTH_SECRET_FILE": dir + "/missing"], "does not exist"),
            (["FASTAUTH_SECRET_FILE": empty], "is empty"),
            (["FASTAUTH_SECRET_FILE": dir], "is a directory"),
            (["FASTAUTH_SECRET_FILE": empty, "FASTAUTH_SECRET": TestFixtures.secret], "both set"),
        ]
        for (environment, expected) in cases {
            do {
                _ = try ServeSettings.load(environment: environment, secretDirectory: dir + "/dev")
                Issue.record("accepted \(environment)")
            } catch {
                #expect(
                    error.problems.contains { $0.contains("FASTAUTH_SECRET_FILE") && $0.contains(expected) },
                    "\(error.problems)")
            }
            #expect(!FileManager.default.fileExists(atPath: dir + "/dev/secret"))
        }
    }

    @Test("development mode has one loud banner line; production has none")
    func developmentBanner() throws {
        let development = try ServeSettings.load(environment: [:], secretDirectory: directory())
        let banner = try #require(development.modeBanner)
        #expect(
            banner.contains("DEVELOPMENT MODE") && banner.contains("FASTAUTH_ENV=production") && !banner.contains("\n"))
        let production = try ServeSettings.load(
            environment: ["FASTAUTH_ENV": "production", "FASTAUTH_SECRET": TestFixtures.secret],
            secretDirectory: directory())
        #expect(production.modeBanner == nil)
    }

    @Test("production refuses a missing or weak secret")
    func production() {
        #expect(throws: ConfigurationError.self) {
            try ServeSettings.load(environment: ["FASTAUTH_ENV": "production"], secretDirectory: directory())
        }
        #expect(throws: ConfigurationError.self) {
            try ServeSettings.load(
                environment: ["FASTAUTH_ENV": "production", "FASTAUTH_SECRET": "short"], secretDirectory: directory())
        }
        #expect(throws: Never.self) {
            try ServeSettings.load(
                environment: ["FASTAUTH_ENV": "production", "FASTAUTH_SECRET": TestFixtures.secret],
                secretDirectory: directory())
        }
    }

    @Test("docs/CONFIGURATION.md and serve --help describe every variable serve reads")
    func variablesDocumented() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../docs/CONFIGURATION.md").standardized
        let document = try #require(FileManager.default.contents(atPath: url.path), "docs/CONFIGURATION.md is missing")
        let text = String(decoding: document, as: UTF8.self)
        let help = ServeCommand.helpMessage()
        for name in ServeSettings.variables {
            #expect(text.contains("`\(name)`"), "docs/CONFIGURATION.md does not describe \(name)")
            #expect(help.contains(name), "serve --help does not mention \(name)")
        }
    }

    @Test("FASTAUTH_CRYPTO: a wrong value stops the start; the keys sign with the chosen library, which RSA modes log")
    func cryptoBackend() async throws {
        let refused = #expect(throws: ConfigurationError.self) {
            try ServeSettings.load(
                environment: ["FASTAUTH_SECRET": TestFixtures.secret, "FASTAUTH_CRYPTO": "gnutls"],
                secretDirectory: directory())
        }
        #expect(refused?.description.contains("FASTAUTH_CRYPTO must be auto, openssl or boringssl") == true)
        let hmac = try ServeSettings.load(
            environment: ["FASTAUTH_SECRET": TestFixtures.secret], secretDirectory: directory())
        #expect(hmac.cryptoNotice == nil)
        let keys = directory()
        _ = try KeyFiles.generate(algorithm: .rs256, rsaBits: 2048, directory: keys, overwrite: false)
        for backend in RSASigningBackend.allCases where backend == .boringSSL || RSASigningBackend.isOpenSSLAvailable {
            let settings = try ServeSettings.load(
                environment: [
                    "FASTAUTH_SECRET": TestFixtures.secret, "FASTAUTH_ALGORITHM": "RS256",
                    "FASTAUTH_PRIVATE_KEY_FILE": keys + "/private.pem", "FASTAUTH_CRYPTO": backend.rawValue,
                ], secretDirectory: directory())
            #expect(settings.config.jwt.rsaSigningBackend == backend)
            #expect(settings.cryptoNotice == "fastauth: " + RSASigningBackend.describe(backend))
            let ring = try await KeyRing(config: settings.config)
            #expect(ring.snapshot.access.signingKey?.rsaSigningBackend == backend)
        }
    }

    @Test("FASTAUTH_ADAPTER: hummingbird by default, vapor when asked, anything else stops the start")
    func adapter() throws {
        let plain = try ServeSettings.load(
            environment: ["FASTAUTH_SECRET": TestFixtures.secret], secretDirectory: directory())
        #expect(plain.adapter == .hummingbird)
        let chosen = try ServeSettings.load(
            environment: ["FASTAUTH_SECRET": TestFixtures.secret, "FASTAUTH_ADAPTER": "Vapor"],
            secretDirectory: directory())
        #expect(chosen.adapter == .vapor)
        let refused = #expect(throws: ConfigurationError.self) {
            try ServeSettings.load(
                environment: ["FASTAUTH_SECRET": TestFixtures.secret, "FASTAUTH_ADAPTER": "express"],
                secretDirectory: directory())
        }
        #expect(refused?.description.contains("FASTAUTH_ADAPTER must be vapor or hummingbird") == true)
        let flagged = try ServeCommand.parse(["--adapter", "vapor"]).mergedEnvironment([:])
        #expect(flagged["FASTAUTH_ADAPTER"] == "vapor")
    }

    @Test("every variable is read")
    func variables() throws {
        let keys = directory()
        _ = try KeyFiles.generate(algorithm: .es256, rsaBits: 2048, directory: keys, overwrite: false)
        let settings = try ServeSettings.load(environment: [
            "FASTAUTH_SECRET": TestFixtures.secret,
            "FASTAUTH_PREVIOUS_SECRETS": String(repeating: "p", count: 40) + "," + String(repeating: "q", count: 40),
            "FASTAUTH_ENV": "production", "FASTAUTH_DATABASE_URL": "postgres://u:p@db:5432/x",
            "FASTAUTH_HOST": "0.0.0.0",
            "FASTAUTH_PORT": "9001", "FASTAUTH_ALGORITHM": "ES256", "FASTAUTH_ISSUER": "https://iss",
            "FASTAUTH_AUDIENCE": "a, b",
            "FASTAUTH_ACCESS_TOKEN_TTL": "600", "FASTAUTH_REFRESH_TOKEN_TTL": "86400",
            "FASTAUTH_REMEMBER_ME_TTL": "172800",
            "FASTAUTH_LEEWAY": "5", "FASTAUTH_JWKS_ENABLED": "true", "FASTAUTH_JWKS_MAX_AGE": "60",
            "FASTAUTH_PRIVATE_KEY_FILE": keys + "/private.pem", "FASTAUTH_PUBLIC_KEY_FILE": keys + "/public.pem",
            "FASTAUTH_TOKEN_DELIVERY": "cookie", "FASTAUTH_ROUTE_PREFIX": "/api/auth",
            "FASTAUTH_RATE_LIMIT_PER_MINUTE": "0",
            "FASTAUTH_LOCKOUT_ATTEMPTS": "3", "FASTAUTH_LOCKOUT_SECONDS": "60",
            "FASTAUTH_ADMIN_ROLE": "ops", "FASTAUTH_ROLES_CLAIM": "true",
            "FASTAUTH_EMAIL_TRANSPORT": "smtps://mailer:s3cret@smtp.example.com",
            "FASTAUTH_EMAIL_FROM": "Auth <auth@example.com>",
            "FASTAUTH_REQUIRE_VERIFIED_EMAIL": "true", "FASTAUTH_EMAIL_TEMPLATES_DIR": "/etc/fastauth/templates",
        ])
        let c = settings.config
        #expect(c.roles.adminRole == "ops" && c.roles.rolesClaim)
        #expect(c.accounts.emailTransport?.name.contains("smtp.example.com") == true)
        #expect(c.accounts.emailTransport?.name.contains("s3cret") == false)
        #expect(c.accounts.emailFrom == "Auth <auth@example.com>" && c.accounts.requireVerifiedEmail)
        #expect(c.accounts.templatesDirectory == "/etc/fastauth/templates")
        #expect(c.linkBaseURL == "https://iss")
        #expect(settings.mode == .production && settings.host == "0.0.0.0" && settings.port == 9001)
        #expect(settings.databaseURL == "postgres://u:p@db:5432/x")
        #expect(c.previousSecrets.count == 2)
        #expect(c.jwt.algorithm == .es256 && c.jwt.issuer == "https://iss" && c.jwt.audience == ["a", "b"])
        #expect(
            c.jwt.accessTokenTTL == .seconds(600) && c.jwt.refreshTokenTTL == .seconds(86400)
                && c.jwt.rememberMeTTL == .seconds(172_800))
        #expect(c.jwt.leeway == .seconds(5) && c.jwt.jwksEnabled && c.jwt.jwksMaxAge == .seconds(60))
        #expect(c.staticPrivateKey != nil && c.staticPublicKey != nil)
        #expect(c.tokenDelivery == .cookie && c.routePrefix == "/api/auth" && c.cookie.secure)
        #expect(
            c.security.rateLimitPerMinute == 0 && c.security.lockoutAttempts == 3
                && c.security.lockoutDuration == .seconds(60))
    }

    @Test("mail: the log in development; off in production unless a delivering transport is set; `log` refused there")
    func mailTransport() throws {
        let development = try ServeSettings.load(
            environment: ["FASTAUTH_SECRET": TestFixtures.secret], secretDirectory: directory())
        #expect(development.config.accounts.emailTransport?.name == "log")
        #expect(development.config.linkBaseURL == "http://127.0.0.1:8000")
        let production = ["FASTAUTH_SECRET": TestFixtures.secret, "FASTAUTH_ENV": "production"]
        #expect(try ServeSettings.load(environment: production).config.accounts.emailTransport == nil)
        do {
            _ = try ServeSettings.load(environment: production.merging(["FASTAUTH_EMAIL_TRANSPORT": "log"]) { $1 })
            Issue.record("production started with the log transport")
        } catch {
            #expect(
                error.problems.contains { $0.contains("FASTAUTH_EMAIL_TRANSPORT=log delivers no mail") },
                "\(error.problems)")
        }
        let webhook = try ServeSettings.load(
            environment: production.merging([
                "FASTAUTH_EMAIL_TRANSPORT": "webhook+https://mail.example.com/send?token=t0ken"
            ]) { $1 })
        #expect(webhook.config.accounts.emailTransport?.deliversMail == true)
        do {
            _ = try ServeSettings.load(
                environment: production.merging(["FASTAUTH_EMAIL_TRANSPORT": "smtp://mail.example.com?starttls=off"]) {
                    $1
                })
            Issue.record("plaintext SMTP to a remote host was accepted")
        } catch {
            #expect(error.problems.contains { $0.hasPrefix("FASTAUTH_EMAIL_TRANSPORT:") }, "\(error.problems)")
        }
    }

    @Test("bad values are all reported at once, in plain words")
    func badValues() {
        do {
            _ = try ServeSettings.load(
                environment: [
                    "FASTAUTH_PORT": "eighty", "FASTAUTH_ENV": "staging", "FASTAUTH_JWKS_ENABLED": "maybe",
                    "FASTAUTH_TOKEN_DELIVERY": "pigeon", "FASTAUTH_ACCESS_TOKEN_TTL": "-1",
                    "FASTAUTH_PRIVATE_KEY_FILE": "/nonexistent.pem",
                    "FASTAUTH_SECRET": TestFixtures.secret,
                ], secretDirectory: directory())
            Issue.record("accepted bad settings")
        } catch {
            #expect(error.problems.count >= 6, "\(error.problems)")
            #expect(error.problems.contains { $0.contains("FASTAUTH_PORT") })
            #expect(error.problems.contains { $0.contains("FASTAUTH_ENV") })
        }
    }

    @Test("flags override their variables")
    func flagsOverride() throws {
        let command = try ServeCommand.parse(["--port", "9100", "--route-prefix", "/x"])
        let merged = command.mergedEnvironment(["FASTAUTH_PORT": "8000", "FASTAUTH_ISSUER": "i"])
        #expect(
            merged["FASTAUTH_PORT"] == "9100" && merged["FASTAUTH_ROUTE_PREFIX"] == "/x"
                && merged["FASTAUTH_ISSUER"] == "i")
    }

    @Test("the served app answers register, me and health on a migrated SQLite store")
    func servedApp() async throws {
        var settings = try ServeSettings.load(
            environment: ["FASTAUTH_SECRET": TestFixtures.secret], secretDirectory: directory())
        settings.port = 0
        try await withTestDatabase { store in
            let app = try await AuthServer.makeApplication(
                settings: settings, store: store, logger: Logger(label: "test"))
            do {
                let tester = try app.testing()
                let register = try await tester.sendRequest(
                    .POST, "auth/register", headers: ["Content-Type": "application/json"],
                    body: ByteBuffer(string: "{\"email\":\"ada@example.com\",\"password\":\"correct horse battery\"}"))
                #expect(register.status == .created)
                #expect(try await tester.sendRequest(.GET, "healthz").status == .ok)
                #expect(try await tester.sendRequest(.GET, "nope").body.string == "{\"detail\":\"Not Found\"}")
            } catch {
                try await app.asyncShutdown()
                throw error
            }
            try await app.asyncShutdown()
        }
    }
}

/// Collects what a `StreamLogHandler` writes.
private final class CollectedLines: TextOutputStream, Sendable {
    private let text = Mutex("")
    var lines: [String] { text.withLock { $0.split(separator: "\n").map(String.init) } }
    func write(_ string: String) { text.withLock { $0 += string } }
}

@Suite("serve's log handler")
struct ServeLogHandlerTests {
    @Test(
        "credentials in logged headers are redacted: Authorization, Cookie, Set-Cookie, in the message and in metadata")
    func redactsCredentials() {
        let collected = CollectedLines()
        let logger = Logger(label: "fastauth.test") { label in
            ServeLogHandler(StreamLogHandler(label: label, stream: collected, metadataProvider: nil), level: .trace)
        }
        let head =
            "Decoded HTTP part: head: HTTPRequestHead { method: POST, uri: \"/auth/refresh\", version: HTTP/1.1, "
            + "headers: Host: localhost; authorization: Bearer eyJSECRET.token.sig; Cookie: refresh_token=SECRETREFRESH; "
            + "csrf_token=SECRETCSRF; User-Agent: curl/8 }"
        logger.trace("\(head)")
        logger.info("response", metadata: ["headers": "Set-Cookie: access_token=SECRETACCESS; Path=/; HttpOnly"])
        let text = collected.lines.joined(separator: "\n")
        #expect(!text.contains("SECRET"), "\(text)")
        #expect(text.contains("Host: localhost") && text.contains("User-Agent: curl/8"), "\(text)")
        #expect(text.contains("authorization: [redacted]") && text.contains("Cookie: [redacted]"), "\(text)")
        #expect(text.contains("Set-Cookie: [redacted]"), "\(text)")
    }

    @Test(
        "lines without credentials pass unchanged",
        arguments: [
            "login ok", "cookie mode is on", "Authorization header missing", "authorizations: 3", "x-cookie-name: y",
        ])
    func leavesOtherLines(_ line: String) {
        #expect(LogRedaction.redact(line) == line)
    }

    @Test(
        "metadata set on the logger appears in written lines, merged under the call's own; lines below the level are not written"
    )
    func metadata() {
        let collected = CollectedLines()
        var logger = Logger(label: "fastauth.test") { label in
            ServeLogHandler(StreamLogHandler(label: label, stream: collected, metadataProvider: nil), level: .info)
        }
        logger[metadataKey: "request-id"] = "req-1"
        logger[metadataKey: "user"] = "u-0"
        logger.debug("not written")
        logger.info("login ok", metadata: ["user": "u-1"])
        #expect(logger[metadataKey: "request-id"] == "req-1")
        let lines = collected.lines
        #expect(lines.count == 1)
        let line = lines.first
        #expect(line?.contains("info fastauth.test: request-id=req-1 user=u-1 [") == true, "\(lines)")
        #expect(line?.hasSuffix("] login ok") == true)
    }
}
