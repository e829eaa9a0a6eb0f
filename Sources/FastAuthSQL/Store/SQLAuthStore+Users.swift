public import FastAuth
import SQLKit

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

extension SQLAuthStore {
    /// Inserts a new user. The UNIQUE constraint on `email` decides between concurrent inserts
    /// (`ON CONFLICT DO NOTHING`, so no half-written row and no aborted transaction); a refused
    /// insert throws ``StoreError/Code/duplicateEmail`` (or ``StoreError/Code/duplicateID``).
    public func createUser(_ user: StoredUser) async throws -> UserAccount {
        let account = user.account
        let inserted: Bool
        do {
            inserted = try await insert(user)
        } catch let error as StoreError where error.code == .duplicateID {
            // A driver that reports the violation instead (SQLite 19, PostgreSQL 23505).
            inserted = false
        }
        guard inserted else {
            if try await emailExists(account.email) {
                throw StoreError(.duplicateEmail, "a user with this email already exists")
            }
            throw StoreError(.duplicateID, "a user with this id already exists")
        }
        return account
    }

    /// Inserts `user` unless its id or email exists; `true` when it did.
    private func insert(_ user: StoredUser) async throws -> Bool {
        try await performWrite("create a user") { database in try await Self.insert(user, into: database) }
    }

    /// The INSERT of a user (`ON CONFLICT DO NOTHING`); `true` when the row was written.
    static func insert(_ user: StoredUser, into database: any SQLDatabase) async throws -> Bool {
        let account = user.account
        return try await database.raw(
            """
            INSERT INTO fastauth_users (\(unsafeRaw: Columns.user))
            VALUES (\(bind: account.id.rawValue), \(bind: account.email), \(bind: account.name), \
            \(bind: account.image), \(bind: user.passwordHash), \(bind: account.emailVerified), \
            \(bind: account.isActive), \(bind: account.createdAt.storedMilliseconds), \
            \(bind: account.updatedAt.storedMilliseconds), \(bind: account.deletedAt?.storedMilliseconds))
            ON CONFLICT DO NOTHING
            RETURNING id
            """
        ).first() != nil
    }

    /// The user with `id`.
    public func user(id: UserID) async throws -> UserAccount? {
        try await perform("read a user") { database in
            try await database.raw(
                "SELECT \(unsafeRaw: Columns.user) FROM fastauth_users WHERE id = \(bind: id.rawValue)"
            )
            .first().map { try StoredRow($0, table: "fastauth_users").storedUser().account }
        }
    }

    /// The user with the (normalised) `email`, with the password hash.
    public func credentials(email: String) async throws -> StoredUser? {
        try await perform("read a user's credentials") { database in
            try await database.raw("SELECT \(unsafeRaw: Columns.user) FROM fastauth_users WHERE email = \(bind: email)")
                .first().map { try StoredRow($0, table: "fastauth_users").storedUser() }
        }
    }

    /// `true` when a user has the (normalised) `email`.
    public func emailExists(_ email: String) async throws -> Bool {
        try await perform("look up an email") { database in
            try await database.raw("SELECT 1 AS found FROM fastauth_users WHERE email = \(bind: email) LIMIT 1")
                .first() != nil
        }
    }

    /// Replaces the password hash; nothing happens when there is no such user.
    public func updatePasswordHash(_ hash: String, userID: UserID, now: Date) async throws {
        try await performWrite("update a password hash") { database in
            try await database.raw(
                """
                UPDATE fastauth_users SET password_hash = \(bind: hash), updated_at = \(bind: now.storedMilliseconds)
                WHERE id = \(bind: userID.rawValue)
                """
            ).run()
        }
    }

    /// Marks the user's email verified or not; nothing happens when there is no such user.
    public func setEmailVerified(_ isVerified: Bool, userID: UserID, now: Date) async throws {
        try await performWrite("change whether a user's email is verified") { database in
            try await database.raw(
                """
                UPDATE fastauth_users SET email_verified = \(bind: isVerified), updated_at = \(bind: now.storedMilliseconds)
                WHERE id = \(bind: userID.rawValue)
                """
            ).run()
        }
    }

    /// A page of users, oldest first (by creation time, then id).
    public func users(limit: Int, offset: Int) async throws -> [UserAccount] {
        let limit = Int64(max(0, limit))
        let offset = Int64(max(0, offset))
        return try await perform("list users") { database in
            try await database.raw(
                """
                SELECT \(unsafeRaw: Columns.user) FROM fastauth_users ORDER BY created_at, id
                LIMIT \(bind: limit) OFFSET \(bind: offset)
                """
            ).all().map { try StoredRow($0, table: "fastauth_users").storedUser().account }
        }
    }

    /// Deletes the user; the database deletes their sessions and role assignments with them.
    public func deleteUser(_ id: UserID) async throws -> Bool {
        try await performWrite("delete a user") { database in
            try await database.raw("DELETE FROM fastauth_users WHERE id = \(bind: id.rawValue) RETURNING id").first()
                != nil
        }
    }

    /// Activates or deactivates a user; nothing happens when there is no such user.
    public func setActive(_ isActive: Bool, userID: UserID, now: Date) async throws {
        try await performWrite("change whether a user is active") { database in
            try await database.raw(
                """
                UPDATE fastauth_users SET is_active = \(bind: isActive), updated_at = \(bind: now.storedMilliseconds)
                WHERE id = \(bind: userID.rawValue)
                """
            ).run()
        }
    }
}
