/// FastAuth's configuration. Construction validates everything and reports every
/// problem at once as a ``ConfigurationError``.
///
/// ```swift
/// let config = try FastAuthConfig(
///     secret: Environment.get("FASTAUTH_SECRET") ?? "",
///     jwt: JWTConfig(issuer: "https://auth.example.com", audience: ["api"]))
/// ```
public struct FastAuthConfig: Sendable {
    /// The secret: signs HS* access tokens, derives the refresh-token key and the key that
    /// encrypts stored private keys.
    public let secret: String
    /// Earlier secrets, still accepted for verification after a secret rotation.
    public let previousSecrets: [String]
    /// Token settings.
    public let jwt: JWTConfig
    /// Application callbacks.
    public let hooks: any EventHooks
    /// Where tokens travel: JSON bodies (default) or cookies.
    public let tokenDelivery: TokenDelivery
    /// The path prefix of the auth routes. Default `/auth`.
    public let routePrefix: String
    /// Cookie settings for cookie delivery.
    public let cookie: CookieConfig
    /// Rules for new passwords.
    public let passwordPolicy: PasswordPolicy
    /// Rate limits, lockouts, refresh grace, hashing cost.
    public let security: SecurityConfig
    /// The admin role, role claims in tokens, the role cache.
    public let roles: RolesConfig
    /// Email verification, password reset, account management and the mail they send.
    public let accounts: AccountsConfig
    /// Social sign-in: the redirect allowlist and the flows' lifetime.
    public let social: SocialConfig
    /// The server's external base URL (`https://auth.example.com`, no trailing slash): the
    /// RFC 8414 metadata is built from it. Without it, from the issuer when that is an https
    /// URL (or http on a loopback host); never from a request's `Host`.
    public let publicURL: String?

    /// The parsed PEM private key (PEM mode).
    public let staticPrivateKey: KeyMaterial?
    /// The parsed PEM public key (PEM mode, when given).
    public let staticPublicKey: KeyMaterial?

