public import FastAuth
import SQLKit

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

// Account changes, one-time tokens and the email outbox.

extension SQLAuthStore {
    // MARK: Users

    /// Sets the non-nil fields of the profile; `nil` when there is no such user.
    public func updateProfile(_ id: UserID, name: String?, image: String?, now: Date) async throws -> UserAccount? {
        try await performWrite("update a profile") { database in
            try await database.raw(
                """
                UPDATE fastauth_users SET name = COALESCE(\(bind: name), name), image = COALESCE(\(bind: image), image),
                updated_at = \(bind: now.storedMilliseconds)
                WHERE id = \(bind: id.rawValue)
                RETURNING \(unsafeRaw: Columns.user)
                """
            ).first().map { try StoredRow($0, table: "fastauth_users").storedUser().account }
        }
    }

    /// Changes the email (verified); the UNIQUE constraint refuses an address another user has.
    public func changeEmail(_ id: UserID, to email: String, now: Date) async throws {
        do {
            try await performWrite("change a user's email") { database in
                try await database.raw(
                    """
                    UPDATE fastauth_users SET email = \(bind: email), email_verified = \(bind: true),
                    updated_at = \(bind: now.storedMilliseconds)
                    WHERE id = \(bind: id.rawValue)
                    """
                ).run()
            }
        } catch let error as StoreError where error.code == .duplicateID {
            throw StoreError(.duplicateEmail, "a user with this email already exists")
        }
    }

    /// Marks the user deleted and inactive.
    public func markDeleted(_ id: UserID, now: Date) async throws {
        let milliseconds = now.storedMilliseconds
        try await performWrite("mark a user deleted") { database in
            try await database.raw(
                """
                UPDATE fastauth_users SET deleted_at = \(bind: milliseconds), is_active = \(bind: false),
                updated_at = \(bind: milliseconds)
                WHERE id = \(bind: id.rawValue)
                """
            ).run()
        }
    }

    /// Deletes users marked deleted before `cutoff`; the database deletes their sessions, roles
    /// and tokens with them.
    public func deleteUsers(deletedBefore cutoff: Date) async throws -> Int {
        try await performWrite("purge deleted users") { database in
            try await database.raw(
                """
                DELETE FROM fastauth_users WHERE deleted_at IS NOT NULL AND deleted_at < \(bind: cutoff.storedMilliseconds)
                RETURNING id
                """
            ).all().count
        }
    }

    /// Revokes the user's active sessions but `keeping`.
    public func revokeOtherSessions(userID: UserID, keeping: SessionID, now: Date) async throws -> [SessionID] {
        let milliseconds = now.storedMilliseconds
        return try await performWrite("revoke a user's other sessions") { database in
            try await database.raw(
                """
                UPDATE fastauth_sessions SET revoked_at = \(bind: milliseconds)
                WHERE user_id = \(bind: userID.rawValue) AND id <> \(bind: keeping.rawValue)
                AND revoked_at IS NULL AND expires_at > \(bind: milliseconds)
                RETURNING id
                """
            ).all().map { SessionID(try StoredRow($0, table: "fastauth_sessions").string("id")) }
        }
    }

