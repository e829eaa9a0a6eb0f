public import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The authentication flows of docs/HTTP-API.md and docs/TOKENS.md, framework-free: register, login, refresh
/// with rotation and reuse detection, logout, sessions, introspection and revocation. The
/// HTTP adapter parses requests, calls these, and maps ``AuthError`` to responses.
public struct AuthService: Sendable {
    public let config: FastAuthConfig
    public let store: any AuthStore
    public let tokens: TokenService
    public let hasher: PasswordHasher
    /// The access-token signing keys: loading, JWKS, rotation.
    public let keys: KeyManager
    public let logger: Logger
    /// Roles and permissions: management, checks, and the claims of ``RolesConfig/rolesClaim``.
    public let roles: RoleService
    let users: UserCache
    let liveSessions: SessionCache
    /// The proxies whose forwarding headers are believed.
    public let trustedProxies: TrustedProxies
    /// The durable email outbox and its delivery task.
    public let outbox: EmailOutbox
    /// The mails' templates.
    public let templates: EmailTemplates
    var clock: any WallClock { tokens.clock }
    var hooks: any EventHooks { config.hooks }

    /// Creates the service.
    /// `keys` defaults to a manager over the store's ``SigningKeyStoreCapability/signingKeyStore``.
    public init(
        config: FastAuthConfig, store: any AuthStore, tokens: TokenService, hasher: PasswordHasher,
        keys: KeyManager? = nil, templates: EmailTemplates = .builtIn, logger: Logger = Logger(label: "fastauth.auth")
    ) {
        self.config = config
        self.store = store
        self.tokens = tokens
        self.hasher = hasher
        self.keys =
            keys
            ?? KeyManager(
                config: config, keyRing: tokens.keyRing, store: store.signingKeyStore, clock: tokens.clock,
                logger: Logger(label: "fastauth.keys"))
        self.logger = logger
        self.roles = RoleService(
            store: store, config: config.roles, clock: tokens.clock, logger: Logger(label: "fastauth.roles"))
        self.users = UserCache(ttl: config.security.userCacheTTL)
        self.liveSessions = SessionCache(ttl: config.security.userCacheTTL)
        self.trustedProxies = TrustedProxies.parse(config.security.trustedProxies).proxies
        self.outbox = EmailOutbox(config: config, store: store, clock: tokens.clock)
        self.templates = templates
    }

    /// The client of a request from `peer` with these `X-Forwarded-For` and `Forwarded` header
    /// values: the peer, or the forwarded client when the peer is a trusted proxy.
    public func clientAddress(peer: String?, forwardedFor: [String], forwarded: [String]) -> String {
        trustedProxies.client(peer: peer, forwardedFor: forwardedFor, forwarded: forwarded)
    }

    // MARK: Register and login

    /// The longest `name` accepted, in UTF-8 bytes: it goes into every access token, and a
    /// name counted in characters could be 50 KB of combining marks.
    package static let maxNameBytes = 256

    /// Creates an account and signs it in. Duplicate emails are refused before any hashing.
    public func register(
        email rawEmail: String, password: String, name: String?, context: RequestOrigin
    ) async throws(AuthError) -> SignIn {
        try await rateLimit("register", context)
        let email = try EmailAddress.normalise(rawEmail).get()
        if let name, name.utf8.count > Self.maxNameBytes {
            throw AuthError(.validation, "name must be at most \(Self.maxNameBytes) bytes (UTF-8)", field: "name")
        }
        if let violation = config.passwordPolicy.violation(in: password) { throw AuthError(.weakPassword, violation) }
        guard try await storeCall({ try await store.emailExists(email) }) == false else { throw Self.emailTaken }
        let hash: String
        do {
            hash = try await hasher.hash(password)
        } catch let refused as HashingRefused {
            throw await busy(refused, forgetting: nil, context)
        } catch {
            throw AuthError(.unavailable, "Password hashing failed")
        }
        let now = clock.now()
        let account = UserAccount(id: .generate(), email: email, name: name, createdAt: now)
        let user: UserAccount
        do {
            user = try await store.createUser(StoredUser(account: account, passwordHash: hash))
        } catch let error as StoreError where error.code == .duplicateEmail {
            throw Self.emailTaken
        } catch {
            throw Self.unavailable(error)
        }
        log(.info, "signup", user: user.id, context)
        await hooks.onSignup(user: user)
        return try await startSession(for: user, remember: false, context: context, now: now)
    }

