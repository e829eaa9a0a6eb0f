/// Token settings: algorithm, lifetimes, issuer/audience, keys and rotation.
public struct JWTConfig: Sendable {
    /// The signing algorithm of access tokens. Default `HS256`.
    public var algorithm: SigningAlgorithm
    /// Access-token lifetime. Default 900 s.
    public var accessTokenTTL: Duration
    /// Refresh-token lifetime. Default 30 days.
    public var refreshTokenTTL: Duration
    /// Refresh-token lifetime of "remember me" logins. Default 90 days.
    public var rememberMeTTL: Duration
    /// The `iss` claim, checked on verification when set.
    public var issuer: String?
    /// The `aud` claim (a list), checked on verification when set.
    public var audience: [String]?
    /// Clock skew allowed on `exp`, `nbf`, `iat`. Default 30 s.
    public var leeway: Duration
    /// Managed asymmetric keys stored in the database and published as a JWKS.
    public var jwksEnabled: Bool
    /// `Cache-Control: max-age` of the JWKS. Default 300 s.
    public var jwksMaxAge: Duration
    /// How often managed keys rotate; `nil` for never.
    public var keyRotationInterval: Duration?
    /// PEM private key (PEM mode).
    public var privateKey: String?
    /// PEM public key; must match ``privateKey`` when both are given.
    public var publicKey: String?
    /// Longer tokens are refused unparsed. Default 8 KiB.
    public var maxTokenBytes: Int
    /// The library RSA keys sign with; default ``RSASigningBackend/current`` (OpenSSL 3 when it
    /// loads, unless `FASTAUTH_CRYPTO=boringssl`).
    public var rsaSigningBackend: RSASigningBackend

    /// Creates token settings; ``FastAuthConfig`` validates them.
    public init(
        algorithm: SigningAlgorithm = .hs256,
        accessTokenTTL: Duration = .seconds(900),
        refreshTokenTTL: Duration = .seconds(30 * 86_400),
        rememberMeTTL: Duration = .seconds(90 * 86_400),
        issuer: String? = nil,
        audience: [String]? = nil,
        leeway: Duration = .seconds(30),
        jwksEnabled: Bool = false,
        jwksMaxAge: Duration = .seconds(300),
        keyRotationInterval: Duration? = nil,
        privateKey: String? = nil,
        publicKey: String? = nil,
        maxTokenBytes: Int = 8192,
        rsaSigningBackend: RSASigningBackend = .current
    ) {
        self.algorithm = algorithm
        self.accessTokenTTL = accessTokenTTL
        self.refreshTokenTTL = refreshTokenTTL
        self.rememberMeTTL = rememberMeTTL
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.jwksEnabled = jwksEnabled
        self.jwksMaxAge = jwksMaxAge
        self.keyRotationInterval = keyRotationInterval
        self.privateKey = privateKey
        self.publicKey = publicKey
        self.maxTokenBytes = maxTokenBytes
        self.rsaSigningBackend = rsaSigningBackend
    }
}
