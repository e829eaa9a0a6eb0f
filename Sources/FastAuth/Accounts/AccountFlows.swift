import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The account lifecycle (docs/HTTP-API.md, "Accounts"): email verification, password reset,
/// profile, password and email changes, account deletion. Every mail goes through the durable
/// outbox; every emailed link carries a one-time token of which only the hash is stored.
extension AuthService {
    // MARK: Email verification

    /// Sends the caller a verification link. 400 when the email is already verified; 429 when
    /// one was sent within ``AccountsConfig/sendInterval`` or ``AccountsConfig/sendsPerHour``
    /// were sent in the last hour.
    public func requestEmailVerification(for principal: Principal, context: RequestOrigin) async throws(AuthError) {
        try requireMail()
        let user = try await activeUser(principal.user.id, refusal: AuthError.notAuthenticated)
        guard !user.emailVerified else { throw AuthError(.emailAlreadyVerified, "Email is already verified") }
        let now = clock.now()
        try await throttleMail("verification|\(user.id)", now: now, context)
        let accounts = config.accounts
        try await issueOneTimeToken(
            .emailVerification, for: user, data: user.email, to: user.email, kind: .verification,
            link: accounts.emailVerificationURL ?? config.linkBaseURL + config.routePrefix + "/verify-email",
            ttl: accounts.verificationTokenTTL, now: now)
        log(.info, "verification email queued", user: user.id, context)
    }

    /// Consumes a verification token and marks the email verified.
    @discardableResult
    public func verifyEmail(token: String, context: RequestOrigin) async throws(AuthError) -> UserAccount {
        let invalid = AuthError(.invalidToken, "Invalid or expired verification token")
        let now = clock.now()
        guard
            let record = try await storeCall({
                try await store.consumeOneTimeToken(
                    hash: OneTimeToken.hash(token), purpose: .emailVerification, now: now)
            })
        else { throw invalid }
        // The link verifies the address it was sent to: after an email change it is void.
        guard var user = try await storeCall({ try await store.user(id: record.userID) }), user.deletedAt == nil,
            record.data == nil || record.data == user.email
        else { throw invalid }
        if !user.emailVerified {
            try await storeCall { try await store.setEmailVerified(true, userID: user.id, now: now) }
            user.emailVerified = true
            users.forget(user.id)
        }
        log(.info, "email verified", user: user.id, context)
        await hooks.onEmailVerified(user: user)
        return user
    }

    // MARK: Password reset

    /// Sends a reset link when `email` belongs to an active account. The response, and the work
    /// behind it — throttles, a read, a rendered and sealed mail, an outbox write — are the same
    /// either way: for an unknown address the sealed mail is a decoy the delivery task discards.
    public func forgotPassword(email rawEmail: String, context: RequestOrigin) async throws(AuthError) {
        let email = try EmailAddress.normalise(rawEmail).get()
        try requireMail()
        let now = clock.now()
        let accounts = config.accounts
        try await throttleMail(
            "reset-client|\(context.limitKey)", now: now, context, interval: nil,
            perHour: accounts.resetRequestsPerClientPerHour)
        try await throttleMail("reset|\(email)", now: now, context)
        let stored = try await storeCall { try await store.credentials(email: email) }
        let link = accounts.passwordResetURL ?? config.linkBaseURL + config.routePrefix + "/reset-password"
        if let user = stored?.account, user.isActive, user.deletedAt == nil {
            try await issueOneTimeToken(
                .passwordReset, for: user, data: nil, to: user.email, kind: .passwordReset, link: link,
                ttl: accounts.passwordResetTokenTTL, now: now)
            log(.info, "password reset email queued", user: user.id, context)
        } else {
            let decoyUser = UserAccount(id: UserID("decoy"), email: email, createdAt: now)
            let token = OneTimeToken.generate()
            _ = OneTimeToken.hash(token)
            let message = try mail(
                .passwordReset, to: email, user: decoyUser, url: link + "?token=" + token,
                ttl: accounts.passwordResetTokenTTL)
            let decoy = try sealed(message, deliver: false, now: now)
            try await storeCall { try await store.enqueueEmail(decoy) }
            outbox.signal()
        }
    }

