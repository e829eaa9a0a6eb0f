#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What a social sign-in flow was started for.
public enum OAuthFlowPurpose: String, Sendable, Hashable, CaseIterable {
    /// Sign in (or sign up) with the provider.
    case signIn = "signin"
    /// Link the provider to the signed-in user who started the flow.
    case link
}

/// A started social sign-in flow, as the store keeps it until its callback (or expiry). Only
/// hashes of the `state` and of the browser binding are stored: a read of the database gives
/// nobody a callback that works.
public struct OAuthFlowRecord: Sendable, Hashable {
    /// Lower-case hex SHA-256 of the `state` sent to the provider.
    public var stateHash: String
    /// Lower-case hex SHA-256 of the binding cookie of the browser that started the flow.
    public var bindingHash: String
    /// The provider's id (`google`, `github`, a generic OIDC provider's name).
    public var provider: String
    public var purpose: OAuthFlowPurpose
    /// The signed-in user a ``OAuthFlowPurpose/link`` flow links to.
    public var userID: UserID?
    /// The PKCE code verifier (RFC 7636).
    public var codeVerifier: String
    /// The OpenID Connect nonce; `nil` for GitHub.
    public var nonce: String?
    /// Where the browser goes after the callback (one of the allowlisted URIs), or `nil`.
    public var redirectURI: String?
    public var createdAt: Date
    public var expiresAt: Date

    public init(
        stateHash: String, bindingHash: String, provider: String, purpose: OAuthFlowPurpose, userID: UserID?,
        codeVerifier: String, nonce: String?, redirectURI: String?, createdAt: Date, expiresAt: Date
    ) {
        self.stateHash = stateHash
        self.bindingHash = bindingHash
        self.provider = provider
        self.purpose = purpose
        self.userID = userID
        self.codeVerifier = codeVerifier
        self.nonce = nonce
        self.redirectURI = redirectURI
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// A provider account linked to a user: (`provider`, `providerAccountID`) is unique, and a user
/// has at most one account per provider.
public struct ProviderAccountRecord: Sendable, Hashable {
    public var userID: UserID
    /// The provider's id (`google`, `github`, …).
    public var provider: String
    /// The provider's stable id of the account: the OIDC `sub`, GitHub's numeric id.
    public var providerAccountID: String
    /// The email the provider gave when the link was made (informational).
    public var email: String?
    public var createdAt: Date

    public init(userID: UserID, provider: String, providerAccountID: String, email: String?, createdAt: Date) {
        self.userID = userID
        self.provider = provider
        self.providerAccountID = providerAccountID
        self.email = email
        self.createdAt = createdAt
    }
}

/// The result of ``SocialAccountStore/unlinkProviderAccount(userID:provider:)``.
public enum UnlinkOutcome: Sendable, Hashable {
    /// The link is gone.
    case unlinked
    /// The user has no account of that provider.
    case notLinked
    /// Refused: the user has no password and no other provider, so this is their last way to
    /// sign in.
    case lastSignInMethod
}

/// Social sign-in flows and the provider accounts linked to users.
public protocol SocialAccountStore: Sendable {
    /// Stores a started flow.
    func createOAuthFlow(_ flow: OAuthFlowRecord) async throws
    /// Deletes and returns the flow with `stateHash` if its binding, provider and purpose match
    /// and it has not expired at `now` — one atomic statement: of any number of concurrent
    /// calls, at most one returns it, and a call with another binding leaves it in place.
    func consumeOAuthFlow(
        stateHash: String, bindingHash: String, provider: String, purpose: OAuthFlowPurpose, now: Date
    ) async throws -> OAuthFlowRecord?
    /// Deletes flows that expired before `cutoff`; returns how many.
    func deleteOAuthFlows(expiredBefore cutoff: Date) async throws -> Int
    /// The link of the provider account, if any.
    func providerAccount(provider: String, providerAccountID: String) async throws -> ProviderAccountRecord?
    /// The user's links, oldest first.
    func providerAccounts(userID: UserID) async throws -> [ProviderAccountRecord]
    /// Links a provider account to an existing user. Throws ``StoreError/Code/duplicateID`` when
    /// the provider account is linked already, or the user has an account of that provider.
    func linkProviderAccount(_ account: ProviderAccountRecord) async throws
    /// Creates a user and links the provider account to it, in one transaction: either both
    /// rows exist afterwards or neither. Throws ``StoreError/Code/duplicateEmail`` or
    /// ``StoreError/Code/duplicateID`` (the provider account is linked already).
    func createUser(_ user: StoredUser, linking account: ProviderAccountRecord) async throws -> UserAccount
    /// Removes the user's account of `provider` unless it is their last way to sign in (no
    /// password, no other provider) — decided atomically with the delete, so two concurrent
    /// unlinks cannot leave an account nobody can sign in to.
    func unlinkProviderAccount(userID: UserID, provider: String) async throws -> UnlinkOutcome
}
