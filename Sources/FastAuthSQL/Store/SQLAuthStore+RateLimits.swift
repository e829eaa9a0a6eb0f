import FastAuth
import SQLKit

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

extension SQLAuthStore {
    /// Adds one hit to counter `key` and returns the count including it — one UPSERT statement,
    /// so concurrent hits from any number of instances never lose a count: a row in the same
    /// window counts up, a row from an earlier window restarts at 1.
    public func hit(_ key: String, windowStart: Date, expiresAt: Date) async throws -> Int {
        let count = try await performWrite("count a rate-limit hit") { database in
            let row = try await database.raw(
                """
                INSERT INTO fastauth_counters ("key", window_start, "count", expires_at)
                VALUES (\(bind: key), \(bind: windowStart.storedMilliseconds), 1, \(bind: expiresAt.storedMilliseconds))
                ON CONFLICT ("key") DO UPDATE SET
                "count" = CASE WHEN fastauth_counters.window_start = excluded.window_start
                    THEN fastauth_counters."count" + 1 ELSE 1 END,
                window_start = excluded.window_start,
                expires_at = excluded.expires_at
                RETURNING "count"
                """
            ).first()
            guard let row else { throw StoreError(.corrupt, "the counter upsert returned no row") }
            return try StoredRow(row, table: "fastauth_counters").int64("count")
        }
        return Int(count)
    }

    /// The count of `key` in the window that starts at `windowStart` (0 if none).
    public func count(_ key: String, windowStart: Date) async throws -> Int {
        let count = try await perform("read a rate-limit counter") { database in
            try await database.raw(
                """
                SELECT "count" FROM fastauth_counters
                WHERE "key" = \(bind: key) AND window_start = \(bind: windowStart.storedMilliseconds)
                """
            ).first().map { try StoredRow($0, table: "fastauth_counters").int64("count") }
        }
        return Int(count ?? 0)
    }

    /// Forgets counter `key`.
    public func reset(_ key: String) async throws {
        try await performWrite("reset a rate-limit counter") { database in
            try await database.raw(#"DELETE FROM fastauth_counters WHERE "key" = \#(bind: key)"#).run()
        }
    }

    /// Locks `key` until `until` (replacing any earlier lock).
    public func lock(_ key: String, until: Date) async throws {
        try await performWrite("lock a key") { database in
            try await database.raw(
                """
                INSERT INTO fastauth_locks ("key", locked_until)
                VALUES (\(bind: key), \(bind: until.storedMilliseconds))
                ON CONFLICT ("key") DO UPDATE SET locked_until = excluded.locked_until
                """
            ).run()
        }
    }

    /// When the lock on `key` ends, if it is locked at `now`.
    public func lockedUntil(_ key: String, now: Date) async throws -> Date? {
        try await perform("read a lock") { database in
            try await database.raw(
                """
                SELECT locked_until FROM fastauth_locks
                WHERE "key" = \(bind: key) AND locked_until > \(bind: now.storedMilliseconds)
                """
            ).first().map { try StoredRow($0, table: "fastauth_locks").date("locked_until") }
        }
    }

    /// Records a login attempt, then reads the newest attempts of its key — two statements on
    /// purpose: the insert commits before the read starts, so the k-th attempt to commit sees
    /// at least k rows. (A single `INSERT … RETURNING (SELECT count(*) …)` would not: its
    /// subquery reads the snapshot from before the statement, which misses both its own row
    /// and every concurrent uncommitted one, so a burst could all read a count of 1.)
    public func recordAttempt(
        _ key: String, id: String, at now: Date, expiresAt: Date, since: Date, limit: Int
    ) async throws -> [Date] {
        try await performWrite("record a login attempt") { database in
            try await database.raw(
                """
                INSERT INTO fastauth_login_attempts (id, "key", attempted_at, expires_at)
                VALUES (\(bind: id), \(bind: key), \(bind: now.storedMilliseconds), \(bind: expiresAt.storedMilliseconds))
                """
            ).run()
        }
        return try await perform("read login attempts") { database in
            try await database.raw(
                """
                SELECT attempted_at FROM fastauth_login_attempts
                WHERE "key" = \(bind: key) AND attempted_at > \(bind: since.storedMilliseconds)
                ORDER BY attempted_at DESC LIMIT \(bind: max(limit, 1))
                """
            ).all().map { try StoredRow($0, table: "fastauth_login_attempts").date("attempted_at") }
        }
    }

    /// Forgets one login attempt.
    public func removeAttempt(id: String) async throws {
        try await performWrite("forget a login attempt") { database in
            try await database.raw("DELETE FROM fastauth_login_attempts WHERE id = \(bind: id)").run()
        }
    }

    /// Forgets every login attempt of `key`.
    public func clearAttempts(_ key: String) async throws {
        try await performWrite("forget login attempts") { database in
            try await database.raw(#"DELETE FROM fastauth_login_attempts WHERE "key" = \#(bind: key)"#).run()
        }
    }

    /// Deletes counters, locks and login attempts that ended at or before `now`.
    public func purgeExpired(now: Date) async throws {
        let nowMilliseconds = now.storedMilliseconds
        try await performWrite("purge expired counters and locks") { database in
            try await database.raw("DELETE FROM fastauth_counters WHERE expires_at <= \(bind: nowMilliseconds)").run()
            try await database.raw("DELETE FROM fastauth_locks WHERE locked_until <= \(bind: nowMilliseconds)").run()
            try await database.raw("DELETE FROM fastauth_login_attempts WHERE expires_at <= \(bind: nowMilliseconds)")
                .run()
        }
    }
}