    /// Checks credentials and starts a session. Unknown emails cost one hash, like wrong
    /// passwords; repeated failures lock the (email, client address) pair.
    public func login(
        email rawEmail: String, password: String, remember: Bool, context: RequestOrigin
    ) async throws(AuthError) -> SignIn {
        try await rateLimit("login", context)
        let email = try EmailAddress.normalise(rawEmail).get()
        let now = clock.now()
        let lockKey = Self.lockoutKeyPrefix(email) + context.limitKey
        // The attempt is counted before the password is looked at: a failure needs no second
        // write, and a burst of concurrent guesses gets at most `lockoutAttempts` evaluated.
        let attempt = try await admitAttempt(lockKey, now: now, context)
        guard password.count <= max(config.passwordPolicy.maxLength, 1024) else {
            log(.info, "login failed", user: nil, context)
            throw AuthError.invalidCredentials
        }
        let stored = try await storeCall { try await store.credentials(email: email) }
        // Deleted accounts and accounts without a password cost one hash, like unknown emails.
        guard let stored, let passwordHash = stored.passwordHash, stored.account.deletedAt == nil else {
            do {
                _ = try await hasher.checkDummy(password)
            } catch {
                throw await busy(error, forgetting: attempt, context)
            }
            log(.info, "login failed", user: nil, context)
            throw AuthError.invalidCredentials
        }
        let matches: Bool
        do {
            matches = try await hasher.check(password, against: passwordHash)
        } catch {
            throw await busy(error, forgetting: attempt, context)
        }
        guard matches else {
            log(.info, "login failed", user: nil, context)
            throw AuthError.invalidCredentials
        }
        let user = stored.account
        guard user.isActive else { throw AuthError.accountDeactivated }
        if config.accounts.requireVerifiedEmail && !user.emailVerified {
            log(.info, "login refused: email not verified", user: user.id, context)
            throw AuthError(.emailNotVerified, "Email not verified")
        }
        guard await hooks.allowSignin(user: user) else {
            log(.notice, "login refused by allowSignin", user: user.id, context)
            throw AuthError(.signinNotAllowed, "Sign-in not allowed")
        }
        try await storeCall { try await store.clearAttempts(lockKey) }
        if hasher.needsRehash(passwordHash), let rehashed = try? await hasher.hash(password) {
            try await storeCall { try await store.updatePasswordHash(rehashed, userID: user.id, now: now) }
        }
        let signIn = try await startSession(for: user, remember: remember, context: context, now: now)
        log(.info, "login ok", user: user.id, context)
        await hooks.onSignin(user: user, sessionID: signIn.session.id)
        return signIn
    }

    func startSession(
        for user: UserAccount, remember: Bool, context: RequestOrigin, now: Date
    ) async throws(AuthError) -> SignIn {
        let sessionID = SessionID.generate()
        let refreshID = TokenID.generate()
        let roles = try await roleClaims(user.id)
        let pair = try await issue {
            try await tokens.issuePair(
                for: user, sessionID: sessionID, remember: remember, refreshTokenID: refreshID, roles: roles, now: now)
        }
        let expiresAt = Date(timeIntervalSince1970: TimeInterval(pair.refresh.claims.expiresAt))
        let session = SessionRecord(
            id: sessionID, userID: user.id, createdAt: now, expiresAt: expiresAt, remember: remember,
            userAgent: context.userAgent, ipAddress: context.clientAddress, currentTokenID: refreshID)
        try await storeCall { try await store.createSession(session) }
        let limit = config.security.maxSessionsPerUser
        if limit > 0 {
            let ended = try await storeCall {
                try await store.revokeLeastRecentlyUsedSessions(userID: user.id, keeping: limit, now: now)
            }
            for id in ended { liveSessions.forget(id) }
            if !ended.isEmpty {
                log(.info, "session limit: ended \(ended.count) least recently used", user: user.id, context)
            }
        }
        return SignIn(user: user, session: session, tokens: pair)
    }

    // MARK: Refresh

