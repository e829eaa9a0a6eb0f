import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The social sign-in rules, framework-free: the flow state bound to the browser, and what a
/// verified provider identity may do to the accounts. Talking to the providers (authorization
/// URLs, code exchange, ID-token verification) is `FastAuthOAuth`'s; the HTTP adapter calls
/// these with what it verified.
extension AuthService {
    /// Stores a started flow and returns the value of the binding cookie to set: `binding`
    /// (the browser's current cookie) when it is well formed, else a new one. Only the SHA-256
    /// of `state` and of the binding are stored.
    ///
    /// - Throws: ``AuthError/Code/invalidRedirectURI`` when `redirectURI` is not exactly one of
    ///   ``SocialConfig/redirectURIs``; ``AuthError/Code/rateLimited``.
    public func beginSocialFlow(
        provider: String, purpose: OAuthFlowPurpose, userID: UserID?, state: String, codeVerifier: String,
        nonce: String?, redirectURI: String?, binding: String?, context: RequestOrigin
    ) async throws(AuthError) -> String {
        try await rateLimit("oauth", context)
        if let redirectURI, !config.social.allows(redirectURI: redirectURI) {
            log(.notice, "oauth: redirect_uri not in the allowlist", user: userID, context)
            throw AuthError(.invalidRedirectURI, "redirect_uri is not allowed")
        }
        let binding = binding.flatMap { OneTimeToken.isWellFormed($0) ? $0 : nil } ?? OneTimeToken.generate()
        let now = clock.now()
        let flow = OAuthFlowRecord(
            stateHash: OneTimeToken.hash(state), bindingHash: OneTimeToken.hash(binding), provider: provider,
            purpose: purpose, userID: userID, codeVerifier: codeVerifier, nonce: nonce, redirectURI: redirectURI,
            createdAt: now, expiresAt: now.addingTimeInterval(config.social.flowTTL.timeInterval))
        try await storeCall { try await store.createOAuthFlow(flow) }
        return binding
    }

    /// Consumes the flow a callback names — once, and only from the browser that started it:
    /// the `state` must be known, unused and unexpired, for this provider and purpose, and the
    /// binding cookie must be the one set when it started.
    ///
    /// - Throws: ``AuthError/Code/invalidState`` (400) otherwise; ``AuthError/Code/rateLimited``.
    public func completeSocialFlow(
        provider: String, purpose: OAuthFlowPurpose, state: String?, binding: String?, context: RequestOrigin
    ) async throws(AuthError) -> OAuthFlowRecord {
        try await rateLimit("oauth", context)
        let refusal = AuthError(
            .invalidState, purpose == .link ? "Invalid or expired link state" : "Invalid or expired OAuth state")
        guard let state, !state.isEmpty else { throw refusal }
        guard let binding, OneTimeToken.isWellFormed(binding) else {
            log(.notice, "oauth: callback without the binding cookie", user: nil, context)
            throw refusal
        }
        let now = clock.now()
        guard
            let flow = try await storeCall({
                try await store.consumeOAuthFlow(
                    stateHash: OneTimeToken.hash(state), bindingHash: OneTimeToken.hash(binding), provider: provider,
                    purpose: purpose, now: now)
            })
        else {
            log(.notice, "oauth: unknown, used, expired or unbound state", user: nil, context)
            throw refusal
        }
        return flow
    }

