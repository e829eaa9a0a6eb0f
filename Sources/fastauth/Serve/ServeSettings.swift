import FastAuth
import FastAuthEmail
import FastAuthOAuth
import Foundation

/// `fastauth serve`'s settings from the `FASTAUTH_*` environment, with flags of the
/// same name overriding. Loading reports every problem at once.
struct ServeSettings {
    enum Mode: String { case development, production }
    /// The HTTP framework `serve` runs FastAuth's route table on (`FASTAUTH_ADAPTER`): Hummingbird
    /// by default, the faster of the two side by side (docs/PERFORMANCE.md).
    enum Adapter: String, CaseIterable { case vapor, hummingbird }

    var mode: Mode = .development
    var databaseURL = "sqlite://fastauth.db"
    var host = "127.0.0.1"
    var port = 8000
    var adapter: Adapter = .hummingbird
    var config: FastAuthConfig
    /// The social sign-in providers (`FASTAUTH_OAUTH_*`).
    var providers: [OAuthProvider] = []
    /// Where the development secret came from, when it was generated or read from a file.
    var secretNotice: String?

    /// The variables `serve` reads (a public contract).
    static let variables =
        [
            "FASTAUTH_SECRET", "FASTAUTH_PREVIOUS_SECRETS", "FASTAUTH_ENV", "FASTAUTH_DATABASE_URL", "FASTAUTH_HOST",
            "FASTAUTH_PORT", "FASTAUTH_ALGORITHM", "FASTAUTH_ISSUER", "FASTAUTH_AUDIENCE", "FASTAUTH_ACCESS_TOKEN_TTL",
            "FASTAUTH_REFRESH_TOKEN_TTL", "FASTAUTH_REMEMBER_ME_TTL", "FASTAUTH_LEEWAY", "FASTAUTH_JWKS_ENABLED",
            "FASTAUTH_JWKS_MAX_AGE", "FASTAUTH_KEY_ROTATION_INTERVAL", "FASTAUTH_PRIVATE_KEY_FILE",
            "FASTAUTH_PUBLIC_KEY_FILE", "FASTAUTH_TOKEN_DELIVERY", "FASTAUTH_ROUTE_PREFIX",
            "FASTAUTH_RATE_LIMIT_PER_MINUTE", "FASTAUTH_LOCKOUT_ATTEMPTS", "FASTAUTH_LOCKOUT_SECONDS",
            "FASTAUTH_TRUSTED_PROXIES", "FASTAUTH_PURGE_INTERVAL", "FASTAUTH_MAX_SESSIONS_PER_USER",
            "FASTAUTH_HASH_QUEUE_LIMIT", "FASTAUTH_PUBLIC_URL", "FASTAUTH_SECRET_FILE",
            "FASTAUTH_ADMIN_ROLE", "FASTAUTH_ROLES_CLAIM", "FASTAUTH_EMAIL_TRANSPORT", "FASTAUTH_EMAIL_FROM",
            "FASTAUTH_EMAIL_TEMPLATES_DIR", "FASTAUTH_REQUIRE_VERIFIED_EMAIL", "FASTAUTH_CRYPTO", "FASTAUTH_HASH_NICE",
            "FASTAUTH_ADAPTER",
        ] + SocialSettings.variables

    /// The admin role: `FASTAUTH_ADMIN_ROLE` when set and not blank, else `admin`. The `users`
    /// and `roles` commands read it too, without the rest of the settings.
    static func adminRole(environment: [String: String]) -> String {
        guard let raw = environment["FASTAUTH_ADMIN_ROLE"]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else {
            return RolesConfig().adminRole
        }
        return raw
    }