    /// `https://host[:port][/path]`, or `http://…`: what a base URL may be.
    static func isBaseURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        guard
            let rest = lower.hasPrefix("https://")
                ? lower.dropFirst(8) : lower.hasPrefix("http://") ? lower.dropFirst(7) : nil
        else { return false }
        let host = rest.prefix { $0 != "/" && $0 != ":" }
        return !host.isEmpty && !text.contains("?") && !text.contains("#") && !text.contains(" ")
            && text.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F }
    }

    /// The base the server's metadata URLs are built from: ``publicURL``, else the issuer when
    /// it is an https URL (or http on a loopback host); `nil` when neither is configured.
    public var metadataBaseURL: String? {
        if let publicURL { return publicURL }
        guard var issuer = jwt.issuer, Self.isBaseURL(issuer) else { return nil }
        while issuer.hasSuffix("/") { issuer.removeLast() }
        let lower = issuer.lowercased()
        if lower.hasPrefix("https://") { return issuer }
        let host = lower.dropFirst(7).prefix { $0 != "/" && $0 != ":" }
        return host == "localhost" || host.hasPrefix("127.") || host == "[::1]" ? issuer : nil
    }

    /// The base URL of emailed links: ``publicURL``, else the metadata base (an https issuer),
    /// else ``AccountsConfig/linkBaseURL``, else `http://localhost:8080`.
    public var linkBaseURL: String {
        var base = metadataBaseURL ?? accounts.linkBaseURL ?? "http://localhost:8080"
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    /// The shortest accepted secret, in bytes.
    public static let minimumSecretBytes = 32

    /// Validates and creates a configuration.
    public init(
        secret: String, previousSecrets: [String] = [], jwt: JWTConfig = JWTConfig(),
        hooks: any EventHooks = NoHooks(), tokenDelivery: TokenDelivery = .json, routePrefix: String = "/auth",
        cookie: CookieConfig = CookieConfig(), passwordPolicy: PasswordPolicy = PasswordPolicy(),
        security: SecurityConfig = SecurityConfig(), publicURL: String? = nil, roles: RolesConfig = RolesConfig(),
        accounts: AccountsConfig = AccountsConfig(), social: SocialConfig = SocialConfig()
    ) throws(ConfigurationError) {
        self.secret = secret
        self.previousSecrets = previousSecrets
        self.jwt = jwt
        self.hooks = hooks
        self.tokenDelivery = tokenDelivery
        self.routePrefix = routePrefix
        self.cookie = cookie
        self.passwordPolicy = passwordPolicy
        self.security = security
        self.roles = roles
        self.accounts = accounts
        self.social = social
        var trimmedURL = publicURL
        while let url = trimmedURL, url.hasSuffix("/") { trimmedURL = String(url.dropLast()) }
        self.publicURL = trimmedURL
        var problems: [String] =
            passwordPolicy.problems + security.problems + roles.problems + accounts.problems + social.problems
        if let publicURL, !Self.isBaseURL(publicURL) {
            problems.append(
                "publicURL must be an absolute http(s) URL without query or fragment, like https://auth.example.com, not \"\(publicURL.prefix(80))\""
            )
        }
        if !routePrefix.hasPrefix("/") || routePrefix.contains(" ")
            || (routePrefix.count > 1 && routePrefix.hasSuffix("/"))
        {
            problems.append(
                "routePrefix must start with \"/\" and not end with one (e.g. \"/auth\"), not \"\(routePrefix)\"")
        }
        let algorithm = jwt.algorithm
        let secretBytes = secret.utf8.count
        let minimum = max(Self.minimumSecretBytes, algorithm.isSymmetric ? algorithm.hashByteCount : 0)
        if secretBytes < minimum {
            problems.append(
                secret.isEmpty
                    ? "secret is empty; generate one with `fastauth generate-secret`"
                    : "secret is \(secretBytes) bytes; it must be at least \(minimum) bytes"
                        + (minimum > 32 ? " for \(algorithm)" : "") + " (generate one with `fastauth generate-secret`)")
        }
        for (index, previous) in previousSecrets.enumerated() where previous.utf8.count < minimum {
            problems.append(
                "previous secret #\(index + 1) is \(previous.utf8.count) bytes; it must be at least \(minimum) bytes")
        }
        if algorithm.family == nil {
            problems.append(
                "algorithm \"\(algorithm)\" is unknown; use one of "
                    + SigningAlgorithm.supported.map(\.rawValue).joined(separator: ", "))
        }
        for (name, ttl) in [
            ("accessTokenTTL", jwt.accessTokenTTL), ("refreshTokenTTL", jwt.refreshTokenTTL),
            ("rememberMeTTL", jwt.rememberMeTTL), ("jwksMaxAge", jwt.jwksMaxAge),
        ] where ttl.wholeSeconds <= 0 {
            problems.append("\(name) must be a positive number of seconds, not \(ttl.wholeSeconds)")
        }
        if let interval = jwt.keyRotationInterval, interval.wholeSeconds <= 0 {
            problems.append("keyRotationInterval must be a positive number of seconds, not \(interval.wholeSeconds)")
        }
        if jwt.leeway < .zero { problems.append("leeway must not be negative") }
        if jwt.maxTokenBytes < 256 { problems.append("maxTokenBytes must be at least 256") }
        if let issuer = jwt.issuer, issuer.isEmpty { problems.append("issuer must not be empty when set") }
        if let audience = jwt.audience, audience.isEmpty || audience.contains(where: \.isEmpty) {
            problems.append("audience must hold at least one non-empty value when set")
        }

        var privateMaterial: KeyMaterial?
        var publicMaterial: KeyMaterial?
        if algorithm.isSymmetric {
            if jwt.jwksEnabled {
                problems.append(
                    "jwksEnabled needs an asymmetric algorithm (RS*, PS*, ES*, EdDSA); HMAC secrets are never published"
                )
            }
            if jwt.privateKey != nil || jwt.publicKey != nil {
                problems.append("privateKey/publicKey are only used with asymmetric algorithms, not \(algorithm)")
            }
        } else if algorithm.family != nil {
            if let pem = jwt.privateKey {
                do throws(KeyError) {
                    privateMaterial = try KeyMaterial.privateKey(pem: pem, algorithm: algorithm)
                } catch {
                    problems.append("privateKey: \(error.reason)")
                }
            }
            if let pem = jwt.publicKey {
                do throws(KeyError) {
                    publicMaterial = try KeyMaterial.publicKey(pem: pem, algorithm: algorithm)
                } catch {
                    problems.append("publicKey: \(error.reason)")
                }
                if jwt.privateKey == nil {
                    problems.append("publicKey is set without privateKey; FastAuth needs the private key to sign")
                }
            }
            if let privateMaterial, let publicMaterial, !privateMaterial.hasPublicKey(publicMaterial) {
                problems.append("publicKey does not match privateKey")
            }
            if jwt.privateKey == nil && !jwt.jwksEnabled {
                problems.append(
                    "\(algorithm) needs keys: set privateKey (PEM mode) or jwksEnabled (keys generated and stored in the database)"
                )
            }
        }
        if jwt.keyRotationInterval != nil {
            if !jwt.jwksEnabled {
                problems.append("keyRotationInterval needs jwksEnabled (managed keys)")
            } else if jwt.privateKey != nil {
                problems.append("keyRotationInterval rotates managed keys only; remove privateKey or the interval")
            }
        }
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        self.staticPrivateKey = privateMaterial
        self.staticPublicKey = publicMaterial
    }

    /// The verification policy for access tokens this configuration implies.
    public var accessTokenPolicy: VerificationPolicy {
        VerificationPolicy(
            allowedAlgorithms: [jwt.algorithm], issuer: jwt.issuer, audience: jwt.audience ?? [], leeway: jwt.leeway,
            maxTokenBytes: jwt.maxTokenBytes)
    }

    /// The verification policy for refresh tokens (always HS256 with the derived key).
    public var refreshTokenPolicy: VerificationPolicy {
        VerificationPolicy(
            allowedAlgorithms: [.hs256], issuer: jwt.issuer, audience: jwt.audience ?? [], leeway: jwt.leeway,
            maxTokenBytes: jwt.maxTokenBytes)
    }
}
