#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What a one-time token may be used for: a token of one purpose is never accepted for another.
public enum OneTimeTokenPurpose: String, Sendable, Hashable, CaseIterable, Codable {
    /// Proves the user owns their email address (`/verify-email`).
    case emailVerification = "verification"
    /// Sets a new password (`/reset-password`).
    case passwordReset = "password_reset"
    /// Confirms a new email address (`/account/confirm-email-change`); carries the address.
    case emailChange = "email_change"
}

/// A one-time token as the store keeps it: only the SHA-256 of the token (hex) is stored, so a
/// read of the database gives nobody a working link.
public struct OneTimeTokenRecord: Sendable, Hashable {
    /// Lower-case hex SHA-256 of the token's bytes as sent in the link.
    public var hash: String
    public var purpose: OneTimeTokenPurpose
    public var userID: UserID
    /// Purpose-specific data: the new address of an email change.
    public var data: String?
    public var createdAt: Date
    public var expiresAt: Date
    /// When the token was used; a consumed token is never accepted again.
    public var consumedAt: Date?

    public init(
        hash: String, purpose: OneTimeTokenPurpose, userID: UserID, data: String? = nil, createdAt: Date,
        expiresAt: Date, consumedAt: Date? = nil
    ) {
        self.hash = hash
        self.purpose = purpose
        self.userID = userID
        self.data = data
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.consumedAt = consumedAt
    }
}

/// One-time tokens: issue (voiding older ones), consume once, purge.
public protocol OneTimeTokenStore: Sendable {
    /// In one transaction: deletes the user's unconsumed tokens of the same purpose (a newer
    /// token voids older ones), stores `token`, and enqueues `message` (the email carrying it).
    func issueOneTimeToken(_ token: OneTimeTokenRecord, message: OutboxEmail) async throws
    /// Marks the token with `hash` consumed if it has `purpose`, is unconsumed and has not
    /// expired at `now` — one atomic statement: of any number of concurrent calls with one
    /// token, at most one returns the record.
    func consumeOneTimeToken(hash: String, purpose: OneTimeTokenPurpose, now: Date) async throws -> OneTimeTokenRecord?
    /// The token with `hash` if it has `purpose` and is usable at `now`, without consuming it
    /// (a cheap refusal of unknown tokens before expensive work).
    func oneTimeToken(hash: String, purpose: OneTimeTokenPurpose, now: Date) async throws -> OneTimeTokenRecord?
    /// Deletes the user's unconsumed tokens of `purpose` (after a password reset, the other
    /// reset links die with it).
    func deleteOneTimeTokens(userID: UserID, purpose: OneTimeTokenPurpose) async throws
    /// Deletes tokens that expired, or were consumed, before `cutoff`; returns how many.
    func deleteOneTimeTokens(endedBefore cutoff: Date) async throws -> Int
}

/// A message in the durable email outbox. Its body (the ``EmailMessage``, links included) is
/// sealed at rest and wiped once the message is sent or has failed for good.
public struct OutboxEmail: Sendable, Hashable {
    /// Where a message stands.
    public enum State: String, Sendable, Hashable {
        /// Waiting to be sent (or to be retried at ``OutboxEmail/nextAttemptAt``).
        case pending
        /// Delivered (or, for a decoy, discarded): the body is wiped.
        case sent
        /// Refused for good, or out of attempts: the body is wiped.
        case failed
    }

    public var id: String
    /// The sealed ``EmailMessage``; `nil` once sent or failed.
    public var sealedBody: [UInt8]?
    /// `false` for a decoy: the work a request does for an address with no account (so its
    /// response and timing match a real one), discarded unsent by the delivery task.
    public var deliver: Bool
    public var state: State
    public var createdAt: Date
    /// When the message may be (re)tried.
    public var nextAttemptAt: Date
    /// Delivery attempts so far (a claim counts as one).
    public var attempts: Int
    /// A claimed message belongs to one delivery task until then.
    public var claimedUntil: Date?
    /// The last failure, for the log (no body, no credentials).
    public var lastError: String?
    /// When the message was sent or failed for good.
    public var finishedAt: Date?

    public init(
        id: String, sealedBody: [UInt8]?, deliver: Bool = true, state: State = .pending, createdAt: Date,
        nextAttemptAt: Date? = nil, attempts: Int = 0, claimedUntil: Date? = nil, lastError: String? = nil,
        finishedAt: Date? = nil
    ) {
        self.id = id
        self.sealedBody = sealedBody
        self.deliver = deliver
        self.state = state
        self.createdAt = createdAt
        self.nextAttemptAt = nextAttemptAt ?? createdAt
        self.attempts = attempts
        self.claimedUntil = claimedUntil
        self.lastError = lastError
        self.finishedAt = finishedAt
    }
}

/// What became of a claimed outbox message.
public enum OutboxOutcome: Sendable, Hashable {
    /// Delivered (or a decoy discarded): the body is wiped.
    case sent
    /// Try again at the date; the message stays pending with the error noted.
    case retry(at: Date, error: String)
    /// Given up: the body is wiped, the error noted.
    case failed(error: String)
}

/// The durable email outbox. A message is written in the same transaction as the token it
/// carries (``OneTimeTokenStore/issueOneTimeToken(_:message:)``) or on its own
/// (``enqueueEmail(_:)``), and delivered by ``EmailDeliveryService``.
public protocol EmailOutboxStore: Sendable {
    /// Adds a message to the outbox.
    func enqueueEmail(_ message: OutboxEmail) async throws
    /// Claims up to `limit` pending messages due at `now` whose claim (if any) has lapsed:
    /// each is leased until `leaseUntil` and its attempt count grows by one. Of several
    /// instances claiming at once, each message goes to one (`FOR UPDATE SKIP LOCKED` on
    /// PostgreSQL).
    func claimEmails(now: Date, leaseUntil: Date, limit: Int) async throws -> [OutboxEmail]
    /// Records what became of claimed message `id`.
    func completeEmail(id: String, outcome: OutboxOutcome, now: Date) async throws
    /// The message with `id` (tests, `fastauth` diagnostics).
    func outboxEmail(id: String) async throws -> OutboxEmail?
    /// Deletes messages sent or failed before `cutoff`; returns how many.
    func deleteEmails(finishedBefore cutoff: Date) async throws -> Int
}