    /// Forgets the login attempts of every key starting with `keyPrefix` (compared as text, so
    /// `%` and `_` in an email are not wildcards).
    public func clearAttempts(keyPrefix: String) async throws {
        let length = Int64(keyPrefix.unicodeScalars.count)
        try await performWrite("forget login attempts") { database in
            try await database.raw(
                #"""
                DELETE FROM fastauth_login_attempts
                WHERE substr("key", 1, CAST(\#(bind: length) AS INTEGER)) = \#(bind: keyPrefix)
                """#
            ).run()
        }
    }

    // MARK: One-time tokens

    private static let tokenColumns = "hash, purpose, user_id, data, created_at, expires_at, consumed_at"

    /// Voids the user's unconsumed tokens of the purpose, stores the token and queues its mail,
    /// in one transaction.
    public func issueOneTimeToken(_ token: OneTimeTokenRecord, message: OutboxEmail) async throws {
        try await transaction("issue a one-time token") { database, _ in
            try await database.raw(
                """
                DELETE FROM fastauth_one_time_tokens
                WHERE user_id = \(bind: token.userID.rawValue) AND purpose = \(bind: token.purpose.rawValue)
                AND consumed_at IS NULL
                """
            ).run()
            try await database.raw(
                """
                INSERT INTO fastauth_one_time_tokens (\(unsafeRaw: Self.tokenColumns))
                VALUES (\(bind: token.hash), \(bind: token.purpose.rawValue), \(bind: token.userID.rawValue), \
                \(bind: token.data), \(bind: token.createdAt.storedMilliseconds), \
                \(bind: token.expiresAt.storedMilliseconds), \(bind: token.consumedAt?.storedMilliseconds))
                """
            ).run()
            try await Self.insert(message, into: database)
        }
    }

    /// Consumes the token in one statement.
    public func consumeOneTimeToken(
        hash: String, purpose: OneTimeTokenPurpose, now: Date
    ) async throws -> OneTimeTokenRecord? {
        let milliseconds = now.storedMilliseconds
        return try await performWrite("consume a one-time token") { database in
            try await database.raw(
                """
                UPDATE fastauth_one_time_tokens SET consumed_at = \(bind: milliseconds)
                WHERE hash = \(bind: hash) AND purpose = \(bind: purpose.rawValue)
                AND consumed_at IS NULL AND expires_at > \(bind: milliseconds)
                RETURNING \(unsafeRaw: Self.tokenColumns)
                """
            ).first().map { try Self.oneTimeToken($0) }
        }
    }

    /// The usable token with `hash` and `purpose`, unconsumed.
    public func oneTimeToken(hash: String, purpose: OneTimeTokenPurpose, now: Date) async throws -> OneTimeTokenRecord?
    {
        try await perform("read a one-time token") { database in
            try await database.raw(
                """
                SELECT \(unsafeRaw: Self.tokenColumns) FROM fastauth_one_time_tokens
                WHERE hash = \(bind: hash) AND purpose = \(bind: purpose.rawValue)
                AND consumed_at IS NULL AND expires_at > \(bind: now.storedMilliseconds)
                """
            ).first().map { try Self.oneTimeToken($0) }
        }
    }

    /// Deletes the user's unconsumed tokens of `purpose`.
    public func deleteOneTimeTokens(userID: UserID, purpose: OneTimeTokenPurpose) async throws {
        try await performWrite("void one-time tokens") { database in
            try await database.raw(
                """
                DELETE FROM fastauth_one_time_tokens
                WHERE user_id = \(bind: userID.rawValue) AND purpose = \(bind: purpose.rawValue) AND consumed_at IS NULL
                """
            ).run()
        }
    }

    /// Deletes tokens that expired or were consumed before `cutoff`.
    public func deleteOneTimeTokens(endedBefore cutoff: Date) async throws -> Int {
        let milliseconds = cutoff.storedMilliseconds
        return try await performWrite("purge one-time tokens") { database in
            try await database.raw(
                """
                DELETE FROM fastauth_one_time_tokens
                WHERE expires_at < \(bind: milliseconds) OR consumed_at < \(bind: milliseconds)
                RETURNING hash
                """
            ).all().count
        }
    }

    private static func oneTimeToken(_ row: any SQLRow) throws -> OneTimeTokenRecord {
        let stored = StoredRow(row, table: "fastauth_one_time_tokens")
        guard let purpose = OneTimeTokenPurpose(rawValue: try stored.string("purpose")) else {
            throw StoreError(
                .corrupt, "column purpose of fastauth_one_time_tokens holds a value FastAuth did not write")
        }
        return OneTimeTokenRecord(
            hash: try stored.string("hash"), purpose: purpose, userID: UserID(try stored.string("user_id")),
            data: try stored.optionalString("data"), createdAt: try stored.date("created_at"),
            expiresAt: try stored.date("expires_at"), consumedAt: try stored.optionalDate("consumed_at"))
    }

    // MARK: Email outbox

    private static let outboxColumns =
        "id, sealed_body, deliver, state, created_at, next_attempt_at, attempts, claimed_until, last_error, finished_at"

    private static func insert(_ message: OutboxEmail, into database: any SQLDatabase) async throws {
        try await database.raw(
            """
            INSERT INTO fastauth_email_outbox (\(unsafeRaw: outboxColumns))
            VALUES (\(bind: message.id), \(bind: message.sealedBody.map { Data($0) }), \(bind: message.deliver), \
            \(bind: message.state.rawValue), \(bind: message.createdAt.storedMilliseconds), \
            \(bind: message.nextAttemptAt.storedMilliseconds), \(bind: Int64(message.attempts)), \
            \(bind: message.claimedUntil?.storedMilliseconds), \(bind: message.lastError), \
            \(bind: message.finishedAt?.storedMilliseconds))
            """
        ).run()
    }

    /// Adds a message to the outbox.
    public func enqueueEmail(_ message: OutboxEmail) async throws {
        try await performWrite("queue an email") { database in try await Self.insert(message, into: database) }
    }

    /// Claims due messages in one statement; on PostgreSQL concurrent claimants skip each
    /// other's rows (`FOR UPDATE SKIP LOCKED`), on SQLite the single writer serialises them.
    public func claimEmails(now: Date, leaseUntil: Date, limit: Int) async throws -> [OutboxEmail] {
        let milliseconds = now.storedMilliseconds
        let lease = leaseUntil.storedMilliseconds
        let limit = Int64(max(0, limit))
        let engine = try SQLEngine(database)
        let locking = engine == .postgresql ? "FOR UPDATE SKIP LOCKED" : ""
        return try await performWrite("claim due emails") { database in
            try await database.raw(
                """
                UPDATE fastauth_email_outbox SET claimed_until = \(bind: lease), attempts = attempts + 1
                WHERE id IN (
                    SELECT id FROM fastauth_email_outbox
                    WHERE state = 'pending' AND next_attempt_at <= \(bind: milliseconds)
                    AND (claimed_until IS NULL OR claimed_until <= \(bind: milliseconds))
                    ORDER BY next_attempt_at, id LIMIT \(bind: limit) \(unsafeRaw: locking))
                AND state = 'pending' AND (claimed_until IS NULL OR claimed_until <= \(bind: milliseconds))
                RETURNING \(unsafeRaw: Self.outboxColumns)
                """
            ).all().map { try Self.outboxEmail($0) }.sorted { ($0.nextAttemptAt, $0.id) < ($1.nextAttemptAt, $1.id) }
        }
    }

    /// Records the outcome of a claimed message; sent and failed bodies are wiped.
    public func completeEmail(id: String, outcome: OutboxOutcome, now: Date) async throws {
        let milliseconds = now.storedMilliseconds
        try await performWrite("record an email's delivery") { database in
            switch outcome {
            case .sent:
                try await database.raw(
                    """
                    UPDATE fastauth_email_outbox SET state = 'sent', sealed_body = NULL, claimed_until = NULL,
                    finished_at = \(bind: milliseconds) WHERE id = \(bind: id)
                    """
                ).run()
            case .retry(let at, let error):
                try await database.raw(
                    """
                    UPDATE fastauth_email_outbox SET next_attempt_at = \(bind: at.storedMilliseconds),
                    last_error = \(bind: error), claimed_until = NULL WHERE id = \(bind: id)
                    """
                ).run()
            case .failed(let error):
                try await database.raw(
                    """
                    UPDATE fastauth_email_outbox SET state = 'failed', sealed_body = NULL, claimed_until = NULL,
                    last_error = \(bind: error), finished_at = \(bind: milliseconds) WHERE id = \(bind: id)
                    """
                ).run()
            }
        }
    }

    /// The message with `id`.
    public func outboxEmail(id: String) async throws -> OutboxEmail? {
        try await perform("read an email") { database in
            try await database.raw(
                "SELECT \(unsafeRaw: Self.outboxColumns) FROM fastauth_email_outbox WHERE id = \(bind: id)"
            ).first().map { try Self.outboxEmail($0) }
        }
    }

    /// Deletes messages finished before `cutoff`.
    public func deleteEmails(finishedBefore cutoff: Date) async throws -> Int {
        try await performWrite("purge finished emails") { database in
            try await database.raw(
                """
                DELETE FROM fastauth_email_outbox WHERE finished_at IS NOT NULL AND finished_at < \(bind: cutoff.storedMilliseconds)
                RETURNING id
                """
            ).all().count
        }
    }

    private static func outboxEmail(_ row: any SQLRow) throws -> OutboxEmail {
        let stored = StoredRow(row, table: "fastauth_email_outbox")
        guard let state = OutboxEmail.State(rawValue: try stored.string("state")) else {
            throw StoreError(.corrupt, "column state of fastauth_email_outbox holds a value FastAuth did not write")
        }
        let body: Data?
        do {
            body = try row.decodeNil(column: "sealed_body") ? nil : try row.decode(column: "sealed_body", as: Data.self)
        } catch {
            throw StoreError(
                .corrupt, "column sealed_body of fastauth_email_outbox holds a value FastAuth did not write")
        }
        return OutboxEmail(
            id: try stored.string("id"), sealedBody: body.map { [UInt8]($0) }, deliver: try stored.bool("deliver"),
            state: state, createdAt: try stored.date("created_at"), nextAttemptAt: try stored.date("next_attempt_at"),
            attempts: Int(try stored.int64("attempts")), claimedUntil: try stored.optionalDate("claimed_until"),
            lastError: try stored.optionalString("last_error"), finishedAt: try stored.optionalDate("finished_at"))
    }
}
