public import FastAuth
import SQLKit

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

// Social sign-in: started flows and linked provider accounts.

extension SQLAuthStore {
    private static let flowColumns =
        "state_hash, binding_hash, provider, purpose, user_id, code_verifier, nonce, redirect_uri, created_at, expires_at"
    private static let linkColumns = "provider, provider_account_id, user_id, email, created_at"

    /// Stores a started flow.
    public func createOAuthFlow(_ flow: OAuthFlowRecord) async throws {
        try await performWrite("store a sign-in flow") { database in
            try await database.raw(
                """
                INSERT INTO fastauth_oauth_flows (\(unsafeRaw: Self.flowColumns))
                VALUES (\(bind: flow.stateHash), \(bind: flow.bindingHash), \(bind: flow.provider), \
                \(bind: flow.purpose.rawValue), \(bind: flow.userID?.rawValue), \(bind: flow.codeVerifier), \
                \(bind: flow.nonce), \(bind: flow.redirectURI), \(bind: flow.createdAt.storedMilliseconds), \
                \(bind: flow.expiresAt.storedMilliseconds))
                """
            ).run()
        }
    }

    /// Deletes and returns the matching, unexpired flow in one statement.
    public func consumeOAuthFlow(
        stateHash: String, bindingHash: String, provider: String, purpose: OAuthFlowPurpose, now: Date
    ) async throws -> OAuthFlowRecord? {
        try await performWrite("consume a sign-in flow") { database in
            try await database.raw(
                """
                DELETE FROM fastauth_oauth_flows
                WHERE state_hash = \(bind: stateHash) AND binding_hash = \(bind: bindingHash)
                AND provider = \(bind: provider) AND purpose = \(bind: purpose.rawValue)
                AND expires_at > \(bind: now.storedMilliseconds)
                RETURNING \(unsafeRaw: Self.flowColumns)
                """
            ).first().map { try Self.flow($0) }
        }
    }

    /// Deletes flows that expired before `cutoff`.
    public func deleteOAuthFlows(expiredBefore cutoff: Date) async throws -> Int {
        try await performWrite("purge sign-in flows") { database in
            try await database.raw(
                """
                DELETE FROM fastauth_oauth_flows WHERE expires_at < \(bind: cutoff.storedMilliseconds)
                RETURNING state_hash
                """
            ).all().count
        }
    }

    /// The link of the provider account.
    public func providerAccount(provider: String, providerAccountID: String) async throws -> ProviderAccountRecord? {
        try await perform("read a linked provider account") { database in
            try await database.raw(
                """
                SELECT \(unsafeRaw: Self.linkColumns) FROM fastauth_oauth_accounts
                WHERE provider = \(bind: provider) AND provider_account_id = \(bind: providerAccountID)
                """
            ).first().map { try Self.link($0) }
        }
    }

    /// The user's links, oldest first.
    public func providerAccounts(userID: UserID) async throws -> [ProviderAccountRecord] {
        try await perform("read a user's linked provider accounts") { database in
            try await database.raw(
                """
                SELECT \(unsafeRaw: Self.linkColumns) FROM fastauth_oauth_accounts
                WHERE user_id = \(bind: userID.rawValue) ORDER BY created_at, provider
                """
            ).all().map { try Self.link($0) }
        }
    }

    /// Links a provider account; a taken provider account or provider throws `duplicateID`.
    public func linkProviderAccount(_ account: ProviderAccountRecord) async throws {
        let inserted = try await performWrite("link a provider account") { database in
            try await Self.insert(account, into: database)
        }
        guard inserted else {
            throw StoreError(
                .duplicateID, "the provider account, or the user's account of this provider, is linked already")
        }
    }

    /// Creates the user and its link in one transaction.
    public func createUser(_ user: StoredUser, linking account: ProviderAccountRecord) async throws -> UserAccount {
        let email = user.account.email
        try await transaction("create a user with a provider account") { database, _ in
            guard try await Self.insert(user, into: database) else {
                let taken =
                    try await database.raw("SELECT 1 AS found FROM fastauth_users WHERE email = \(bind: email)")
                    .first() != nil
                throw taken
                    ? StoreError(.duplicateEmail, "a user with this email already exists")
                    : StoreError(.duplicateID, "a user with this id already exists")
            }
            guard try await Self.insert(account, into: database) else {
                throw StoreError(.duplicateID, "the provider account is linked already")
            }
        }
        return user.account
    }

    /// Unlinks unless it is the last way to sign in; the user's row is locked first (PostgreSQL)
    /// so concurrent unlinks of one user are decided one after the other.
    public func unlinkProviderAccount(userID: UserID, provider: String) async throws -> UnlinkOutcome {
        try await transaction("unlink a provider account") { database, engine in
            let locking = engine == .postgresql ? "FOR UPDATE" : ""
            let user = try await database.raw(
                """
                SELECT password_hash FROM fastauth_users WHERE id = \(bind: userID.rawValue) \(unsafeRaw: locking)
                """
            ).first()
            guard let user else { return UnlinkOutcome.notLinked }
            let hasPassword = try StoredRow(user, table: "fastauth_users").optionalString("password_hash") != nil
            let links = try await database.raw(
                "SELECT provider FROM fastauth_oauth_accounts WHERE user_id = \(bind: userID.rawValue)"
            ).all().map { try StoredRow($0, table: "fastauth_oauth_accounts").string("provider") }
            guard links.contains(provider) else { return .notLinked }
            guard hasPassword || links.count > 1 else { return .lastSignInMethod }
            try await database.raw(
                """
                DELETE FROM fastauth_oauth_accounts WHERE user_id = \(bind: userID.rawValue) AND provider = \(bind: provider)
                """
            ).run()
            return .unlinked
        }
    }

    private static func insert(_ account: ProviderAccountRecord, into database: any SQLDatabase) async throws -> Bool {
        try await database.raw(
            """
            INSERT INTO fastauth_oauth_accounts (\(unsafeRaw: linkColumns))
            VALUES (\(bind: account.provider), \(bind: account.providerAccountID), \(bind: account.userID.rawValue), \
            \(bind: account.email), \(bind: account.createdAt.storedMilliseconds))
            ON CONFLICT DO NOTHING
            RETURNING provider
            """
        ).first() != nil
    }

    private static func flow(_ row: any SQLRow) throws -> OAuthFlowRecord {
        let stored = StoredRow(row, table: "fastauth_oauth_flows")
        guard let purpose = OAuthFlowPurpose(rawValue: try stored.string("purpose")) else {
            throw StoreError(.corrupt, "column purpose of fastauth_oauth_flows holds a value FastAuth did not write")
        }
        return OAuthFlowRecord(
            stateHash: try stored.string("state_hash"), bindingHash: try stored.string("binding_hash"),
            provider: try stored.string("provider"), purpose: purpose,
            userID: try stored.optionalString("user_id").map(UserID.init(rawValue:)),
            codeVerifier: try stored.string("code_verifier"), nonce: try stored.optionalString("nonce"),
            redirectURI: try stored.optionalString("redirect_uri"), createdAt: try stored.date("created_at"),
            expiresAt: try stored.date("expires_at"))
    }

    private static func link(_ row: any SQLRow) throws -> ProviderAccountRecord {
        let stored = StoredRow(row, table: "fastauth_oauth_accounts")
        return ProviderAccountRecord(
            userID: UserID(try stored.string("user_id")), provider: try stored.string("provider"),
            providerAccountID: try stored.string("provider_account_id"), email: try stored.optionalString("email"),
            createdAt: try stored.date("created_at"))
    }
}