    /// Signs in with a verified provider identity.
    ///
    /// - A provider account linked before signs its user in.
    /// - Otherwise, a local account with the same email is linked only when **both** emails are
    ///   verified (the provider's and the local one); else 409 ``AuthError/Code/accountNotLinked``
    ///   and nothing changes — the owner signs in with their password and links the provider.
    /// - Otherwise a new account is created, without a password, its email verified — only
    ///   when the provider verified the email (``AuthError/Code/providerEmailUnverified``).
    ///
    /// A provider sign-in never changes a local account's `email_verified` or password.
    public func signIn(with identity: ProviderIdentity, context: RequestOrigin) async throws(AuthError) -> SignIn {
        let now = clock.now()
        let provider = identity.provider
        var user: UserAccount
        var linked = false
        var created = false
        if let account = try await storeCall({
            try await store.providerAccount(provider: provider, providerAccountID: identity.subject)
        }) {
            guard let found = try await storeCall({ try await store.user(id: account.userID) }), found.deletedAt == nil
            else {
                throw AuthError.accountDeactivated
            }
            user = found
        } else {
            guard let rawEmail = identity.email, let email = try? EmailAddress.normalise(rawEmail).get() else {
                throw Self.providerEmailUnverified(provider)
            }
            if let local = try await storeCall({ try await store.credentials(email: email) })?.account {
                guard identity.emailVerified, local.emailVerified, local.deletedAt == nil else {
                    log(
                        .notice, "oauth: \(provider) email matches an account; not linked (unverified)", user: local.id,
                        context)
                    throw Self.accountNotLinked(provider)
                }
                guard local.isActive else { throw AuthError.accountDeactivated }
                let link = ProviderAccountRecord(
                    userID: local.id, provider: provider, providerAccountID: identity.subject, email: email,
                    createdAt: now)
                do {
                    try await store.linkProviderAccount(link)
                } catch let error as StoreError where error.code == .duplicateID {
                    // Linked concurrently (to this user or another), or the user has another
                    // account of this provider: nothing was changed.
                    throw Self.accountNotLinked(provider)
                } catch {
                    throw AuthError(.unavailable, "The account store is unavailable")
                }
                user = local
                linked = true
            } else {
                guard identity.emailVerified else { throw Self.providerEmailUnverified(provider) }
                let name = identity.name.map {
                    String(decoding: Array($0.utf8.prefix(Self.maxNameBytes)), as: UTF8.self)
                }
                let image = identity.picture.flatMap { $0.utf8.count <= 2048 ? $0 : nil }
                let account = UserAccount(
                    id: .generate(), email: email, name: name?.isEmpty == false ? name : nil, image: image,
                    emailVerified: true, createdAt: now)
                let link = ProviderAccountRecord(
                    userID: account.id, provider: provider, providerAccountID: identity.subject, email: email,
                    createdAt: now)
                do {
                    user = try await store.createUser(StoredUser(account: account, passwordHash: nil), linking: link)
                } catch let error as StoreError where error.code == .duplicateEmail || error.code == .duplicateID {
                    // Registered or linked concurrently: the next attempt sees it.
                    throw Self.accountNotLinked(provider)
                } catch {
                    throw AuthError(.unavailable, "The account store is unavailable")
                }
                created = true
            }
        }
        guard user.isActive else { throw AuthError.accountDeactivated }
        if config.accounts.requireVerifiedEmail && !user.emailVerified {
            log(.info, "oauth sign-in refused: email not verified", user: user.id, context)
            throw AuthError(.emailNotVerified, "Email not verified")
        }
        guard await hooks.allowSignin(user: user, provider: provider) else {
            log(.notice, "oauth sign-in refused by allowSignin", user: user.id, context)
            throw AuthError(.signinNotAllowed, "Sign-in not allowed")
        }
        if created {
            log(.info, "signup via \(provider)", user: user.id, context)
            await hooks.onSignup(user: user)
        }
        if linked {
            log(.info, "oauth: \(provider) linked by verified email", user: user.id, context)
            await hooks.onOAuthLinked(user: user, provider: provider)
        }
        let signIn = try await startSession(for: user, remember: false, context: context, now: now)
        log(.info, "login ok via \(provider)", user: user.id, context)
        await hooks.onSignin(user: user, provider: provider, sessionID: signIn.session.id)
        return signIn
    }

    /// Links a verified provider identity to the user who started the link flow. Linking the
    /// same provider account again is a no-op.
    ///
    /// - Throws: ``AuthError/Code/accountAlreadyLinked`` (409) when the provider account belongs
    ///   to another user or the user has another account of this provider.
    @discardableResult
    public func link(
        _ identity: ProviderIdentity, to userID: UserID, context: RequestOrigin
    ) async throws(AuthError)
        -> ProviderAccountRecord
    {
        let user = try await activeUser(userID, refusal: AuthError.notAuthenticated)
        guard user.deletedAt == nil else { throw AuthError.accountDeactivated }
        let provider = identity.provider
        let taken = AuthError(.accountAlreadyLinked, "This provider account is already linked to a user")
        if let existing = try await storeCall({
            try await store.providerAccount(provider: provider, providerAccountID: identity.subject)
        }) {
            guard existing.userID == userID else { throw taken }
            return existing
        }
        let email = identity.email.flatMap { try? EmailAddress.normalise($0).get() }
        let link = ProviderAccountRecord(
            userID: userID, provider: provider, providerAccountID: identity.subject,
            email: identity.emailVerified ? email : nil, createdAt: clock.now())
        do {
            try await store.linkProviderAccount(link)
        } catch let error as StoreError where error.code == .duplicateID {
            throw AuthError(.accountAlreadyLinked, "An account of this provider is already linked")
        } catch {
            throw AuthError(.unavailable, "The account store is unavailable")
        }
        log(.info, "oauth: \(provider) linked", user: userID, context)
        await hooks.onOAuthLinked(user: user, provider: provider)
        return link
    }

    /// The provider accounts linked to the caller, oldest first.
    public func providerAccounts(of principal: Principal) async throws(AuthError) -> [ProviderAccountRecord] {
        try await storeCall { try await store.providerAccounts(userID: principal.user.id) }
    }

    /// Unlinks the caller's account of `provider`, unless it is their last way to sign in.
    ///
    /// - Throws: ``AuthError/Code/providerAccountNotFound`` (404), ``AuthError/Code/lastSignInMethod`` (409).
    public func unlinkProvider(
        _ provider: String, of principal: Principal, context: RequestOrigin
    ) async throws(AuthError) {
        let provider = provider.lowercased()
        switch try await storeCall({
            try await store.unlinkProviderAccount(userID: principal.user.id, provider: provider)
        }) {
        case .unlinked:
            log(.info, "oauth: \(provider) unlinked", user: principal.user.id, context)
            await hooks.onOAuthUnlinked(user: principal.user, provider: provider)
        case .notLinked:
            throw AuthError(.providerAccountNotFound, "No linked \(provider) account found")
        case .lastSignInMethod:
            throw AuthError(
                .lastSignInMethod,
                "This is the only way to sign in to this account; set a password or link another provider first")
        }
    }

    static func accountNotLinked(_ provider: String) -> AuthError {
        AuthError(
            .accountNotLinked,
            "An account with this email already exists. Sign in with your password, then link \(provider) from your account"
        )
    }

    static func providerEmailUnverified(_ provider: String) -> AuthError {
        AuthError(.providerEmailUnverified, "\(provider) did not confirm an email address for this account")
    }
}
