#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// User accounts. Emails are stored normalised (lower case) and unique.
public protocol UserStore: Sendable {
    /// Inserts a new user; throws ``StoreError/Code/duplicateEmail`` when the email exists.
    func createUser(_ user: StoredUser) async throws -> UserAccount
    /// The user with `id`.
    func user(id: UserID) async throws -> UserAccount?
    /// The user with the (normalised) `email`, with the password hash.
    func credentials(email: String) async throws -> StoredUser?
    /// `true` when a user has the (normalised) `email`.
    func emailExists(_ email: String) async throws -> Bool
    /// Replaces the password hash (rehash on login, password change).
    func updatePasswordHash(_ hash: String, userID: UserID, now: Date) async throws
    /// Activates or deactivates a user.
    func setActive(_ isActive: Bool, userID: UserID, now: Date) async throws
    /// Marks the user's email verified or not.
    func setEmailVerified(_ isVerified: Bool, userID: UserID, now: Date) async throws
    /// A page of users, oldest first (by creation time, then id): `limit` users after skipping `offset`.
    func users(limit: Int, offset: Int) async throws -> [UserAccount]
    /// Deletes the user with their sessions and role assignments; `false` when there is none.
    func deleteUser(_ id: UserID) async throws -> Bool
    /// Sets the name and the image of the user where they are non-nil (`nil` leaves a field as
    /// it is) and returns the account; `nil` when there is no such user.
    func updateProfile(_ id: UserID, name: String?, image: String?, now: Date) async throws -> UserAccount?
    /// Changes the user's email to the (normalised) `email` and marks it verified. Throws
    /// ``StoreError/Code/duplicateEmail`` when another user has it (the UNIQUE constraint decides
    /// between concurrent changes).
    func changeEmail(_ id: UserID, to email: String, now: Date) async throws
    /// Marks the user deleted at `now` and inactive; the row stays until purged.
    func markDeleted(_ id: UserID, now: Date) async throws
    /// Deletes the users marked deleted before `cutoff` (their sessions, roles and tokens go with
    /// them); returns how many. Their emails can be registered again.
    func deleteUsers(deletedBefore cutoff: Date) async throws -> Int
}

/// Sessions and their refresh-token families. Every method that changes
/// state is atomic under concurrent calls from any number of processes.
public protocol SessionStore: Sendable {
    /// Stores a new session; its ``SessionRecord/currentTokenID`` is the first refresh token.
    /// An id that exists throws ``StoreError/Code/duplicateID`` and writes nothing.
    func createSession(_ session: SessionRecord) async throws
    /// The session with `id`.
    func session(id: SessionID) async throws -> SessionRecord?
    /// The user's sessions that are active at `now`, newest first.
    func activeSessions(userID: UserID, now: Date) async throws -> [SessionRecord]
    /// Exchanges the session's live refresh token `presented` for `next` (expiring at
    /// `expiresAt`) if the session is active at `now` — one compare-and-set: of any number of
    /// concurrent calls presenting the same token, exactly one returns
    /// ``RefreshRotation/rotated(_:)``.
    func rotateRefreshToken(
        sessionID: SessionID, presented: TokenID, next: TokenID, expiresAt: Date, now: Date
    ) async throws -> RefreshRotation
    /// Revokes one session of `userID`; `false` if there is no such active session of that user.
    func revokeSession(_ id: SessionID, userID: UserID, now: Date) async throws -> Bool
    /// Revokes every active session of `userID`; returns how many.
    func revokeAllSessions(userID: UserID, now: Date) async throws -> Int
    /// Revokes every active session of `userID` but `keeping` (one statement); returns their ids.
    func revokeOtherSessions(userID: UserID, keeping: SessionID, now: Date) async throws -> [SessionID]
    /// Revokes the user's active sessions beyond the `keeping` most recently used ones (one
    /// statement) and returns their ids.
    func revokeLeastRecentlyUsedSessions(userID: UserID, keeping: Int, now: Date) async throws -> [SessionID]
    /// Deletes the sessions that were revoked or expired before `cutoff`; returns how many.
    func deleteSessions(endedBefore cutoff: Date) async throws -> Int
}

/// Counters for rate limits and login lockouts, shared by every instance.
public protocol RateLimitStore: Sendable {
    /// Adds one hit to counter `key` in the fixed window that starts at `windowStart`
    /// (a new window resets the count) and returns the count including this hit. Atomic.
    func hit(_ key: String, windowStart: Date, expiresAt: Date) async throws -> Int
    /// The count of `key` in the window that starts at `windowStart` (0 if none).
    func count(_ key: String, windowStart: Date) async throws -> Int
    /// Forgets counter `key`.
    func reset(_ key: String) async throws
    /// Locks `key` until `until`.
    func lock(_ key: String, until: Date) async throws
    /// When the lock on `key` ends, if it is locked at `now`.
    func lockedUntil(_ key: String, now: Date) async throws -> Date?
    /// Records login attempt `id` of `key` at `now` (kept until `expiresAt`), then returns the
    /// times of the newest `limit` attempts of `key` made after `since`, newest first, this one
    /// included. The record is committed before the attempts are read, so of any number of
    /// concurrent calls for one key — on any number of instances — the k-th to be recorded
    /// sees at least k attempts: a burst cannot slip more than the allowed number past a check
    /// on the count.
    func recordAttempt(
        _ key: String, id: String, at now: Date, expiresAt: Date, since: Date, limit: Int
    ) async throws -> [Date]
    /// Forgets login attempt `id` (one refused before it was evaluated).
    func removeAttempt(id: String) async throws
    /// Forgets every login attempt of `key` (after a successful login).
    func clearAttempts(_ key: String) async throws
    /// Forgets the login attempts of every key that starts with `keyPrefix` (a password reset
    /// clears the lockouts of an email from every client address).
    func clearAttempts(keyPrefix: String) async throws
    /// Deletes counters, locks and login attempts that ended before `now`.
    func purgeExpired(now: Date) async throws
}

/// A store's answer to "do you keep managed signing keys?": a JWKS with automatic key rotation
/// needs a ``SigningKeyStore`` shared by every instance, and ``AuthService`` asks here instead of
/// guessing from the store's type.
public protocol SigningKeyStoreCapability: Sendable {
    /// The managed signing keys' store (often the store itself), `nil` when this store keeps none.
    var signingKeyStore: (any SigningKeyStore)? { get }
}

/// Everything FastAuth keeps: users, sessions, counters, roles, one-time tokens, the email
/// outbox, social sign-in links, and whether it keeps managed signing keys.
public typealias AuthStore = UserStore & SessionStore & RateLimitStore & RoleStore & OneTimeTokenStore
    & EmailOutboxStore
    & SocialAccountStore & SigningKeyStoreCapability