    /// Whether `token` is a usable (unconsumed, unexpired) token of `purpose`, without using it:
    /// the reset and confirm pages say "this link has expired" instead of showing a form.
    public func oneTimeTokenIsUsable(_ token: String, purpose: OneTimeTokenPurpose) async throws(AuthError) -> Bool {
        guard OneTimeToken.isWellFormed(token) else { return false }
        let now = clock.now()
        return try await storeCall {
            try await store.oneTimeToken(hash: OneTimeToken.hash(token), purpose: purpose, now: now)
        } != nil
    }

    /// Sets a new password with a reset token: ends every session of the user, voids their other
    /// reset links, clears the login lockouts of their email and mails a "password changed"
    /// notice. A weak password is refused before the token is used, so the link still works.
    public func resetPassword(token: String, newPassword: String, context: RequestOrigin) async throws(AuthError) {
        let invalid = AuthError(.invalidToken, "Invalid or expired reset token")
        if let violation = config.passwordPolicy.violation(in: newPassword) {
            throw AuthError(.weakPassword, violation)
        }
        let tokenHash = OneTimeToken.hash(token)
        // A cheap read refuses unknown tokens before a hash is spent on them.
        guard OneTimeToken.isWellFormed(token),
            try await storeCall({
                try await store.oneTimeToken(hash: tokenHash, purpose: .passwordReset, now: clock.now())
            })
                != nil
        else { throw invalid }
        let hash = try await hashNewPassword(newPassword, context)
        let now = clock.now()
        guard
            let record = try await storeCall({
                try await store.consumeOneTimeToken(hash: tokenHash, purpose: .passwordReset, now: now)
            })
        else { throw invalid }
        guard let user = try await storeCall({ try await store.user(id: record.userID) }), user.deletedAt == nil else {
            throw invalid
        }
        try await storeCall { try await store.updatePasswordHash(hash, userID: user.id, now: now) }
        let ended = try await storeCall { try await store.revokeAllSessions(userID: user.id, now: now) }
        liveSessions.forgetSessions(of: user.id)
        users.forget(user.id)
        try await storeCall { try await store.deleteOneTimeTokens(userID: user.id, purpose: .passwordReset) }
        try await storeCall { try await store.clearAttempts(keyPrefix: Self.lockoutKeyPrefix(user.email)) }
        try await enqueue(
            try mail(.passwordChanged, to: user.email, user: user, url: nil, ttl: nil), now: now)
        log(.notice, "password reset: \(ended) session(s) ended", user: user.id, context)
        await hooks.onPasswordReset(user: user)
    }

    // MARK: Account management

    /// The caller's account, read from the store.
    public func profile(of principal: Principal) async throws(AuthError) -> UserAccount {
        try await activeUser(principal.user.id, refusal: AuthError.notAuthenticated)
    }

    /// The longest `image` URL accepted, in UTF-8 bytes.
    package static let maxImageBytes = 2048

    /// Sets the caller's name and/or image (`nil` leaves a field unchanged; 400 when both are).
    public func updateProfile(
        of principal: Principal, name: String?, image: String?
    ) async throws(AuthError) -> UserAccount {
        guard name != nil || image != nil else { throw AuthError(.nothingToUpdate, "No fields to update") }
        if let name, name.utf8.count > Self.maxNameBytes {
            throw AuthError(.validation, "name must be at most \(Self.maxNameBytes) bytes (UTF-8)", field: "name")
        }
        if let image, image.utf8.count > Self.maxImageBytes {
            throw AuthError(.validation, "image must be at most \(Self.maxImageBytes) bytes (UTF-8)", field: "image")
        }
        let now = clock.now()
        guard
            let user = try await storeCall({
                try await store.updateProfile(principal.user.id, name: name, image: image, now: now)
            })
        else { throw AuthError.notAuthenticated }
        users.forget(user.id)
        return user
    }

