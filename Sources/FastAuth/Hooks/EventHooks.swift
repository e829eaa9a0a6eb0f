/// Callbacks an application implements to observe and shape authentication. Every method has
/// a no-op default, so a conformer implements only what it needs.
///
/// ```swift
/// struct PlanClaims: EventHooks {
///     func modifyJWT(_ claims: TokenClaims, user: UserAccount, tokenType: TokenType) async throws -> TokenClaims {
///         var claims = claims
///         if tokenType == .access { claims[custom: "plan"] = "pro" }
///         return claims
///     }
/// }
/// ```
public protocol EventHooks: Sendable {
    /// Returns the claims to sign. Custom claims may be added; changing a reserved claim
    /// (`sub jti sid type iat exp nbf iss aud`) makes issuing fail with ``TokenError/Code/reservedClaim``.
    func modifyJWT(_ claims: TokenClaims, user: UserAccount, tokenType: TokenType) async throws -> TokenClaims
    /// Called after an account is created.
    func onSignup(user: UserAccount) async
    /// Called after a successful login.
    func onSignin(user: UserAccount, sessionID: SessionID) async
    /// Called after a logout.
    func onSignout(userID: UserID, sessionID: SessionID?) async
    /// Called after a refresh token bought a new pair.
    func onTokenRefresh(user: UserAccount, sessionID: SessionID) async
    /// Return `false` to refuse a login (answered with 403).
    func allowSignin(user: UserAccount) async -> Bool
    /// Called after a user verified their email address.
    func onEmailVerified(user: UserAccount) async
    /// Called after a password was reset through an emailed link (every session has ended).
    func onPasswordReset(user: UserAccount) async
    /// Called after an email change was confirmed; `user` has the new address.
    func onEmailChanged(user: UserAccount, previousEmail: String) async
    /// Called after a user deleted their account.
    func onAccountDeleted(user: UserAccount) async
    /// Called after a social sign-in (`provider` is `google`, `github`, …). Default: calls
    /// ``onSignin(user:sessionID:)``.
    func onSignin(user: UserAccount, provider: String, sessionID: SessionID) async
    /// Return `false` to refuse a social sign-in (answered with 403). Default: asks
    /// ``allowSignin(user:)``.
    func allowSignin(user: UserAccount, provider: String) async -> Bool
    /// Called after a provider account was linked to a user (by an explicit link, or by a
    /// sign-in whose verified email matched a verified local account).
    func onOAuthLinked(user: UserAccount, provider: String) async
    /// Called after a provider account was unlinked.
    func onOAuthUnlinked(user: UserAccount, provider: String) async
}

extension EventHooks {
    public func modifyJWT(_ claims: TokenClaims, user: UserAccount, tokenType: TokenType) async throws -> TokenClaims {
        claims
    }
    public func onSignup(user: UserAccount) async {}
    public func onSignin(user: UserAccount, sessionID: SessionID) async {}
    public func onSignout(userID: UserID, sessionID: SessionID?) async {}
    public func onTokenRefresh(user: UserAccount, sessionID: SessionID) async {}
    public func allowSignin(user: UserAccount) async -> Bool { true }
    public func onEmailVerified(user: UserAccount) async {}
    public func onPasswordReset(user: UserAccount) async {}
    public func onEmailChanged(user: UserAccount, previousEmail: String) async {}
    public func onAccountDeleted(user: UserAccount) async {}
    public func onSignin(user: UserAccount, provider: String, sessionID: SessionID) async {
        await onSignin(user: user, sessionID: sessionID)
    }
    public func allowSignin(user: UserAccount, provider: String) async -> Bool { await allowSignin(user: user) }
    public func onOAuthLinked(user: UserAccount, provider: String) async {}
    public func onOAuthUnlinked(user: UserAccount, provider: String) async {}
}

/// Hooks that do nothing: the default.
public struct NoHooks: EventHooks {
    public init() {}
}
