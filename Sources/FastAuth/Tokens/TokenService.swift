#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A signed token and the claims in it.
public struct IssuedToken: Sendable, Hashable {
    /// The compact JWT.
    public let token: String
    /// Its claims.
    public let claims: TokenClaims
}

/// An access + refresh token pair, as the token routes return it.
public struct TokenPair: Sendable, Hashable {
    /// The access token.
    public let access: IssuedToken
    /// The refresh token.
    public let refresh: IssuedToken
    /// Seconds until the access token expires.
    public let expiresIn: Int64
}

/// Issues and verifies FastAuth tokens for one configuration: the token engine of docs/TOKENS.md.
public struct TokenService: Sendable {
    /// The configuration.
    public let config: FastAuthConfig
    /// The live keys.
    public let keyRing: KeyRing
    /// The source of "now".
    public let clock: any WallClock
    private let ids: CUID2Generator
    private let accessVerifier: TokenVerifier
    private let refreshVerifier: TokenVerifier

    /// Creates the engine.
    public init(config: FastAuthConfig, keyRing: KeyRing, clock: any WallClock = SystemClock()) {
        self.config = config
        self.keyRing = keyRing
        self.clock = clock
        self.ids = .shared
        self.accessVerifier = TokenVerifier(policy: config.accessTokenPolicy)
        self.refreshVerifier = TokenVerifier(policy: config.refreshTokenPolicy)
    }

    /// Creates the engine with the keys the configuration implies (see ``KeyRing/init(config:)``).
    public init(config: FastAuthConfig, clock: any WallClock = SystemClock()) async throws(KeyError) {
        self.init(config: config, keyRing: try await KeyRing(config: config), clock: clock)
    }

    // MARK: Issuing

    /// Issues an access token for `user` in `sessionID`: the seed's claims plus `jti`, `sid`
    /// and profile claims — and, when `roles` is given, the `roles` and `permissions` claims —
    /// then the `modifyJWT` hook.
    public func issueAccessToken(
        for user: UserAccount, sessionID: SessionID, roles: RoleGrants? = nil, now: Date? = nil
    ) async throws -> IssuedToken {
        let now = (now ?? clock.now()).unixSeconds
        var claims = TokenClaims(
            subject: user.id.rawValue, tokenID: ids.next(now: now &* 1000), sessionID: sessionID.rawValue,
            type: .access,
            issuedAt: now, expiresAt: now + config.jwt.accessTokenTTL.wholeSeconds, issuer: config.jwt.issuer,
            audience: config.jwt.audience, email: user.email, name: user.name, emailVerified: user.emailVerified)
        if let roles {
            claims[custom: RoleService.rolesClaimName] = .array(roles.roles.map(JSONValue.string))
            claims[custom: RoleService.permissionsClaimName] = .array(roles.permissions.map(JSONValue.string))
        }
        return try await sign(claims, user: user, key: keyRing.snapshot.access.signingKey)
    }

    /// Issues a refresh token for `user` in `sessionID`, signed with the derived refresh key.
    /// It carries no profile claims; `remember` selects the longer lifetime.
    public func issueRefreshToken(
        for user: UserAccount, sessionID: SessionID, remember: Bool = false, tokenID: TokenID? = nil, now: Date? = nil
    ) async throws -> IssuedToken {
        let now = (now ?? clock.now()).unixSeconds
        let ttl = remember ? config.jwt.rememberMeTTL : config.jwt.refreshTokenTTL
        let claims = TokenClaims(
            subject: user.id.rawValue, tokenID: tokenID?.rawValue ?? ids.next(now: now &* 1000),
            sessionID: sessionID.rawValue, type: .refresh, issuedAt: now, expiresAt: now + ttl.wholeSeconds,
            issuer: config.jwt.issuer, audience: config.jwt.audience)
        return try await sign(claims, user: user, key: keyRing.snapshot.refresh.signingKey)
    }

    /// Issues an access and a refresh token for `user` in `sessionID`; `roles`, when given, go in
    /// the access token only.
    public func issuePair(
        for user: UserAccount, sessionID: SessionID, remember: Bool = false, refreshTokenID: TokenID? = nil,
        roles: RoleGrants? = nil, now: Date? = nil
    ) async throws -> TokenPair {
        let now = now ?? clock.now()
        let access = try await issueAccessToken(for: user, sessionID: sessionID, roles: roles, now: now)
        let refresh = try await issueRefreshToken(
            for: user, sessionID: sessionID, remember: remember, tokenID: refreshTokenID, now: now)
        return TokenPair(access: access, refresh: refresh, expiresIn: config.jwt.accessTokenTTL.wholeSeconds)
    }

    private func sign(_ claims: TokenClaims, user: UserAccount, key: SigningKey?) async throws -> IssuedToken {
        guard let key else {
            throw TokenError(
                .signingFailed, "no signing key is loaded yet (managed keys load from the store at startup)")
        }
        let final = try await config.hooks.modifyJWT(claims, user: user, tokenType: claims.type)
        try Self.checkHookResult(original: claims, modified: final)
        let token = try Self.sign(final, with: key)
        // Never hand out a token that verification (here or in a resource server with the
        // same limit) refuses as oversized: that would be a sign-in that works once and a user
        // who can then do nothing.
        let limit = (claims.type == .refresh ? config.refreshTokenPolicy : config.accessTokenPolicy).maxTokenBytes
        guard token.utf8.count <= limit else {
            throw TokenError(
                .oversized,
                "the \(claims.type) token would be \(token.utf8.count) bytes, over the \(limit)-byte limit verifiers "
                    + "accept (modifyJWT added too much)")
        }
        return IssuedToken(token: token, claims: final)
    }

    /// Refuses a hook result that changed a reserved claim or hid one among custom claims.
    package static func checkHookResult(original: TokenClaims, modified: TokenClaims) throws(TokenError) {
        guard original.hasSameReservedClaims(as: modified) else {
            throw TokenError(
                .reservedClaim, "modifyJWT changed a reserved claim (sub jti sid type iat exp nbf iss aud)")
        }
        if modified.custom.isEmpty { return }
        if let name = modified.custom.keys.first(where: {
            TokenClaims.reservedNames.contains($0) || TokenClaims.profileNames.contains($0)
        }) {
            throw TokenError(
                .reservedClaim,
                TokenClaims.reservedNames.contains(name)
                    ? "modifyJWT may not set the reserved claim \"\(name)\""
                    : "modifyJWT must set \"\(name)\" through its typed field, not as a custom claim")
        }
        guard modified.custom.values.allSatisfy(\.isSerialisable) else {
            throw TokenError(.signingFailed, "a custom claim holds a number JSON cannot carry (NaN or infinity)")
        }
    }

    /// Serialises and signs `claims` with `key`, with no hook and no checks: the primitive
    /// under the issuing methods.
    public static func sign(_ claims: TokenClaims, with key: SigningKey) throws(TokenError) -> String {
        try FastJWSEngine.sign(claims: claims, with: key.jws)
    }

    // MARK: Verifying

    /// Verifies an access token: every verification rule.
    public func verifyAccessToken(_ token: String, now: Date? = nil) throws(TokenError) -> VerifiedToken {
        try accessVerifier.verify(token, as: .access, keys: keyRing.snapshot.access, now: now ?? clock.now())
    }

    /// Verifies a refresh token's signature and claims (not whether it was already used —
    /// that is the session store's job).
    public func verifyRefreshToken(_ token: String, now: Date? = nil) throws(TokenError) -> VerifiedToken {
        try refreshVerifier.verify(token, as: .refresh, keys: keyRing.snapshot.refresh, now: now ?? clock.now())
    }
}