    /// Exchanges a refresh token for a new pair in the same session.
    public func refresh(_ token: String, context: RequestOrigin) async throws(AuthError) -> TokenPair {
        try await rateLimit("refresh", context)
        let claims: TokenClaims
        do {
            claims = try tokens.verifyRefreshToken(token).claims
        } catch {
            throw AuthError.invalidRefreshToken
        }
        guard let jti = claims.tokenID, let sid = claims.sessionID, let issuedAt = claims.issuedAt else {
            throw AuthError.invalidRefreshToken
        }
        let now = clock.now()
        let user = try await cachedActiveUser(UserID(claims.subject), now: now, refusal: AuthError.invalidRefreshToken)
        let lifetime = max(claims.expiresAt - issuedAt, 1)
        let nextID = TokenID.generate()
        let expiresAt = Date(timeIntervalSince1970: TimeInterval(now.unixSeconds + lifetime))
        let presented = TokenID(jti)
        let outcome = try await storeCall {
            try await store.rotateRefreshToken(
                sessionID: SessionID(sid), presented: presented, next: nextID, expiresAt: expiresAt, now: now)
        }
        switch outcome {
        case .rotated(let session):
            guard session.userID == user.id else { throw AuthError.invalidRefreshToken }
            let roles = try await roleClaims(user.id)
            let pair = try await issue {
                try await tokens.issuePair(
                    for: user, sessionID: session.id, remember: session.remember, refreshTokenID: nextID, roles: roles,
                    now: now)
            }
            log(.info, "refresh", user: user.id, context)
            await hooks.onTokenRefresh(user: user, sessionID: session.id)
            return pair
        case .superseded(let session):
            guard session.userID == user.id else { throw AuthError.invalidRefreshToken }
            // Two tabs or a lost response: the token exchanged last, presented again within the
            // grace window, gets the session's live refresh token with a fresh access token.
            let grace = config.security.refreshReuseGracePeriod
            if session.previousTokenID == presented, let rotatedAt = session.rotatedAt,
                now.timeIntervalSince(rotatedAt) <= Double(grace.wholeSeconds), let live = session.currentTokenID
            {
                let roles = try await roleClaims(user.id)
                let pair = try await issue {
                    try await tokens.issuePair(
                        for: user, sessionID: session.id, remember: session.remember, refreshTokenID: live,
                        roles: roles,
                        now: now)
                }
                log(.info, "refresh within reuse grace window", user: user.id, context)
                return pair
            }
            // Any other token of this session (it carries the session's id and our signature)
            // was exchanged before: reuse. End this session only.
            _ = try await storeCall { try await store.revokeSession(session.id, userID: session.userID, now: now) }
            liveSessions.forget(session.id)
            log(
                .warning, "refresh token reuse detected: session revoked", user: user.id, context,
                ["session_id": "\(session.id)"])
            throw AuthError.refreshTokenReused
        case .sessionInactive:
            throw AuthError.refreshTokenReused
        case .notFound:
            throw AuthError.invalidRefreshToken
        }
    }

    // MARK: Authenticated calls

    /// Verifies an access token, checks that its session is live, and loads its (active) user.
    /// A token whose session ended (logout, revocation, reuse detection) is refused within
    /// ``SecurityConfig/userCacheTTL`` on every instance, at once on this one.
    public func authenticate(accessToken: String) async throws(AuthError) -> Principal {
        let claims: TokenClaims
        do {
            claims = try tokens.verifyAccessToken(accessToken).claims
        } catch  where error.code == .unknownKeyID {
            // Another instance may have rotated: reload once (rate-limited) and try again.
            guard await keys.reloadForUnknownKeyID(), let retried = try? tokens.verifyAccessToken(accessToken).claims
            else {
                throw AuthError.notAuthenticated
            }
            claims = retried
        } catch {
            throw AuthError.notAuthenticated
        }
        let id = UserID(claims.subject)
        let now = clock.now()
        guard try await sessionIsLive(of: claims, userID: id, now: now) else { throw AuthError.notAuthenticated }
        return Principal(
            user: try await cachedActiveUser(id, now: now, refusal: AuthError.notAuthenticated), claims: claims)
    }

    /// `true` when the session an access token names (`sid`) is active, read through the
    /// short-lived session cache. A token without `sid` (not issued by FastAuth for a session,
    /// e.g. the Python original's) has no session to check.
    private func sessionIsLive(of claims: TokenClaims, userID: UserID, now: Date) async throws(AuthError) -> Bool {
        guard let sid = claims.sessionID.map(SessionID.init(rawValue:)) else { return true }
        if let cached = liveSessions.isLive(sid, userID: userID, now: now) { return cached }
        let session = try await storeCall { try await store.session(id: sid) }
        liveSessions.store(sid, session, now: now)
        guard let session else { return false }
        return session.userID == userID && session.isActive(at: now)
    }

    /// Ends the caller's session, or all of the user's sessions.
    public func logout(_ principal: Principal, everywhere: Bool, context: RequestOrigin) async throws(AuthError) {
        let now = clock.now()
        if everywhere {
            _ = try await storeCall { try await store.revokeAllSessions(userID: principal.user.id, now: now) }
            liveSessions.forgetSessions(of: principal.user.id)
        } else if let sid = principal.sessionID {
            _ = try await storeCall { try await store.revokeSession(sid, userID: principal.user.id, now: now) }
            liveSessions.forget(sid)
        }
        log(.info, everywhere ? "logout everywhere" : "logout", user: principal.user.id, context)
        await hooks.onSignout(userID: principal.user.id, sessionID: everywhere ? nil : principal.sessionID)
    }