    /// Changes the caller's password after checking the current one (a wrong one counts as a
    /// failed login): every other session ends, the caller's stays.
    public func changePassword(
        of principal: Principal, currentPassword: String, newPassword: String, context: RequestOrigin
    ) async throws(AuthError) {
        let user = try await confirmPassword(
            currentPassword, of: principal, wrong: "Current password is incorrect", context)
        if let violation = config.passwordPolicy.violation(in: newPassword) {
            throw AuthError(.weakPassword, violation)
        }
        let hash = try await hashNewPassword(newPassword, context)
        let now = clock.now()
        try await storeCall { try await store.updatePasswordHash(hash, userID: user.id, now: now) }
        let ended: [SessionID]
        if let current = principal.sessionID {
            ended = try await storeCall {
                try await store.revokeOtherSessions(userID: user.id, keeping: current, now: now)
            }
            for id in ended { liveSessions.forget(id) }
        } else {
            _ = try await storeCall { try await store.revokeAllSessions(userID: user.id, now: now) }
            liveSessions.forgetSessions(of: user.id)
            ended = []
        }
        log(.notice, "password changed: \(ended.count) other session(s) ended", user: user.id, context)
    }

    /// Starts an email change: after the password check, a confirmation link goes to the new
    /// address and a notice to the old one. 409 when the new address has an account.
    public func changeEmail(
        of principal: Principal, newEmail rawEmail: String, password: String, context: RequestOrigin
    ) async throws(AuthError) {
        let newEmail: String
        switch EmailAddress.normalise(rawEmail) {
        case .success(let email): newEmail = email
        case .failure(let error): throw AuthError(.validation, error.message, field: "new_email")
        }
        try requireMail()
        let user = try await confirmPassword(password, of: principal, wrong: "Password is incorrect", context)
        guard newEmail != user.email else {
            throw AuthError(.validation, "new_email is the account's current email address", field: "new_email")
        }
        guard try await storeCall({ try await store.emailExists(newEmail) }) == false else { throw Self.emailInUse }
        let now = clock.now()
        try await throttleMail("email-change|\(user.id)", now: now, context)
        try await issueOneTimeToken(
            .emailChange, for: user, data: newEmail, to: newEmail, kind: .emailChange,
            link: config.linkBaseURL + config.routePrefix + "/account/confirm-email-change",
            ttl: config.accounts.emailChangeTokenTTL, now: now, values: ["new_email": newEmail])
        try await enqueue(
            try mail(
                .emailChangeNotice, to: user.email, user: user, url: nil, ttl: nil, values: ["new_email": newEmail]),
            now: now)
        log(.info, "email change requested", user: user.id, context)
    }

    /// Consumes an email-change token: the account's email becomes the new (verified) address.
    @discardableResult
    public func confirmEmailChange(token: String, context: RequestOrigin) async throws(AuthError) -> UserAccount {
        let invalid = AuthError(.invalidToken, "Invalid or expired token")
        let now = clock.now()
        guard
            let record = try await storeCall({
                try await store.consumeOneTimeToken(hash: OneTimeToken.hash(token), purpose: .emailChange, now: now)
            }), let newEmail = record.data,
            let user = try await storeCall({ try await store.user(id: record.userID) }), user.isActive,
            user.deletedAt == nil
        else { throw invalid }
        do {
            try await store.changeEmail(user.id, to: newEmail, now: now)
        } catch let error as StoreError where error.code == .duplicateEmail {
            throw Self.emailInUse
        } catch {
            throw AuthError(.unavailable, "The authentication store is unavailable")
        }
        try await storeCall { try await store.deleteOneTimeTokens(userID: user.id, purpose: .emailChange) }
        users.forget(user.id)
        var changed = user
        changed.email = newEmail
        changed.emailVerified = true
        changed.updatedAt = now
        log(.notice, "email changed", user: user.id, context)
        await hooks.onEmailChanged(user: changed, previousEmail: user.email)
        return changed
    }

    /// How recent the access token of a password-less account (created by a social sign-in)
    /// must be to delete the account: with no password to ask for, a fresh sign-in stands in.
    public static let recentSignInForDeletion: Int64 = 300

    /// `true` when the caller's account has a password (a social sign-in creates accounts
    /// without one).
    public func hasPassword(_ principal: Principal) async throws(AuthError) -> Bool {
        try await storeCall { try await store.credentials(email: principal.user.email) }.map {
            $0.account.id == principal.user.id && $0.passwordHash != nil
        } ?? false
    }