    /// Loads settings from `environment` (flags already merged in under the variable names).
    /// `secretDirectory` holds the development secret file (`.fastauth/secret`).
    static func load(
        environment: [String: String], secretDirectory: String = ".fastauth"
    ) throws(ConfigurationError) -> ServeSettings {
        var problems: [String] = []
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>) -> Int {
            guard let raw = value(name) else { return fallback }
            guard let number = Int(raw), range.contains(number) else {
                problems.append(
                    "\(name) must be a whole number in \(range.lowerBound)…\(range.upperBound), not \"\(raw.prefix(40))\""
                )
                return fallback
            }
            return number
        }
        func seconds(_ name: String, default fallback: Int) -> Duration {
            .seconds(integer(name, default: fallback, range: 1...(10 * 365 * 86_400)))
        }
        func boolean(_ name: String) -> Bool {
            guard let raw = value(name) else { return false }
            switch raw.lowercased() {
            case "true", "1", "yes", "on": return true
            case "false", "0", "no", "off": return false
            default:
                problems.append("\(name) must be true or false, not \"\(raw.prefix(40))\"")
                return false
            }
        }
        func list(_ name: String) -> [String]? {
            value(name).map {
                $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
        }
        func file(_ name: String) -> String? {
            guard let path = value(name) else { return nil }
            guard let data = FileManager.default.contents(atPath: path) else {
                problems.append("\(name): cannot read \(path)")
                return nil
            }
            return String(decoding: data, as: UTF8.self)
        }

        /// One of an enum's raw values, case-insensitive; `words` lists them for the refusal.
        func choice<Choice: RawRepresentable<String>>(
            _ name: String, default fallback: Choice, _ words: String
        )
            -> Choice
        {
            guard let raw = value(name) else { return fallback }
            if let parsed = Choice(rawValue: raw.lowercased()) { return parsed }
            problems.append("\(name) must be \(words), not \"\(raw.prefix(40))\"")
            return fallback
        }

        let mode = choice("FASTAUTH_ENV", default: Mode.development, "development or production")
        let databaseURL = value("FASTAUTH_DATABASE_URL") ?? "sqlite://fastauth.db"
        let host = value("FASTAUTH_HOST") ?? "127.0.0.1"
        let port = integer("FASTAUTH_PORT", default: 8000, range: 1...65_535)
        let adapter = choice("FASTAUTH_ADAPTER", default: Adapter.hummingbird, "vapor or hummingbird")
        let delivery = choice("FASTAUTH_TOKEN_DELIVERY", default: TokenDelivery.json, "json or cookie")
        let rotation = value("FASTAUTH_KEY_ROTATION_INTERVAL").map { _ in
            seconds("FASTAUTH_KEY_ROTATION_INTERVAL", default: 86_400)
        }
        if let raw = value("FASTAUTH_HASH_NICE"), PasswordHasher.hashingNice(environment: environment) == nil {
            problems.append("FASTAUTH_HASH_NICE must be an integer from 0 to 19, not \"\(raw.prefix(40))\"")
        }
        var rsaBackend = RSASigningBackend.current
        do {
            rsaBackend = try RSASigningBackend.resolve(environment: environment)
        } catch {
            problems += error.problems
        }
        let jwt = JWTConfig(
            algorithm: SigningAlgorithm(value("FASTAUTH_ALGORITHM") ?? "HS256"),
            accessTokenTTL: seconds("FASTAUTH_ACCESS_TOKEN_TTL", default: 900),
            refreshTokenTTL: seconds("FASTAUTH_REFRESH_TOKEN_TTL", default: 2_592_000),
            rememberMeTTL: seconds("FASTAUTH_REMEMBER_ME_TTL", default: 7_776_000),
            issuer: value("FASTAUTH_ISSUER"), audience: list("FASTAUTH_AUDIENCE"),
            leeway: .seconds(integer("FASTAUTH_LEEWAY", default: 30, range: 0...3600)),
            jwksEnabled: boolean("FASTAUTH_JWKS_ENABLED"), jwksMaxAge: seconds("FASTAUTH_JWKS_MAX_AGE", default: 300),
            keyRotationInterval: rotation, privateKey: file("FASTAUTH_PRIVATE_KEY_FILE"),
            publicKey: file("FASTAUTH_PUBLIC_KEY_FILE"), rsaSigningBackend: rsaBackend)
        let security = SecurityConfig(
            rateLimitPerMinute: integer("FASTAUTH_RATE_LIMIT_PER_MINUTE", default: 100, range: 0...1_000_000),
            lockoutAttempts: integer("FASTAUTH_LOCKOUT_ATTEMPTS", default: 5, range: 1...1000),
            lockoutDuration: seconds("FASTAUTH_LOCKOUT_SECONDS", default: 300),
            trustedProxies: list("FASTAUTH_TRUSTED_PROXIES") ?? [],
            maxSessionsPerUser: integer("FASTAUTH_MAX_SESSIONS_PER_USER", default: 100, range: 0...1_000_000),
            hashQueueLimit: value("FASTAUTH_HASH_QUEUE_LIMIT").map { _ in
                integer("FASTAUTH_HASH_QUEUE_LIMIT", default: 32, range: 0...100_000)
            },
            purgeInterval: seconds("FASTAUTH_PURGE_INTERVAL", default: 3600))
        let roles = RolesConfig(
            adminRole: adminRole(environment: environment), rolesClaim: boolean("FASTAUTH_ROLES_CLAIM"))

        let publicURL = value("FASTAUTH_PUBLIC_URL")
        // Development mails to the log; production sends mail only through a transport that
        // delivers: unset turns the mail features off, `log` refuses to start.
        var transport: (any EmailTransport)? = mode == .production ? nil : LogEmailTransport()
        if let raw = value("FASTAUTH_EMAIL_TRANSPORT") {
            do {
                transport = try EmailTransportURL(parsing: raw).makeTransport()
            } catch {
                problems.append("FASTAUTH_EMAIL_TRANSPORT: \(error)")
            }
        }
        if mode == .production, let transport, !transport.deliversMail {
            problems.append(
                "FASTAUTH_EMAIL_TRANSPORT=\(transport.name) delivers no mail: production sends verification and reset mail "
                    + "through smtp://…, smtps://… or webhook+https://… (unset turns those features off)")
        }
        // Without a public URL, emailed links point at this server as it listens.
        let linkHost =
            ["0.0.0.0", "::", "[::]"].contains(host)
            ? "127.0.0.1" : host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let accounts = AccountsConfig(
            emailTransport: transport, emailFrom: value("FASTAUTH_EMAIL_FROM"),
            templatesDirectory: value("FASTAUTH_EMAIL_TEMPLATES_DIR"),
            linkBaseURL: publicURL == nil ? "http://\(linkHost):\(port)" : nil,
            requireVerifiedEmail: boolean("FASTAUTH_REQUIRE_VERIFIED_EMAIL"))
        var secret = value("FASTAUTH_SECRET") ?? ""
        var notice: String?
        if let path = value("FASTAUTH_SECRET_FILE") {
            if !secret.isEmpty {
                problems.append("FASTAUTH_SECRET and FASTAUTH_SECRET_FILE are both set; give the secret one way only")
            } else {
                do {
                    secret = try SecretFile.read(path)
                } catch {
                    problems.append("FASTAUTH_SECRET_FILE: \(error)")
                }
            }
        }
        if secret.isEmpty, value("FASTAUTH_SECRET_FILE") == nil {
            if mode == .production {
                problems.append(
                    "FASTAUTH_SECRET is required in production (generate one with `fastauth generate-secret`)")
            } else {
                do {
                    (secret, notice) = try SecretFile.development(directory: secretDirectory)
                } catch {
                    problems.append("the development secret: \(error)")
                }
            }
        }
        let providers = SocialSettings.providers(environment: environment, problems: &problems)
        let social = SocialConfig(redirectURIs: list("FASTAUTH_OAUTH_REDIRECT_URIS") ?? [])
        if !providers.isEmpty && social.redirectURIs.isEmpty {
            problems.append(
                "FASTAUTH_OAUTH_REDIRECT_URIS is required with a social sign-in provider: the exact URLs of your app a "
                    + "browser may be sent to after signing in (comma-separated)")
        }
        let config: FastAuthConfig
        do {
            config = try FastAuthConfig(
                secret: secret, previousSecrets: list("FASTAUTH_PREVIOUS_SECRETS") ?? [], jwt: jwt,
                tokenDelivery: delivery, routePrefix: value("FASTAUTH_ROUTE_PREFIX") ?? "/auth",
                cookie: CookieConfig(
                    secure: mode == .production || publicURL?.lowercased().hasPrefix("https://") == true),
                security: security, publicURL: publicURL, roles: roles, accounts: accounts, social: social)
        } catch {
            throw ConfigurationError(problems: problems + error.problems)
        }
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        return ServeSettings(
            mode: mode, databaseURL: databaseURL, host: host, port: port, adapter: adapter, config: config,
            providers: providers,
            secretNotice: notice)
    }

    /// The start-up line naming the RSA signing library, when tokens are signed with RSA
    /// (`nil` for the other algorithms).
    var cryptoNotice: String? {
        guard config.jwt.algorithm.family == .rsaPKCS1 || config.jwt.algorithm.family == .rsaPSS else { return nil }
        return "fastauth: " + RSASigningBackend.describe(config.jwt.rsaSigningBackend)
    }

    /// The one loud line `serve` prints in development mode (`nil` in production).
    var modeBanner: String? {
        guard mode == .development else { return nil }
        return "*** FASTAUTH DEVELOPMENT MODE: relaxed defaults (generated secret, cookies without Secure), "
            + "NOT FOR PRODUCTION: set FASTAUTH_ENV=production ***"
    }

}
