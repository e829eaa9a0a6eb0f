#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A user account with its password hash, as the store keeps it.
public struct StoredUser: Sendable, Hashable {
    /// The account.
    public var account: UserAccount
    /// The self-describing password hash (see ``PasswordHasher``); `nil` for an account without
    /// a password (created by a social sign-in), which can set one through the reset flow.
    public var passwordHash: String?

    public init(account: UserAccount, passwordHash: String?) {
        self.account = account
        self.passwordHash = passwordHash
    }
}

/// A login session: one device. Its refresh tokens form one family, of which the session
/// keeps the live token and the one it replaced: an exchange is one
/// compare-and-set on this record, so it needs no multi-statement transaction.
public struct SessionRecord: Sendable, Hashable, Codable {
    public var id: SessionID
    public var userID: UserID
    public var createdAt: Date
    /// When a refresh token of the session was last exchanged (or the login time).
    public var lastUsedAt: Date
    /// When the live refresh token of the session expires.
    public var expiresAt: Date
    /// When the session was revoked (logout, reuse detected, revocation), if it was.
    public var revokedAt: Date?
    /// Whether the login asked to be remembered (longer refresh lifetime).
    public var remember: Bool
    public var userAgent: String?
    public var ipAddress: String?
    /// The `jti` of the session's live refresh token: the only one that can be exchanged.
    public var currentTokenID: TokenID?
    /// The `jti` of the token the live one replaced, for the reuse grace window.
    public var previousTokenID: TokenID?
    /// When ``previousTokenID`` was exchanged.
    public var rotatedAt: Date?

    public init(
        id: SessionID, userID: UserID, createdAt: Date, lastUsedAt: Date? = nil, expiresAt: Date,
        revokedAt: Date? = nil,
        remember: Bool = false, userAgent: String? = nil, ipAddress: String? = nil, currentTokenID: TokenID? = nil,
        previousTokenID: TokenID? = nil, rotatedAt: Date? = nil
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
        self.currentTokenID = currentTokenID
        self.previousTokenID = previousTokenID
        self.rotatedAt = rotatedAt
    }

    /// `true` when not revoked and not expired at `now`.
    public func isActive(at now: Date) -> Bool { revokedAt == nil && expiresAt > now }

    /// This session after exchanging its live token for `next` at `now`.
    public func rotated(to next: TokenID, expiresAt: Date, now: Date) -> SessionRecord {
        var session = self
        session.previousTokenID = currentTokenID
        session.currentTokenID = next
        session.rotatedAt = now
        session.lastUsedAt = now
        session.expiresAt = expiresAt
        return session
    }
}

/// The outcome of presenting a refresh token to
/// ``SessionStore/rotateRefreshToken(sessionID:presented:next:expiresAt:now:)``.
public enum RefreshRotation: Sendable, Hashable {
    /// The presented token was the session's live token; `next` is now, and the session's
    /// `lastUsedAt`/`expiresAt` moved. Carries the updated session.
    case rotated(SessionRecord)
    /// The session is active but the presented token is not its live one: it was exchanged
    /// before. Carries the session unchanged; its ``SessionRecord/previousTokenID`` and
    /// ``SessionRecord/rotatedAt`` tell whether it was the token exchanged last, and when.
    case superseded(SessionRecord)
    /// The session is revoked or expired.
    case sessionInactive(SessionRecord)
    /// No such session.
    case notFound
}