    /// Deletes the caller's account after the password check — or, for an account without a
    /// password, when the access token was issued within ``recentSignInForDeletion`` seconds:
    /// it is deactivated at once, every session ends, and the row is purged after
    /// ``AccountsConfig/deletedAccountRetention``.
    ///
    /// - Throws: ``AuthError/Code/incorrectPassword``; ``AuthError/Code/recentSignInRequired``
    ///   (403) for a password-less account with an older token; ``AuthError/Code/validation``
    ///   when an account with a password is deleted without one.
    public func deleteAccount(
        of principal: Principal, password: String?, context: RequestOrigin
    ) async throws(AuthError) {
        let now = clock.now()
        let user: UserAccount
        if try await hasPassword(principal) {
            guard let password else { throw AuthError(.validation, "Field required", field: "password") }
            user = try await confirmPassword(password, of: principal, wrong: "Password is incorrect", context)
        } else {
            user = try await activeUser(principal.user.id, refusal: AuthError.notAuthenticated)
            guard let issuedAt = principal.claims.issuedAt, now.unixSeconds - issuedAt <= Self.recentSignInForDeletion
            else {
                throw AuthError(
                    .recentSignInRequired,
                    "Sign in again to delete this account: it has no password, so a sign-in from the last 5 minutes is required"
                )
            }
        }
        try await storeCall { try await store.markDeleted(user.id, now: now) }
        _ = try await storeCall { try await store.revokeAllSessions(userID: user.id, now: now) }
        liveSessions.forgetSessions(of: user.id)
        users.forget(user.id)
        log(.notice, "account deleted", user: user.id, context)
        await hooks.onAccountDeleted(user: user)
    }

    // MARK: Helpers

    static let emailInUse = AuthError(.emailTaken, "Email is already in use")

    /// 503 `email_unavailable` when mail is turned off.
    private func requireMail() throws(AuthError) {
        guard config.accounts.emailTransport != nil else {
            throw AuthError(.emailUnavailable, "Email delivery is not configured")
        }
    }

    /// The prefix of every lockout key of `email` (one per client address).
    static func lockoutKeyPrefix(_ email: String) -> String { "lockout:\(email)|" }

    /// Checks the caller's password like a login does — counted against the lockout of
    /// (email, client address), one hash whether or not the account has a password — and
    /// returns the account read from the store.
    private func confirmPassword(
        _ password: String, of principal: Principal, wrong: String, _ context: RequestOrigin
    ) async throws(AuthError) -> UserAccount {
        let now = clock.now()
        let user = try await activeUser(principal.user.id, refusal: AuthError.notAuthenticated)
        let lockKey = Self.lockoutKeyPrefix(user.email) + context.limitKey
        let attempt = try await admitAttempt(lockKey, now: now, context)
        let refused = AuthError(.incorrectPassword, wrong)
        guard password.count <= max(config.passwordPolicy.maxLength, 1024) else { throw refused }
        let stored = try await storeCall { try await store.credentials(email: user.email) }
        let matches: Bool
        do {
            if let hash = stored?.passwordHash, stored?.account.id == user.id {
                matches = try await hasher.check(password, against: hash)
            } else {
                _ = try await hasher.checkDummy(password)
                matches = false
            }
        } catch {
            throw await busy(error, forgetting: attempt, context)
        }
        guard matches else {
            log(.info, "password check failed", user: user.id, context)
            throw refused
        }
        try await storeCall { try await store.clearAttempts(lockKey) }
        return user
    }

    private func hashNewPassword(_ password: String, _ context: RequestOrigin) async throws(AuthError) -> String {
        do {
            return try await hasher.hash(password)
        } catch let refused as HashingRefused {
            throw await busy(refused, forgetting: nil, context)
        } catch {
            throw AuthError(.unavailable, "Password hashing failed")
        }
    }

    /// Issues a one-time token of `purpose` for `user` and, in the same transaction, queues the
    /// mail carrying its link (`link?token=…`) to `to`.
    private func issueOneTimeToken(
        _ purpose: OneTimeTokenPurpose, for user: UserAccount, data: String?, to recipient: String,
        kind: EmailTemplates.Kind, link: String, ttl: Duration, now: Date, values: [String: String] = [:]
    ) async throws(AuthError) {
        let token = OneTimeToken.generate()
        let record = OneTimeTokenRecord(
            hash: OneTimeToken.hash(token), purpose: purpose, userID: user.id, data: data, createdAt: now,
            expiresAt: now.addingTimeInterval(ttl.timeInterval))
        let message = try mail(kind, to: recipient, user: user, url: link + "?token=" + token, ttl: ttl, values: values)
        let sealed = try sealed(message, deliver: true, now: now)
        try await storeCall { try await store.issueOneTimeToken(record, message: sealed) }
        outbox.signal()
    }

