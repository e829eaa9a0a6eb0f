public import FastAuth
import SQLKit

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

extension SQLAuthStore {
    /// Stores a new session and its first refresh token in one transaction; an id that exists
    /// throws ``StoreError/Code/duplicateID`` and writes nothing.
    public func createSession(_ session: SessionRecord, firstToken: RefreshTokenRecord) async throws {
        try await transaction("create a session") { database, _ in
            guard try await Self.insert(session, into: database) else {
                throw StoreError(.duplicateID, "a session with this id already exists")
            }
            guard try await Self.insert(firstToken, into: database) else {
                throw StoreError(.duplicateID, "a refresh token with this id already exists")
            }
        }
    }

    /// The session with `id`.
    public func session(id: SessionID) async throws -> SessionRecord? {
        try await perform("read a session") { database in
            try await Self.session(id: id, in: database)
        }
    }

    /// The user's sessions that are active at `now`, newest first.
    public func activeSessions(userID: UserID, now: Date) async throws -> [SessionRecord] {
        try await perform("list a user's sessions") { database in
            try await database.raw(
                """
                SELECT \(unsafeRaw: Columns.session) FROM fastauth_sessions
                WHERE user_id = \(bind: userID.rawValue) AND revoked_at IS NULL
                AND expires_at > \(bind: now.storedMilliseconds)
                ORDER BY created_at DESC, id DESC
                """
            ).all().map { try StoredRow($0, table: "fastauth_sessions").session() }
        }
    }

    /// The refresh token with `id`.
    public func refreshToken(id: TokenID) async throws -> RefreshTokenRecord? {
        try await perform("read a refresh token") { database in
            try await Self.refreshToken(id: id, in: database)
        }
    }

    /// The newest unconsumed refresh token of a session, if any.
    public func liveRefreshToken(sessionID: SessionID) async throws -> RefreshTokenRecord? {
        try await perform("read a session's live refresh token") { database in
            try await database.raw(
                """
                SELECT \(unsafeRaw: Columns.refreshToken) FROM fastauth_refresh_tokens
                WHERE session_id = \(bind: sessionID.rawValue) AND consumed_at IS NULL
                ORDER BY issued_at DESC, id DESC LIMIT 1
                """
            ).first().map { try StoredRow($0, table: "fastauth_refresh_tokens").refreshToken() }
        }
    }

    /// Consumes refresh token `id` and stores `replacement`, atomically.
    ///
    /// One transaction: a conditional `UPDATE … SET consumed_at, replaced_by WHERE id = ? AND
    /// consumed_at IS NULL AND <the session is active>` claims the token — the database lets exactly
    /// one of any number of concurrent callers change the row (SQLite: one writer at a time under
    /// `BEGIN IMMEDIATE`; PostgreSQL: the row lock, with the losers re-checking `consumed_at` after
    /// the winner commits). Only the caller whose UPDATE changed the row inserts `replacement` and
    /// moves the session's `last_used_at`/`expires_at`; if that insert fails the claim rolls back.
    /// Everyone else re-reads the token and session to say why not.
    public func consumeRefreshToken(
        _ id: TokenID, replacement: RefreshTokenRecord, now: Date
    ) async throws -> RefreshConsumption {
        let nowMilliseconds = now.storedMilliseconds
        return try await transaction("consume a refresh token") { database, _ in
            let claimed = try await database.raw(
                """
                UPDATE fastauth_refresh_tokens
                SET consumed_at = \(bind: nowMilliseconds), replaced_by = \(bind: replacement.id.rawValue)
                WHERE id = \(bind: id.rawValue) AND consumed_at IS NULL
                AND EXISTS (
                    SELECT 1 FROM fastauth_sessions
                    WHERE fastauth_sessions.id = fastauth_refresh_tokens.session_id
                    AND fastauth_sessions.revoked_at IS NULL
                    AND fastauth_sessions.expires_at > \(bind: nowMilliseconds)
                )
                RETURNING session_id
                """
            ).first()
            if let claimed {
                let sessionID = SessionID(try StoredRow(claimed, table: "fastauth_refresh_tokens").string("session_id"))
                guard try await Self.insert(replacement, into: database) else {
                    throw StoreError(.duplicateID, "the replacement refresh token's id already exists")
                }
                let updated = try await database.raw(
                    """
                    UPDATE fastauth_sessions
                    SET last_used_at = \(bind: nowMilliseconds),
                    expires_at = \(bind: replacement.expiresAt.storedMilliseconds)
                    WHERE id = \(bind: sessionID.rawValue)
                    RETURNING \(unsafeRaw: Columns.session)
                    """
                ).first()
                guard let updated else { throw RetryableConflict() }
                return .consumed(try StoredRow(updated, table: "fastauth_sessions").session())
            }
            // Not claimed: say why, in the in-memory store's order.
            guard let token = try await Self.refreshToken(id: id, in: database),
                let session = try await Self.session(id: token.sessionID, in: database)
            else { return .notFound }
            guard session.isActive(at: now) else { return .sessionInactive(session) }
            guard token.consumedAt == nil else { return .alreadyConsumed(token, session) }
            // Live token, active session, yet the UPDATE matched nothing: a concurrent change
            // landed in between. Run the transaction again.
            throw RetryableConflict()
        }
    }

