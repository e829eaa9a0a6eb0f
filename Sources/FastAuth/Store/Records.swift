#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A user account with its password hash, as the store keeps it.
public struct StoredUser: Sendable, Hashable {
    /// The account.
    public var account: UserAccount
    /// The self-describing password hash (see ``PasswordHasher``).
    public var passwordHash: String

    public init(account: UserAccount, passwordHash: String) {
        self.account = account
        self.passwordHash = passwordHash
    }
}

/// A login session: one device. Its refresh tokens form one family.
public struct SessionRecord: Sendable, Hashable, Codable {
    public var id: SessionID
    public var userID: UserID
    public var createdAt: Date
    /// When a refresh token of the session was last consumed (or the login time).
    public var lastUsedAt: Date
    /// When the newest refresh token of the session expires.
    public var expiresAt: Date
    /// When the session was revoked (logout, reuse detected, revocation), if it was.
    public var revokedAt: Date?
    /// Whether the login asked to be remembered (longer refresh lifetime).
    public var remember: Bool
    public var userAgent: String?
    public var ipAddress: String?

    public init(
        id: SessionID, userID: UserID, createdAt: Date, lastUsedAt: Date? = nil, expiresAt: Date, revokedAt: Date? = nil,
        remember: Bool = false, userAgent: String? = nil, ipAddress: String? = nil
    ) {
        self.id = id
        self.userID = userID
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt ?? createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.remember = remember
        self.userAgent = userAgent
        self.ipAddress = ipAddress
    }

    /// `true` when not revoked and not expired at `now`.
    public func isActive(at now: Date) -> Bool { revokedAt == nil && expiresAt > now }
}

/// One refresh token of a session, by its `jti`.
public struct RefreshTokenRecord: Sendable, Hashable, Codable {
    public var id: TokenID
    public var sessionID: SessionID
    public var userID: UserID
    public var issuedAt: Date
    public var expiresAt: Date
    /// When it was exchanged for a new pair, if it was.
    public var consumedAt: Date?
    /// The token that replaced it.
    public var replacedBy: TokenID?

    public init(
        id: TokenID, sessionID: SessionID, userID: UserID, issuedAt: Date, expiresAt: Date, consumedAt: Date? = nil,
        replacedBy: TokenID? = nil
    ) {
        self.id = id
        self.sessionID = sessionID
        self.userID = userID
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.consumedAt = consumedAt
        self.replacedBy = replacedBy
    }
}

/// The outcome of presenting a refresh token to ``SessionStore/consumeRefreshToken(_:replacement:now:)``.
public enum RefreshConsumption: Sendable, Hashable {
    /// The token was live and is now consumed; `replacement` is stored as the session's next
    /// token and the session's `lastUsedAt`/`expiresAt` are updated. Carries the updated session.
    case consumed(SessionRecord)
    /// The token had been consumed before (the record shows when and by what).
    case alreadyConsumed(RefreshTokenRecord, SessionRecord)
    /// The session is revoked or expired.
    case sessionInactive(SessionRecord)
    /// No such token.
    case notFound
}