    /// Queues a mail that carries no token.
    private func enqueue(_ message: EmailMessage, now: Date) async throws(AuthError) {
        guard config.accounts.emailTransport != nil else { return }
        let sealed = try sealed(message, deliver: true, now: now)
        try await storeCall { try await store.enqueueEmail(sealed) }
        outbox.signal()
    }

    private func sealed(_ message: EmailMessage, deliver: Bool, now: Date) throws(AuthError) -> OutboxEmail {
        do {
            return try outbox.seal(message, deliver: deliver, now: now)
        } catch {
            throw AuthError(.unavailable, "Email cannot be queued right now")
        }
    }

    /// Renders mail `kind` for `user`.
    private func mail(
        _ kind: EmailTemplates.Kind, to recipient: String, user: UserAccount, url: String?, ttl: Duration?,
        values extra: [String: String] = [:]
    ) throws(AuthError) -> EmailMessage {
        var values = ["name": user.name ?? user.email, "email": user.email]
        if let url { values["url"] = url }
        if let ttl { values["expires_in_minutes"] = String(max(1, ttl.wholeSeconds / 60)) }
        values.merge(extra) { _, new in new }
        let rendered: EmailTemplates.Rendered
        do {
            rendered = try templates.render(kind, values: values)
        } catch {
            logger.error("email template failed", metadata: ["template": "\(kind.rawValue)", "error": "\(error)"])
            throw AuthError(.unavailable, "Email cannot be queued right now")
        }
        return EmailMessage(
            from: config.accounts.emailFrom ?? Self.defaultSender(linkBase: config.linkBaseURL), to: recipient,
            subject: rendered.subject, text: rendered.text, html: rendered.html)
    }

    /// `no-reply@` + the host of the link base URL.
    static func defaultSender(linkBase: String) -> String {
        let rest = linkBase.split(separator: "://", maxSplits: 1).last.map(String.init) ?? linkBase
        var host = String(rest.prefix { $0 != "/" && $0 != ":" })
        if host.isEmpty || host.hasPrefix("[") || host.allSatisfy({ $0.isNumber || $0 == "." }) { host = "localhost" }
        return "no-reply@\(host)"
    }

    /// Counts a mail of `key` and refuses it (429 with `Retry-After`, nothing counted) when one
    /// was sent within `interval` or `perHour` in the last hour.
    private func throttleMail(_ key: String, now: Date, _ context: RequestOrigin) async throws(AuthError) {
        try await throttleMail(
            key, now: now, context, interval: config.accounts.sendInterval, perHour: config.accounts.sendsPerHour)
    }

    private func throttleMail(
        _ key: String, now: Date, _ context: RequestOrigin, interval: Duration?, perHour: Int
    ) async throws(AuthError) {
        let hour: TimeInterval = 3600
        let id = TokenID.generate().rawValue
        let recent = try await storeCall {
            try await store.recordAttempt(
                "mail:" + key, id: id, at: now, expiresAt: now.addingTimeInterval(hour),
                since: now.addingTimeInterval(-hour), limit: perHour + 1)
        }
        var retryAfter: TimeInterval = 0
        if let interval, recent.count > 1, now.timeIntervalSince(recent[1]) < interval.timeInterval {
            retryAfter = max(retryAfter, recent[1].addingTimeInterval(interval.timeInterval).timeIntervalSince(now))
        }
        if recent.count > perHour {
            retryAfter = max(retryAfter, recent[perHour].addingTimeInterval(hour).timeIntervalSince(now))
        }
        guard retryAfter > 0 else { return }
        try await storeCall { try await store.removeAttempt(id: id) }
        log(.notice, "email throttled (\(key.prefix { $0 != "|" }))", user: nil, context)
        // Stored times are whole milliseconds: a sub-millisecond remainder is not a second more.
        throw AuthError(.rateLimited, "Too many requests", retryAfter: max(1, Int((retryAfter - 0.001).rounded(.up))))
    }
}
