/// Abuse protection and session-safety settings.
public struct SecurityConfig: Sendable, Hashable {
    /// Requests per client address per minute to login, register and refresh; 0 disables.
    public var rateLimitPerMinute: Int
    /// Failed logins of one (email, client address) pair before it is locked.
    public var lockoutAttempts: Int
    /// The trailing period failures are counted over, and so how long a lockout lasts: after
    /// `lockoutAttempts` failures within it, attempts are refused until the oldest leaves it.
    public var lockoutDuration: Duration
    /// The refresh token a session exchanged last, presented again within this window of the
    /// exchange, gets a valid pair for its session (two tabs, a lost response). After it — or
    /// for any older token of the session, whenever presented — the session is revoked.
    public var refreshReuseGracePeriod: Duration
    /// scrypt cost of new password hashes.
    public var passwordHashing: ScryptParameters
    /// Password hashes computed at once (default: one per core).
    public var maxConcurrentHashes: Int?
    /// How long an instance may reuse a user, or the liveness of a session, it read for an
    /// authenticated request or a refresh (default 1 s; zero reads the store every time). A
    /// deactivation, or a session ended on another instance, takes effect within this time; a
    /// session ended on the same instance at once.
    public var userCacheTTL: Duration
    /// The proxies (addresses and CIDR blocks, IPv4 and IPv6) whose `X-Forwarded-For` /
    /// `Forwarded` headers are believed: from one of them, the client is the right-most
    /// forwarded address that is not itself a trusted proxy. Empty (the default): the client is
    /// the TCP peer and forwarding headers are ignored.
    public var trustedProxies: [String]
    /// Live sessions a user may have; a new sign-in beyond it ends the least recently used
    /// one. 0 means no limit.
    public var maxSessionsPerUser: Int
    /// Password hashes that may wait for a free hashing slot (default 16 × cores); one more
    /// login or register answers 503 `Server busy` with `Retry-After` at once.
    public var hashQueueLimit: Int?
    /// The longest a request waits for a hashing slot; one that waited longer is answered 503
    /// instead of hashed (its client has most likely given up).
    public var hashQueueMaxWait: Duration
    /// How often the housekeeping task deletes expired counters, locks and login attempts, and
    /// sessions that ended more than ``endedSessionRetention`` ago.
    public var purgeInterval: Duration
    /// How long an ended (revoked or expired) session is kept, for the sessions list and audits.
    public var endedSessionRetention: Duration

    public init(
        rateLimitPerMinute: Int = 100, lockoutAttempts: Int = 5, lockoutDuration: Duration = .seconds(300),
        refreshReuseGracePeriod: Duration = .seconds(10), passwordHashing: ScryptParameters = .owasp,
        maxConcurrentHashes: Int? = nil, userCacheTTL: Duration = .seconds(1), trustedProxies: [String] = [],
        maxSessionsPerUser: Int = 100, hashQueueLimit: Int? = nil, hashQueueMaxWait: Duration = .seconds(10),
        purgeInterval: Duration = .seconds(3600),
        endedSessionRetention: Duration = .seconds(7 * 86_400)
    ) {
        self.rateLimitPerMinute = rateLimitPerMinute
        self.lockoutAttempts = lockoutAttempts
        self.lockoutDuration = lockoutDuration
        self.refreshReuseGracePeriod = refreshReuseGracePeriod
        self.passwordHashing = passwordHashing
        self.maxConcurrentHashes = maxConcurrentHashes
        self.userCacheTTL = userCacheTTL
        self.trustedProxies = trustedProxies
        self.maxSessionsPerUser = maxSessionsPerUser
        self.hashQueueLimit = hashQueueLimit
        self.hashQueueMaxWait = hashQueueMaxWait
        self.purgeInterval = purgeInterval
        self.endedSessionRetention = endedSessionRetention
    }

    var problems: [String] {
        var problems: [String] = []
        if rateLimitPerMinute < 0 { problems.append("rateLimitPerMinute must be 0 (off) or positive") }
        if lockoutAttempts < 1 { problems.append("lockoutAttempts must be at least 1") }
        if lockoutDuration.wholeSeconds < 1 { problems.append("lockoutDuration must be at least one second") }
        if refreshReuseGracePeriod < .zero { problems.append("refreshReuseGracePeriod must not be negative") }
        if let limit = maxConcurrentHashes, limit < 1 { problems.append("maxConcurrentHashes must be at least 1") }
        if userCacheTTL < .zero || userCacheTTL > .seconds(60) {
            problems.append("userCacheTTL must be between 0 and 60 seconds")
        }
        if maxSessionsPerUser < 0 { problems.append("maxSessionsPerUser must be 0 (no limit) or positive") }
        if let limit = hashQueueLimit, limit < 0 { problems.append("hashQueueLimit must not be negative") }
        if hashQueueMaxWait <= .zero { problems.append("hashQueueMaxWait must be positive") }
        if purgeInterval < .seconds(1) { problems.append("purgeInterval must be at least one second") }
        if endedSessionRetention < .zero { problems.append("endedSessionRetention must not be negative") }
        for entry in TrustedProxies.parse(trustedProxies).invalid {
            problems.append("trustedProxies: \"\(entry.prefix(60))\" is not an IP address or CIDR block")
        }
        return problems
    }
}

/// Where tokens travel.
public enum TokenDelivery: String, Sendable, Hashable, CaseIterable {
    /// In JSON response bodies; clients send `Authorization: Bearer`.
    case json
    /// In HttpOnly cookies, with CSRF protection for unsafe methods.
    case cookie
}

/// Cookie settings for ``TokenDelivery/cookie``.
public struct CookieConfig: Sendable, Hashable {
    public var accessTokenName: String
    public var refreshTokenName: String
    public var csrfTokenName: String
    /// The header that must echo the CSRF cookie on unsafe cookie-authenticated requests.
    public var csrfHeaderName: String
    /// `Secure` attribute; turn off only for plain-HTTP development.
    public var secure: Bool
    /// `Domain` attribute, if any.
    public var domain: String?

    public init(
        accessTokenName: String = "access_token", refreshTokenName: String = "refresh_token",
        csrfTokenName: String = "csrf_token", csrfHeaderName: String = "X-CSRF-Token", secure: Bool = true,
        domain: String? = nil
    ) {
        self.accessTokenName = accessTokenName
        self.refreshTokenName = refreshTokenName
        self.csrfTokenName = csrfTokenName
        self.csrfHeaderName = csrfHeaderName
        self.secure = secure
        self.domain = domain
    }
}
