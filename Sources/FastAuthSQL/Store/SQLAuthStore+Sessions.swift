public import FastAuth
import SQLKit

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

extension SQLAuthStore {
    /// Stores a new session (its ``SessionRecord/currentTokenID`` is the first refresh token);
    /// an id that exists throws ``StoreError/Code/duplicateID`` and writes nothing.
    public func createSession(_ session: SessionRecord) async throws {
        let inserted = try await performWrite("create a session") { database in
            try await database.raw(
                """
                INSERT INTO fastauth_sessions (\(unsafeRaw: Columns.session))
                VALUES (\(bind: session.id.rawValue), \(bind: session.userID.rawValue), \
                \(bind: session.createdAt.storedMilliseconds), \(bind: session.lastUsedAt.storedMilliseconds), \
                \(bind: session.expiresAt.storedMilliseconds), \(bind: session.revokedAt?.storedMilliseconds), \
                \(bind: session.remember), \(bind: session.userAgent), \(bind: session.ipAddress), \
                \(bind: session.currentTokenID?.rawValue), \(bind: session.previousTokenID?.rawValue), \
                \(bind: session.rotatedAt?.storedMilliseconds))
                ON CONFLICT DO NOTHING
                RETURNING id
                """
            ).first() != nil
        }
        guard inserted else { throw StoreError(.duplicateID, "a session with this id already exists") }
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

    /// Exchanges the session's live refresh token `presented` for `next`, atomically.
    ///
    /// One statement, a compare-and-set on the session row: `UPDATE … SET current_token_id =
    /// next, previous_token_id = current_token_id, … WHERE id = ? AND current_token_id =
    /// presented AND <the session is active> RETURNING …`. The database lets exactly one of any
    /// number of concurrent callers change the row (SQLite: one writer at a time; PostgreSQL:
    /// the row lock, with the losers re-checking the condition after the winner commits) — no
    /// multi-statement transaction, so an exchange costs one round trip. The others read the
    /// session to say why not.
    public func rotateRefreshToken(
        sessionID: SessionID, presented: TokenID, next: TokenID, expiresAt: Date, now: Date
    ) async throws -> RefreshRotation {
        let nowMilliseconds = now.storedMilliseconds
        for _ in 1...configuration.maxAttempts {
            let rotated = try await performWrite("exchange a refresh token") { database in
                try await database.raw(
                    """
                    UPDATE fastauth_sessions
                    SET previous_token_id = current_token_id, current_token_id = \(bind: next.rawValue),
                    rotated_at = \(bind: nowMilliseconds), last_used_at = \(bind: nowMilliseconds),
                    expires_at = \(bind: expiresAt.storedMilliseconds)
                    WHERE id = \(bind: sessionID.rawValue) AND current_token_id = \(bind: presented.rawValue)
                    AND revoked_at IS NULL AND expires_at > \(bind: nowMilliseconds)
                    RETURNING \(unsafeRaw: Columns.session)
                    """
                ).first().map { try StoredRow($0, table: "fastauth_sessions").session() }
            }
            if let rotated { return .rotated(rotated) }
            // Not exchanged: say why.
            guard let session = try await session(id: sessionID) else { return .notFound }
            guard session.isActive(at: now) else { return .sessionInactive(session) }
            // Live token, active session, yet the UPDATE matched nothing: a concurrent change
            // (another exchange's rollback, or a clock edge) landed in between. Ask again.
            guard session.currentTokenID == presented else { return .superseded(session) }
        }
        throw StoreError(
            .unavailable, "could not exchange a refresh token: the session kept changing under concurrent writes")
    }

    /// Revokes one active session of `userID`; `false` if there is none.
    public func revokeSession(_ id: SessionID, userID: UserID, now: Date) async throws -> Bool {
        let nowMilliseconds = now.storedMilliseconds
        return try await performWrite("revoke a session") { database in
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
        return try await performWrite("revoke a user's sessions") { database in
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

    /// Revokes the user's active sessions beyond the `keeping` most recently used ones, in one
    /// statement (a large LIMIT, since SQLite needs one before OFFSET and PostgreSQL accepts it).
    public func revokeLeastRecentlyUsedSessions(userID: UserID, keeping: Int, now: Date) async throws -> [SessionID] {
        let nowMilliseconds = now.storedMilliseconds
        return try await performWrite("end a user's least recently used sessions") { database in
            try await database.raw(
                """
                UPDATE fastauth_sessions SET revoked_at = \(bind: nowMilliseconds)
                WHERE id IN (
                    SELECT id FROM fastauth_sessions
                    WHERE user_id = \(bind: userID.rawValue) AND revoked_at IS NULL
                    AND expires_at > \(bind: nowMilliseconds)
                    ORDER BY last_used_at DESC, created_at DESC, id DESC
                    LIMIT 1000000000 OFFSET \(bind: max(keeping, 0)))
                RETURNING id
                """
            ).all().map { SessionID(try StoredRow($0, table: "fastauth_sessions").string("id")) }
        }
    }

    /// Deletes the sessions revoked or expired before `cutoff`.
    public func deleteSessions(endedBefore cutoff: Date) async throws -> Int {
        let cutoffMilliseconds = cutoff.storedMilliseconds
        return try await performWrite("delete ended sessions") { database in
            try await database.raw(
                """
                DELETE FROM fastauth_sessions
                WHERE revoked_at < \(bind: cutoffMilliseconds) OR expires_at < \(bind: cutoffMilliseconds)
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
}