    /// The caller's active sessions.
    public func sessions(of principal: Principal) async throws(AuthError) -> [SessionInfo] {
        let now = clock.now()
        let sessions = try await storeCall { try await store.activeSessions(userID: principal.user.id, now: now) }
        return sessions.map { SessionInfo(session: $0, isCurrent: $0.id == principal.sessionID) }
    }

    /// Revokes one of the caller's sessions; ``AuthError/Code/sessionNotFound`` otherwise.
    public func revokeSession(_ id: SessionID, of principal: Principal) async throws(AuthError) {
        let now = clock.now()
        guard try await storeCall({ try await store.revokeSession(id, userID: principal.user.id, now: now) }) else {
            throw AuthError.sessionNotFound
        }
        liveSessions.forget(id)
    }

    /// Revokes every session of the caller.
    public func revokeAllSessions(of principal: Principal) async throws(AuthError) {
        let now = clock.now()
        _ = try await storeCall { try await store.revokeAllSessions(userID: principal.user.id, now: now) }
        liveSessions.forgetSessions(of: principal.user.id)
    }

    /// RFC 7662: whether `token` is active, as seen by its own user only.
    public func introspect(_ token: String, by principal: Principal) async throws(AuthError) -> Introspection {
        if let access = try? tokens.verifyAccessToken(token).claims {
            guard access.subject == principal.user.id.rawValue,
                try await sessionIsLive(of: access, userID: principal.user.id, now: clock.now())
            else { return .inactive }
            return Introspection(active: true, claims: access)
        }
        guard let refresh = try? tokens.verifyRefreshToken(token).claims, refresh.subject == principal.user.id.rawValue,
            let jti = refresh.tokenID, let sid = refresh.sessionID
        else { return .inactive }
        let now = clock.now()
        guard let session = try await storeCall({ try await store.session(id: SessionID(sid)) }),
            session.userID == principal.user.id, session.isActive(at: now), session.currentTokenID == TokenID(jti)
        else { return .inactive }
        return Introspection(active: true, claims: refresh)
    }

    /// RFC 7009: revokes the session `token` belongs to, when it is the caller's. Unknown,
    /// invalid and other users' tokens are accepted silently.
    public func revoke(_ token: String, by principal: Principal, context: RequestOrigin) async throws(AuthError) {
        let claims = (try? tokens.verifyRefreshToken(token).claims) ?? (try? tokens.verifyAccessToken(token).claims)
        guard let claims, claims.subject == principal.user.id.rawValue, let sid = claims.sessionID else { return }
        _ = try await storeCall {
            try await store.revokeSession(SessionID(sid), userID: principal.user.id, now: clock.now())
        }
        liveSessions.forget(SessionID(sid))
        log(.info, "token revoked: session ended", user: principal.user.id, context)
    }

    // MARK: Helpers

    /// The active user `id`, from the short-lived user cache when it has them (the same cache,
    /// and so the same one-second bound on a deactivation, as authenticated requests).
    private func cachedActiveUser(_ id: UserID, now: Date, refusal: AuthError) async throws(AuthError) -> UserAccount {
        if let cached = users.user(id, now: now) { return cached }
        let user = try await activeUser(id, refusal: refusal)
        users.store(user, now: now)
        return user
    }

    func activeUser(_ id: UserID, refusal: AuthError) async throws(AuthError) -> UserAccount {
        guard let user = try await storeCall({ try await store.user(id: id) }) else { throw refusal }
        guard user.isActive else { throw AuthError.accountDeactivated }
        return user
    }

    /// The roles and permissions to put in a new access token: `nil` unless
    /// ``RolesConfig/rolesClaim`` is on, else read from the store now (never from the cache).
    private func roleClaims(_ id: UserID) async throws(AuthError) -> RoleGrants? {
        guard config.roles.rolesClaim else { return nil }
        return try await storeCall { try await store.grants(of: id) }
    }