    /// Revokes one active session of `userID`; `false` if there is none.
    public func revokeSession(_ id: SessionID, userID: UserID, now: Date) async throws -> Bool {
        let nowMilliseconds = now.storedMilliseconds
        return try await perform("revoke a session") { database in
            try await database.raw(
                """
                UPDATE fastauth_sessions SET revoked_at = \(bind: nowMilliseconds)
                WHERE id = \(bind: id.rawValue) AND user_id = \(bind: userID.rawValue)
                AND revoked_at IS NULL AND expires_at > \(bind: nowMilliseconds)
                RETURNING id
                """
            ).first() != nil
        }
    }

    /// Revokes every active session of `userID`; returns how many.
    public func revokeAllSessions(userID: UserID, now: Date) async throws -> Int {
        let nowMilliseconds = now.storedMilliseconds
        return try await perform("revoke a user's sessions") { database in
            try await database.raw(
                """
                UPDATE fastauth_sessions SET revoked_at = \(bind: nowMilliseconds)
                WHERE user_id = \(bind: userID.rawValue)
                AND revoked_at IS NULL AND expires_at > \(bind: nowMilliseconds)
                RETURNING id
                """
            ).all().count
        }
    }

    // MARK: Statements shared by several operations

    private static func session(id: SessionID, in database: any SQLDatabase) async throws -> SessionRecord? {
        try await database.raw(
            "SELECT \(unsafeRaw: Columns.session) FROM fastauth_sessions WHERE id = \(bind: id.rawValue)"
        ).first().map { try StoredRow($0, table: "fastauth_sessions").session() }
    }

    private static func refreshToken(id: TokenID, in database: any SQLDatabase) async throws -> RefreshTokenRecord? {
        try await database.raw(
            "SELECT \(unsafeRaw: Columns.refreshToken) FROM fastauth_refresh_tokens WHERE id = \(bind: id.rawValue)"
        ).first().map { try StoredRow($0, table: "fastauth_refresh_tokens").refreshToken() }
    }

    /// Inserts `session` unless its id exists; `true` when it did.
    private static func insert(_ session: SessionRecord, into database: any SQLDatabase) async throws -> Bool {
        try await database.raw(
            """
            INSERT INTO fastauth_sessions (\(unsafeRaw: Columns.session))
            VALUES (\(bind: session.id.rawValue), \(bind: session.userID.rawValue), \
            \(bind: session.createdAt.storedMilliseconds), \(bind: session.lastUsedAt.storedMilliseconds), \
            \(bind: session.expiresAt.storedMilliseconds), \(bind: session.revokedAt?.storedMilliseconds), \
            \(bind: session.remember), \(bind: session.userAgent), \(bind: session.ipAddress))
            ON CONFLICT DO NOTHING
            RETURNING id
            """
        ).first() != nil
    }

    /// Inserts `token` unless its id exists; `true` when it did.
    private static func insert(_ token: RefreshTokenRecord, into database: any SQLDatabase) async throws -> Bool {
        try await database.raw(
            """
            INSERT INTO fastauth_refresh_tokens (\(unsafeRaw: Columns.refreshToken))
            VALUES (\(bind: token.id.rawValue), \(bind: token.sessionID.rawValue), \(bind: token.userID.rawValue), \
            \(bind: token.issuedAt.storedMilliseconds), \(bind: token.expiresAt.storedMilliseconds), \
            \(bind: token.consumedAt?.storedMilliseconds), \(bind: token.replacedBy?.rawValue))
            ON CONFLICT DO NOTHING
            RETURNING id
            """
        ).first() != nil
    }
}