    func rateLimit(_ bucket: String, _ context: RequestOrigin) async throws(AuthError) {
        let limit = config.security.rateLimitPerMinute
        guard limit > 0 else { return }
        let now = clock.now()
        let windowStart = Date(timeIntervalSince1970: TimeInterval(now.unixSeconds / 60 * 60))
        let windowEnd = windowStart.addingTimeInterval(60)
        let count = try await storeCall {
            try await store.hit("rate:\(bucket)|\(context.limitKey)", windowStart: windowStart, expiresAt: windowEnd)
        }
        if count > limit {
            if count == limit + 1 { log(.notice, "rate limit reached on \(bucket)", user: nil, context) }
            throw AuthError(
                .rateLimited, "Too many requests",
                retryAfter: max(1, Int(windowEnd.timeIntervalSince(now).rounded(.up))))
        }
    }

    /// Counts a login attempt of `key` and refuses it when the attempts over the trailing
    /// lockout period already reach ``SecurityConfig/lockoutAttempts`` — a sliding window, not
    /// fixed clock windows. Every attempt is a failure until the login succeeds (which clears
    /// the key), refused ones included: of a concurrent burst, every attempt may be refused
    /// (each sees the others), and forgetting the refused ones would then leave nothing
    /// counted — the next guess would be evaluated as if no burst had happened.
    /// Returns the attempt's id.
    func admitAttempt(_ key: String, now: Date, _ context: RequestOrigin) async throws(AuthError) -> String {
        let allowed = config.security.lockoutAttempts
        let window = TimeInterval(config.security.lockoutDuration.wholeSeconds)
        let id = TokenID.generate().rawValue
        let recent = try await storeCall {
            try await store.recordAttempt(
                key, id: id, at: now, expiresAt: now.addingTimeInterval(window), since: now.addingTimeInterval(-window),
                limit: allowed + 1)
        }
        guard recent.count > allowed else { return id }
        // The next attempt is admitted once fewer than `allowed` attempts (this one included)
        // remain in the window: when the `allowed`-th newest leaves it.
        let oldest = recent[min(allowed, recent.count) - 1]
        log(.notice, "login refused: locked out", user: nil, context)
        throw AuthError(
            .rateLimited, "Too many failed login attempts. Try again later.",
            retryAfter: max(1, Int((oldest.timeIntervalSince(now) + window).rounded(.up))))
    }

    private static let emailTaken = AuthError(.emailTaken, "A user with this email already exists")

    /// 503 `Server busy` for a hash the hasher's queue refused: nothing was hashed, so the
    /// login attempt counted for it is forgotten again.
    func busy(_ refused: HashingRefused, forgetting attempt: String?, _ context: RequestOrigin) async -> AuthError {
        if let attempt { try? await store.removeAttempt(id: attempt) }
        log(.notice, "password hashing refused: \(refused)", user: nil, context)
        return AuthError(.busy, "Server busy", retryAfter: 1)
    }

    private static func unavailable(_ error: any Error) -> AuthError {
        AuthError(.unavailable, "The authentication store is unavailable")
    }

    func storeCall<T>(_ body: () async throws -> T) async throws(AuthError) -> T {
        do {
            return try await body()
        } catch {
            logger.error("store failure", metadata: ["error": "\(String(describing: error).prefix(300))"])
            throw Self.unavailable(error)
        }
    }

    private func issue<T>(_ body: () async throws -> T) async throws(AuthError) -> T {
        do {
            return try await body()
        } catch {
            logger.error("token issuing failed", metadata: ["error": "\(error)"])
            throw AuthError(.unavailable, "Tokens cannot be issued right now")
        }
    }

    func log(
        _ level: Logger.Level, _ event: String, user: UserID?, _ context: RequestOrigin,
        _ extra: Logger.Metadata = [:]
    ) {
        var metadata: Logger.Metadata = ["request_id": "\(context.requestID)", "client": "\(context.clientAddress)"]
        if let user { metadata["user_id"] = "\(user)" }
        metadata.merge(extra) { _, new in new }
        logger.log(level: level, "\(event)", metadata: metadata)
    }
}

extension AuthService {
    /// Creates the service with the keys, token engine and password hasher `config` implies.
    public init(
        config: FastAuthConfig, store: any AuthStore, clock: any WallClock = SystemClock(),
        logger: Logger = Logger(label: "fastauth.auth")
    ) async throws {
        let tokens = try await TokenService(config: config, clock: clock)
        let security = config.security
        let hasher = try PasswordHasher(
            parameters: security.passwordHashing, maxConcurrentHashes: security.maxConcurrentHashes,
            queueLimit: security.hashQueueLimit ?? 16 * ProcessInfo.processInfo.activeProcessorCount,
            maxWait: security.hashQueueMaxWait)
        let templates = try EmailTemplates(directory: config.accounts.templatesDirectory)
        self.init(config: config, store: store, tokens: tokens, hasher: hasher, templates: templates, logger: logger)
    }
}
